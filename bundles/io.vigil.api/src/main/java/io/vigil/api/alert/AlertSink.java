package io.vigil.api.alert;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service that receives every alert state change. Called from Vigil's alert dispatcher thread,
 * never from the sample path, in the order the changes happened. A sink that throws is logged and skipped;
 * the others still receive the alert.
 */
@ConsumerType
public interface AlertSink {
    void onAlert(Alert alert);
}
