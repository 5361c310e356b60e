package io.vigil.api.detect;

import java.util.Objects;

import io.vigil.api.feature.FeatureVector;

/**
 * One window as the live pipeline decided it: the tier-0 verdict, the verdict that drove the alert state machine
 * and the features both were computed from. What a shadow comparison or a post-deployment monitor needs to
 * replay the decision with another model.
 *
 * @param tier0 the tier-0 detector's verdict
 * @param verdict the verdict the alert state machine received: the tier-1 model's when one scored the window,
 *        otherwise {@code tier0}
 * @param features the window's features; read only, never modified
 * @param escalated whether the window was handed to tier-1 (tier-0 found it anomalous, or the asset's model mode
 *        is every window), whether or not a model was serving
 * @param modelNanos how long the live tier-1 model took on the window, -1 when no model scored it
 */
public record ScoredWindow(Detection tier0, Detection verdict, FeatureVector features, boolean escalated,
        long modelNanos) {

    public ScoredWindow {
        Objects.requireNonNull(tier0, "tier0");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(features, "features");
    }

    /** @return the asset */
    public String assetId() {
        return verdict.assetId();
    }
}
