package io.vigil.cloud.mqtt.internal.outbox;

/** When {@link Outbox#enqueue} returns, relative to the message reaching the disk. */
public enum Durability {
    /**
     * Returns once the record is written to the file (the OS page cache): it survives a kill of the process at
     * any moment after that. A background thread forces the files to the disk every {@code sync.interval.ms}, and
     * {@link Outbox#flush()} and {@link Outbox#close()} do so at once; a power loss can lose what was enqueued
     * since the last sync.
     */
    WRITE,
    /**
     * Returns once the record has been forced to the disk (group commit: one fsync covers every thread waiting at
     * the time): it survives a power loss too, but each enqueue waits for an fsync.
     */
    FSYNC
}
