package io.vigil.cloud.mqtt.internal.outbox;

/**
 * A snapshot of an outbox's state and counters. Counters start at zero when the outbox is opened, except
 * that those of the repair ({@code tornRecordsRepaired}, {@code damagedRecordsSkipped} and their bytes) include
 * what opening it found.
 *
 * @param messages messages held (not yet acknowledged), in flight included
 * @param bytes bytes of those messages as framed on disk
 * @param inFlight messages handed to the sender and not yet acknowledged
 * @param diskBytes bytes of the outbox's files: segments (acknowledged records included until their segment is
 *        deleted) and acknowledgement log
 * @param droppedByPriority messages dropped by the overflow policy, by priority (index = priority)
 * @param refused enqueues refused for want of capacity ({@link OutboxFullException.Reason#CAPACITY})
 * @param acceptedOverCapacity alerts and lifecycle messages stored although the outbox was full, because nothing
 *        droppable was left
 * @param redelivered messages handed out again after {@link Outbox#requeueInFlight()}
 * @param tornRecordsRepaired incomplete last records cut off when the outbox was opened
 * @param damagedRecordsSkipped records whose check failed (bit rot, a damaged disk) and which were skipped
 * @param ackWriteErrors acknowledgements that could not be written: those messages are sent again after a
 *        restart (the consumer drops them by id)
 */
public record OutboxStats(long messages, long bytes, long inFlight, long diskBytes, long enqueued, long acked,
        long dropped, long[] droppedByPriority, long refused, long acceptedOverCapacity, long redelivered,
        long tornRecordsRepaired, long tornBytesRepaired, long damagedRecordsSkipped, long damagedBytesSkipped,
        long syncs, long ackWriteErrors) {
}
