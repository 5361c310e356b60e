package io.vigil.api.shadow;

/** A shadow operation was refused; the message names the asset or model and what to do. Nothing was changed. */
public class ShadowException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why, for callers that map it to a reply code (REST, cloud commands). */
    public enum Reason {
        /** No asset pipeline with that id is configured; for a rollback, no comparison ever ran on the asset. */
        UNKNOWN_ASSET,
        /** No model with that name and version is installed and validated. */
        UNKNOWN_MODEL,
        /** The candidate expects features the asset's channels do not produce. */
        INPUT_MISMATCH,
        /**
         * The request contradicts the comparison's state: one already runs, none runs, it is not READY, the last one
         * is not PROMOTED (nothing to roll back).
         */
        WRONG_STATE,
        /** Switching the live model (promotion or rollback) failed: the configuration could not be written. */
        PROMOTION_FAILED,
        /** A parameter is missing or malformed. */
        BAD_REQUEST
    }

    private final Reason reason;

    public ShadowException(Reason reason, String message) {
        this(reason, message, null);
    }

    public ShadowException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
