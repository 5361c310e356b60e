package io.vigil.api.deploy;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told how far a package download has got. Called on the downloading thread after every chunk, so it must return
 * quickly; throttle what it publishes or logs itself.
 */
@ConsumerType
@FunctionalInterface
public interface DownloadProgress {

    /** Reports nothing. */
    DownloadProgress NONE = (received, total) -> {
    };

    /**
     * @param received bytes of the package received so far (after a restarted transfer it may go down again)
     * @param total the package's size as the source announced it, -1 when it announced none
     */
    void bytes(long received, long total);
}
