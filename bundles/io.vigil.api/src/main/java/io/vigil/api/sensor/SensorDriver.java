package io.vigil.api.sensor;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A source of samples for one asset, registered as an OSGi service with the {@value #ASSET} property.
 *
 * <p>Several listeners may subscribe; each gets every block produced while it is subscribed. A driver owns its
 * threads: they start no earlier than its activation and are gone when it deactivates, which also ends all
 * subscriptions.
 */
@ConsumerType
public interface SensorDriver {

    /** Service property naming the asset a driver delivers samples for. */
    String ASSET = "vigil.asset";

    /** @return the asset this driver delivers samples for */
    String assetId();

    /** @return the channels this driver delivers */
    List<ChannelSpec> channels();

    /**
     * Starts delivering samples to {@code listener}.
     *
     * @throws Exception when the driver cannot deliver (device missing, file unreadable); the caller retries
     */
    Subscription subscribe(SampleListener listener) throws Exception;
}
