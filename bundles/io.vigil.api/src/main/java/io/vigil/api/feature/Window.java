package io.vigil.api.feature;

import java.util.Objects;

/**
 * A window of contiguous samples of one channel.
 *
 * @param assetId the asset
 * @param channel the channel
 * @param seq the window's sequence number on this channel, from 0, without holes while data is contiguous
 * @param startEpochNanos timestamp of the first sample
 * @param sampleRateHz sample rate of the window's samples
 * @param samples the samples, at least one; owned by the window, not to be modified
 */
public record Window(String assetId, String channel, long seq, long startEpochNanos, double sampleRateHz,
        double[] samples) {

    public Window {
        Objects.requireNonNull(assetId, "assetId");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(samples, "samples");
        if (samples.length == 0) {
            throw new IllegalArgumentException("window " + seq + " of " + assetId + "/" + channel + " is empty");
        }
        if (!(sampleRateHz > 0) || Double.isInfinite(sampleRateHz)) {
            throw new IllegalArgumentException("window " + seq + " of " + assetId + "/" + channel
                    + ": sampleRateHz must be a positive finite rate, was " + sampleRateHz);
        }
    }

    /** @return timestamp just after the last sample */
    public long endEpochNanos() {
        return startEpochNanos + Math.round(samples.length * 1e9 / sampleRateHz);
    }
}
