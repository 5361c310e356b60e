package io.vigil.api.sensor;

import org.osgi.annotation.versioning.ConsumerType;

/** Receives the samples of a driver it subscribed to. Called on the driver's thread: return quickly. */
@ConsumerType
public interface SampleListener {

    /** A block of samples, in the driver's delivery order. */
    void onSamples(SampleBlock block);

    /**
     * The driver failed to produce data for a channel (a read error, a lost device). The driver keeps
     * trying; the listener counts and reports it.
     *
     * @param channel the channel affected, or {@code null} when the whole driver is affected
     */
    default void onDriverError(String channel, Throwable error) {
    }

    /**
     * The channel's data has ended for good (a recording replayed to its end): silence from now on is not a
     * stall. Data arriving later starts the channel again.
     */
    default void onEndOfStream(String channel) {
    }
}
