package io.vigil.cloud.mqtt.internal.outbox;

/**
 * Settings of an {@link Outbox}. The cloud connection's Metatype configuration is the place for their defaults
 * on a gateway; {@link #defaults()} serves tests and benchmarks and documents sensible values.
 *
 * @param capacityMessages messages (not yet acknowledged) the outbox holds before the overflow policy applies
 * @param capacityBytes bytes of such messages, as framed on disk, before the overflow policy applies
 * @param segmentBytes size at which a priority's log file is closed and the next one started; disk is reclaimed a
 *        whole segment at a time, so keep it small against {@code capacityBytes}
 * @param maxMessageBytes largest topic + payload accepted, in bytes
 * @param durability when {@link Outbox#enqueue} returns
 * @param syncIntervalMillis how often the background thread forces written records and acknowledgements to disk
 * @param minFreeDiskBytes enqueue refuses (with {@link OutboxFullException}) when the file system would have
 *        less than this left, so that the outbox never fills the gateway's disk
 * @param checkpointEveryAcks acknowledgements between two checkpoints of the acknowledgement log
 */
public record OutboxConfig(long capacityMessages, long capacityBytes, int segmentBytes, int maxMessageBytes,
        Durability durability, long syncIntervalMillis, long minFreeDiskBytes, int checkpointEveryAcks) {

    public static final long DEFAULT_CAPACITY_MESSAGES = 1_000_000;
    public static final long DEFAULT_CAPACITY_BYTES = 512L * 1024 * 1024;
    public static final int DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
    public static final long DEFAULT_SYNC_INTERVAL_MILLIS = 1000;
    public static final long DEFAULT_MIN_FREE_DISK_BYTES = 64L * 1024 * 1024;
    public static final int DEFAULT_CHECKPOINT_EVERY_ACKS = 65_536;

    public OutboxConfig {
        if (capacityMessages < 1) {
            throw new IllegalArgumentException("capacity.messages must be at least 1, got " + capacityMessages);
        }
        if (maxMessageBytes < 1 || maxMessageBytes > 64 * 1024 * 1024) {
            throw new IllegalArgumentException("max.message.bytes must be 1..64 MiB, got " + maxMessageBytes);
        }
        long largestFrame = (long) Segment.HEADER + RecordFormat.FRAME_OVERHEAD + maxMessageBytes;
        if (segmentBytes < largestFrame) {
            throw new IllegalArgumentException("segment.bytes must hold the largest message (" + largestFrame
                    + " bytes with max.message.bytes=" + maxMessageBytes + "), got " + segmentBytes);
        }
        if (capacityBytes < segmentBytes) {
            throw new IllegalArgumentException("capacity.bytes must be at least segment.bytes (" + segmentBytes
                    + "), got " + capacityBytes);
        }
        if (durability == null) {
            throw new IllegalArgumentException("durability must be set (WRITE or FSYNC)");
        }
        if (syncIntervalMillis < 1) {
            throw new IllegalArgumentException("sync.interval.ms must be at least 1, got " + syncIntervalMillis);
        }
        if (minFreeDiskBytes < 0) {
            throw new IllegalArgumentException("min.free.disk.bytes must not be negative, got " + minFreeDiskBytes);
        }
        if (checkpointEveryAcks < 1) {
            throw new IllegalArgumentException("checkpoint.every.acks must be at least 1, got " + checkpointEveryAcks);
        }
    }

    public static OutboxConfig defaults() {
        return new OutboxConfig(DEFAULT_CAPACITY_MESSAGES, DEFAULT_CAPACITY_BYTES, DEFAULT_SEGMENT_BYTES,
                DEFAULT_MAX_MESSAGE_BYTES, Durability.WRITE, DEFAULT_SYNC_INTERVAL_MILLIS,
                DEFAULT_MIN_FREE_DISK_BYTES, DEFAULT_CHECKPOINT_EVERY_ACKS);
    }

    public OutboxConfig withCapacity(long messages, long bytes) {
        return new OutboxConfig(messages, bytes, segmentBytes, maxMessageBytes, durability, syncIntervalMillis,
                minFreeDiskBytes, checkpointEveryAcks);
    }

    public OutboxConfig withSegmentBytes(int bytes) {
        return new OutboxConfig(capacityMessages, capacityBytes, bytes, maxMessageBytes, durability,
                syncIntervalMillis, minFreeDiskBytes, checkpointEveryAcks);
    }

    public OutboxConfig withMaxMessageBytes(int bytes) {
        return new OutboxConfig(capacityMessages, capacityBytes, segmentBytes, bytes, durability,
                syncIntervalMillis, minFreeDiskBytes, checkpointEveryAcks);
    }

    public OutboxConfig withDurability(Durability value) {
        return new OutboxConfig(capacityMessages, capacityBytes, segmentBytes, maxMessageBytes, value,
                syncIntervalMillis, minFreeDiskBytes, checkpointEveryAcks);
    }

    public OutboxConfig withSyncIntervalMillis(long millis) {
        return new OutboxConfig(capacityMessages, capacityBytes, segmentBytes, maxMessageBytes, durability, millis,
                minFreeDiskBytes, checkpointEveryAcks);
    }

    public OutboxConfig withMinFreeDiskBytes(long bytes) {
        return new OutboxConfig(capacityMessages, capacityBytes, segmentBytes, maxMessageBytes, durability,
                syncIntervalMillis, bytes, checkpointEveryAcks);
    }

    public OutboxConfig withCheckpointEveryAcks(int acks) {
        return new OutboxConfig(capacityMessages, capacityBytes, segmentBytes, maxMessageBytes, durability,
                syncIntervalMillis, minFreeDiskBytes, acks);
    }
}
