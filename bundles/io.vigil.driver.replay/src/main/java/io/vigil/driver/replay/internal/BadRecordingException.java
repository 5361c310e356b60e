package io.vigil.driver.replay.internal;

import java.io.IOException;

/**
 * A recording file exists but its content cannot be replayed as it is. Separate from other I/O errors so the
 * message can be shown as-is: it always names the file and the offending value.
 */
public final class BadRecordingException extends IOException {

    private static final long serialVersionUID = 1L;

    public BadRecordingException(String source, String problem) {
        super(source + ": " + problem);
    }

    public BadRecordingException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
    }
}
