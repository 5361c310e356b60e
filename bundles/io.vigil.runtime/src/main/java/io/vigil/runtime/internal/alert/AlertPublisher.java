package io.vigil.runtime.internal.alert;

import io.vigil.api.alert.Alert;

/** Hands alerts to the sinks without making the caller wait for them. */
public interface AlertPublisher {
    void publish(Alert alert);
}
