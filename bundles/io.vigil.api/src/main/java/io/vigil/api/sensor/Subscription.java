package io.vigil.api.sensor;

import org.osgi.annotation.versioning.ConsumerType;

/** A listener's subscription to a driver; closing it stops delivery to that listener. Idempotent. */
@ConsumerType
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
