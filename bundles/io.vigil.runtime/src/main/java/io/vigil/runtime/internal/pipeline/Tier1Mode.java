package io.vigil.runtime.internal.pipeline;

/** Which windows the tier-1 model scores. */
public enum Tier1Mode {
    /** Only those tier-0 finds anomalous; the model confirms or dismisses them. Cheapest. */
    ESCALATED,
    /** Every window; the model's verdict decides. */
    EVERY_WINDOW
}
