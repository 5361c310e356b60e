package io.vigil.api.shadow;

/** Where a shadow comparison stands. */
public enum ShadowState {
    /** The candidate scores live windows; the gate has not decided yet. */
    SHADOWING,
    /** Every gate criterion passes; the candidate may be promoted (and still shadows until it is). */
    READY,
    /** A gate criterion failed, or an operator rejected the candidate; the comparison has ended. */
    REJECTED,
    /** The candidate became the asset's live model; the model it replaced is the rollback target. */
    PROMOTED,
    /** Ended without a decision: stopped by an operator, or the candidate or the asset went away. */
    STOPPED,
    /**
     * The candidate was promoted, then an operator switched the asset back to the rollback target; ended, and not
     * rolled back again.
     */
    ROLLED_BACK;

    /** @return whether the comparison still runs */
    public boolean running() {
        return this == SHADOWING || this == READY;
    }
}
