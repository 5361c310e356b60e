package io.vigil.api.detect;

/** Lifecycle of a per-asset, per-channel tier-0 detector. */
public enum DetectorState {
    /** Learning the machine's own baseline; no window is judged anomalous yet. */
    COMMISSIONING,
    /** Calibrated: every window is scored against the learned baseline and threshold. */
    ARMED
}
