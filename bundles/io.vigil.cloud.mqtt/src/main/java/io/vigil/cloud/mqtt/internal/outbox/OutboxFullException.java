package io.vigil.cloud.mqtt.internal.outbox;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The outbox refused a message: either its capacity is used up by messages it may not drop for this one, or the
 * file system under it is (nearly) full. Nothing already in the outbox was lost.
 */
public final class OutboxFullException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Why the message was refused. */
    public enum Reason {
        /** {@code capacity.messages} or {@code capacity.bytes} reached, and nothing of lower priority to drop. */
        CAPACITY,
        /** Less than {@code min.free.disk.bytes} left on the file system, or the write failed for want of space. */
        DISK
    }

    private final Reason reason;
    private final transient Path directory;

    OutboxFullException(Reason reason, Path directory, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.directory = directory;
    }

    public Reason reason() {
        return reason;
    }

    /** The outbox directory that is full. */
    public Path directory() {
        return directory;
    }
}
