package io.vigil.deploy.internal.rest;

/** Why a package could not be fetched or received; nothing is left on disk when this is thrown. */
public final class DownloadException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, in terms a caller can map to a reply. */
    public enum Reason {
        /** Not http, https or file. */
        UNSUPPORTED_SCHEME,
        /** A URL that cannot be used (no host, a file URL with an authority...). */
        BAD_URL,
        /** The server answered 404 or 410, or the file does not exist. */
        NOT_FOUND,
        /** The server answered another error status, or the connection failed. */
        SOURCE_FAILED,
        /** The server did not connect or send within the timeout. */
        TIMEOUT,
        /** The package is larger than the limit. */
        TOO_LARGE,
        /** The SHA-256 of what was received is not the one expected. */
        HASH_MISMATCH,
        /** The local copy could not be written (disk full, permissions). */
        STORAGE
    }

    private final Reason reason;

    public DownloadException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public DownloadException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
