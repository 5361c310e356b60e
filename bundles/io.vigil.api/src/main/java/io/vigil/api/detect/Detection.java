package io.vigil.api.detect;

import java.util.Objects;

/**
 * The verdict on one window.
 *
 * @param assetId the asset
 * @param channel the channel the window came from
 * @param windowSeq the window's sequence number on the channel
 * @param windowEndEpochNanos timestamp just after the window's last sample
 * @param source what scored the window
 * @param state the detector's state when it scored
 * @param score the anomaly score, higher is more anomalous; 0 while commissioning
 * @param threshold the score above which the window is anomalous; {@code NaN} while commissioning
 * @param anomalous whether the window is anomalous
 * @param ingestNanoTime {@link System#nanoTime()} when the block completing the window entered the pipeline
 * @param decisionNanoTime {@link System#nanoTime()} when the verdict was reached
 */
public record Detection(String assetId, String channel, long windowSeq, long windowEndEpochNanos, ModelRef source,
        DetectorState state, double score, double threshold, boolean anomalous, long ingestNanoTime,
        long decisionNanoTime) {

    public Detection {
        Objects.requireNonNull(assetId, "assetId");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(state, "state");
    }
}
