package io.vigil.deploy.internal.monitor;

/** A review the monitor cannot carry out; nothing was changed. The message names the value and what to do. */
final class ReviewException extends Exception {

    private static final long serialVersionUID = 1L;

    enum Reason {
        /** No deployment of the package was ever watched. */
        UNKNOWN_PACKAGE,
        /** The package has watches, but none is waiting for a review. */
        NOT_PENDING,
        /** Rolling back is not possible: an install replaced nothing, or the package moved on meanwhile. */
        CONFLICT,
        /** The request itself is malformed. */
        BAD_REQUEST,
        /** The deployment manager refused or failed the rollback. */
        ROLLBACK_FAILED
    }

    private final Reason reason;

    ReviewException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    Reason reason() {
        return reason;
    }
}
