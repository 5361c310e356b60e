package io.vigil.api.sensor;

import java.util.Objects;

/**
 * A channel a driver delivers.
 *
 * @param name channel name, unique within the asset
 * @param kind what the channel measures
 * @param unit engineering unit, e.g. {@code g} or {@code degC}
 * @param sampleRateHz nominal sample rate in Hz, &gt; 0
 * @param blockSize nominal number of samples per block, &gt; 0
 * @param minValid smallest physically plausible value; smaller samples are counted as out of range
 * @param maxValid largest physically plausible value; larger samples are counted as out of range
 */
public record ChannelSpec(String name, ChannelKind kind, String unit, double sampleRateHz, int blockSize,
        double minValid, double maxValid) {

    public ChannelSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(unit, "unit");
        if (!(sampleRateHz > 0)) {
            throw new IllegalArgumentException("channel " + name + ": sampleRateHz must be > 0, was " + sampleRateHz);
        }
        if (blockSize <= 0) {
            throw new IllegalArgumentException("channel " + name + ": blockSize must be > 0, was " + blockSize);
        }
        if (!(minValid < maxValid)) {
            throw new IllegalArgumentException("channel " + name + ": valid range [" + minValid + ", " + maxValid
                    + "] is empty; minValid must be below maxValid");
        }
    }
}
