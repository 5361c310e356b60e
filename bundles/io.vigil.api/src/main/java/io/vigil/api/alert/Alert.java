package io.vigil.api.alert;

import java.util.Objects;

import io.vigil.api.detect.ModelRef;

/**
 * An alert raised or cleared for an asset's channel. A raise and its clear share the same {@link #id()}.
 *
 * @param id identifier of the alert episode (raise and clear), unique per gateway
 * @param assetId the asset
 * @param channel the channel whose windows caused it
 * @param source the detector or model that scored the windows
 * @param severity severity at raise time (repeated on the clear)
 * @param state raised or cleared
 * @param score the score of the window that changed the state
 * @param threshold the threshold in force
 * @param raisedAtEpochMillis when the episode was raised
 * @param timestampEpochMillis when this state change happened (equals raisedAt for a raise)
 * @param windowSeq the window that changed the state
 * @param message human-readable summary
 */
public record Alert(String id, String assetId, String channel, ModelRef source, Severity severity,
        AlertState state, double score, double threshold, long raisedAtEpochMillis, long timestampEpochMillis,
        long windowSeq, String message) {

    public Alert {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(assetId, "assetId");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(message, "message");
    }
}
