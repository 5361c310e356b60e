package io.vigil.deploy.internal.rest;

import java.util.function.Consumer;

/**
 * Turns a download's byte counts into a line per tenth of the package (or per 16 MiB when the size is not known):
 * enough to follow a slow transfer over a weak uplink in the log without a line per chunk.
 */
final class ProgressLog implements Downloader.Progress {

    static final long STEP_WITHOUT_TOTAL = 16L * 1024 * 1024;

    private final String what;
    private final Consumer<String> log;
    private long lastStep;

    /** @param what the transfer, e.g. "download of https://..." */
    ProgressLog(String what, Consumer<String> log) {
        this.what = what;
        this.log = log;
    }

    @Override
    public void bytes(long received, long total) {
        if (total > 0) {
            long tenth = Math.min(10, received * 10 / total);
            if (tenth > lastStep) {
                lastStep = tenth;
                log.accept(what + ": " + tenth * 10 + "% (" + received + " of " + total + " bytes)");
            }
        } else {
            long step = received / STEP_WITHOUT_TOTAL;
            if (step > lastStep) {
                lastStep = step;
                log.accept(what + ": " + received + " bytes so far");
            }
        }
    }
}
