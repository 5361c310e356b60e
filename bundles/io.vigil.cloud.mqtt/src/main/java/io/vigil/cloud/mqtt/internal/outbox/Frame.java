package io.vigil.cloud.mqtt.internal.outbox;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The last record a {@link FrameReader} read: a view into its buffer, valid until the reader's next read. */
final class Frame {

    Segment segment;
    long start;
    long end;
    long id;
    long enqueuedAtMillis;
    int priority;
    Kind kind;
    int qos;
    boolean retain;
    byte[] buffer;
    int topicOffset;
    int topicLength;
    int payloadOffset;
    int payloadLength;

    int frameBytes() {
        return (int) (end - start);
    }

    OutboxMessage toMessage() {
        return new OutboxMessage(id, priority, kind,
                new String(buffer, topicOffset, topicLength, StandardCharsets.UTF_8),
                Arrays.copyOfRange(buffer, payloadOffset, payloadOffset + payloadLength), qos, retain,
                enqueuedAtMillis);
    }
}
