package io.vigil.api.model;

/** A model could not be loaded or run; the message names the model and what was wrong with it. */
public class ModelException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, for callers that react differently (reject a bundle, count a bad window). */
    public enum Reason {
        /** The model file is not a model this engine can load (corrupt, truncated, unsupported operator). */
        INVALID_MODEL,
        /** An input is missing, or has the wrong type or shape. */
        BAD_INPUT,
        /** The engine failed while running the model. */
        RUN_FAILED,
        /** The session was closed, or the engine stopped. */
        CLOSED
    }

    private final Reason reason;

    public ModelException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public ModelException(Reason reason, String message) {
        this(reason, message, null);
    }

    public Reason reason() {
        return reason;
    }
}
