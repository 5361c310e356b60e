package io.vigil.cloud.mqtt.internal.outbox;

/**
 * A message read back from the outbox.
 *
 * @param id unique across the life of the outbox directory, increasing in enqueue order, never reused after a
 *        restart or a power loss; a consumer drops a message whose id it has already seen (QoS 1 may deliver twice)
 * @param priority 0 (highest) to {@link Outbox#MAX_PRIORITY}
 * @param enqueuedAtMillis wall-clock time of the enqueue, epoch milliseconds
 */
public record OutboxMessage(long id, int priority, Kind kind, String topic, byte[] payload, int qos,
        boolean retain, long enqueuedAtMillis) {

    @Override
    public String toString() {
        return "OutboxMessage[id=" + id + ", priority=" + priority + ", kind=" + kind + ", topic=" + topic
                + ", payload=" + payload.length + " bytes, qos=" + qos + ", retain=" + retain + "]";
    }
}
