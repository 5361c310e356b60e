package io.vigil.cloud.mqtt.internal.outbox;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The on-disk frame of one message, big-endian:
 *
 * <pre>
 *  0  u32  body length L (the bytes from offset 8 on)
 *  4  u32  CRC-32C of bytes 0..3 and 8..8+L (the length is covered, so a damaged length is caught too)
 *  8  u64  id
 * 16  u64  enqueue time, epoch ms
 * 24  u8   priority
 * 25  u8   kind code ({@link Kind})
 * 26  u8   qos
 * 27  u8   flags (bit 0: retain)
 * 28  u16  topic length T (UTF-8 bytes, at least 1)
 * 30  T    topic
 * 30+T     payload (L - 22 - T bytes)
 * </pre>
 */
final class RecordFormat {

    /** Length and CRC. */
    static final int HEAD = 8;
    /** Body bytes other than topic and payload. */
    static final int FIXED_BODY = 22;
    /** Frame bytes other than topic and payload. */
    static final int FRAME_OVERHEAD = HEAD + FIXED_BODY;
    static final int MIN_BODY = FIXED_BODY + 1;
    /**
     * Largest body a reader believes, whatever the configuration: records written under a larger
     * {@code max.message.bytes} stay readable after it is lowered.
     */
    static final int MAX_BODY = FIXED_BODY + 64 * 1024 * 1024;

    private RecordFormat() {
    }

    /** A frame with id 0 and no CRC yet: {@link #seal} completes it once the id is known. */
    static byte[] encode(int priority, Kind kind, int qos, boolean retain, byte[] topic, byte[] payload,
            long enqueuedAtMillis) {
        int body = FIXED_BODY + topic.length + payload.length;
        byte[] frame = new byte[HEAD + body];
        ByteBuffer b = ByteBuffer.wrap(frame);
        b.putInt(body).putInt(0).putLong(0).putLong(enqueuedAtMillis);
        b.put((byte) priority).put((byte) kind.code).put((byte) qos).put((byte) (retain ? 1 : 0));
        b.putShort((short) topic.length).put(topic).put(payload);
        return frame;
    }

    /** Writes the id and the CRC into a frame from {@link #encode}. */
    static void seal(byte[] frame, long id, CRC32C crc) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        b.putLong(HEAD, id);
        crc.reset();
        crc.update(frame, 0, 4);
        crc.update(frame, HEAD, frame.length - HEAD);
        b.putInt(4, (int) crc.getValue());
    }

    static byte[] topicBytes(String topic) {
        return topic.getBytes(StandardCharsets.UTF_8);
    }
}
