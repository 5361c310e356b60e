package io.vigil.api.deploy;

import java.util.Objects;

/**
 * A package could not be fetched, or what was fetched is not the package that was meant. Nothing was installed and
 * nothing of the download is left on disk. The message names the URL or value and what to do.
 */
public class DownloadFailedException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why, for callers that map it to a reply code or show it to an operator. */
    public enum Reason {
        /**
         * The request cannot be carried out as made: not an http, https or file URL, a file URL outside the
         * directories allowed, a malformed SHA-256, or a URL that points at nothing (404, 410, no such file).
         */
        BAD_REQUEST,
        /** The SHA-256 of the bytes received is not the one expected: the package was not installed. */
        HASH_MISMATCH,
        /** The package is larger than the configured limit. */
        TOO_LARGE,
        /** The source answered with an error or the transfer broke off beyond resuming. */
        SOURCE_FAILED,
        /** The source did not connect or went silent for longer than the configured timeout. */
        TIMEOUT,
        /** The local copy could not be written or read back: the disk is full or the download directory unusable. */
        NO_SPACE
    }

    private final Reason reason;

    public DownloadFailedException(Reason reason, String message) {
        this(reason, message, null);
    }

    public DownloadFailedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
