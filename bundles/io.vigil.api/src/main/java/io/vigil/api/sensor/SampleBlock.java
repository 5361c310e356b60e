package io.vigil.api.sensor;

import java.util.Objects;

/**
 * A block of evenly spaced samples from one channel of one asset.
 *
 * <p>Sample {@code i} was taken at {@code startEpochNanos + i * 1e9 / sampleRateHz}. Drivers of irregular
 * series emit one sample per block. The array is owned by the block once it is handed to a listener: a driver
 * must not reuse it, and a listener must not modify it.
 *
 * @param assetId the asset the samples belong to
 * @param channel the channel name within the asset, as declared by {@link ChannelSpec#name()}
 * @param startEpochNanos timestamp of the first sample, nanoseconds since the epoch
 * @param sampleRateHz nominal sample rate of the block, samples per second, &gt; 0
 * @param values the samples
 */
public record SampleBlock(String assetId, String channel, long startEpochNanos, double sampleRateHz, double[] values) {

    public SampleBlock {
        Objects.requireNonNull(assetId, "assetId");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(values, "values");
        if (!(sampleRateHz > 0) || Double.isInfinite(sampleRateHz)) {
            throw new IllegalArgumentException("sampleRateHz must be a positive finite rate, was " + sampleRateHz
                    + " for " + assetId + "/" + channel);
        }
    }

    /** @return the number of samples in the block */
    public int size() {
        return values.length;
    }

    /** @return the timestamp of sample {@code index}, nanoseconds since the epoch */
    public long timestampNanos(int index) {
        return startEpochNanos + Math.round(index * 1e9 / sampleRateHz);
    }

    /** @return the timestamp the sample after this block is expected at */
    public long nextStartNanos() {
        return timestampNanos(values.length);
    }
}
