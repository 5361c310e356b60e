package io.vigil.cloud.mqtt.internal.outbox;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Reads and checks frames of a segment through a buffer of its own, so that a sequential walk costs one read
 * call per buffer rather than per record. Only the committed part of a segment (below its size) is ever
 * buffered, and committed bytes never change, so the buffer cannot go stale. Not thread-safe: the outbox calls
 * it under its lock.
 */
final class FrameReader {

    private byte[] buffer;
    private ByteBuffer view;
    private Segment bufferSegment;
    private long bufferStart;
    private int bufferLength;
    private final CRC32C crc = new CRC32C();
    final Frame frame = new Frame();

    FrameReader(int bufferBytes) {
        buffer = new byte[bufferBytes];
        view = ByteBuffer.wrap(buffer);
    }

    /** Forget the buffered bytes (the segment they came from was deleted or truncated). */
    void invalidate() {
        bufferSegment = null;
    }

    /**
     * Reads the frame that starts exactly at {@code position}; returns false when there is none there (a torn or
     * damaged record, or no record at all), leaving {@link #frame} undefined.
     */
    boolean readAt(Segment segment, long position, long limit) throws IOException {
        int i = window(segment, position, RecordFormat.HEAD, limit);
        if (i < 0) {
            return false;
        }
        int length = view.getInt(i);
        int stored = view.getInt(i + 4);
        if (length < RecordFormat.MIN_BODY || length > RecordFormat.MAX_BODY
                || position + RecordFormat.HEAD + length > limit) {
            return false;
        }
        i = window(segment, position, RecordFormat.HEAD + length, limit);
        if (i < 0) {
            return false;
        }
        crc.reset();
        crc.update(buffer, i, 4);
        crc.update(buffer, i + RecordFormat.HEAD, length);
        if ((int) crc.getValue() != stored) {
            return false;
        }
        int b = i + RecordFormat.HEAD;
        int priority = buffer[b + 16] & 0xff;
        Kind kind = Kind.ofCode(buffer[b + 17] & 0xff);
        int qos = buffer[b + 18] & 0xff;
        int topicLength = view.getShort(b + 20) & 0xffff;
        if (priority > Outbox.MAX_PRIORITY || kind == null || qos > 2 || topicLength < 1
                || topicLength > length - RecordFormat.FIXED_BODY) {
            return false; // a CRC-valid record no writer of this format produces: treat it as damage
        }
        Frame f = frame;
        f.segment = segment;
        f.start = position;
        f.end = position + RecordFormat.HEAD + length;
        f.id = view.getLong(b);
        f.enqueuedAtMillis = view.getLong(b + 8);
        f.priority = priority;
        f.kind = kind;
        f.qos = qos;
        f.retain = (buffer[b + 19] & 1) != 0;
        f.buffer = buffer;
        f.topicOffset = b + RecordFormat.FIXED_BODY;
        f.topicLength = topicLength;
        f.payloadOffset = f.topicOffset + topicLength;
        f.payloadLength = length - RecordFormat.FIXED_BODY - topicLength;
        return true;
    }

    /**
     * The start of the first valid frame after {@code from} (inclusive) and below {@code limit}, or -1: how the
     * reader gets past a damaged record whose length field can no longer be trusted. Leaves that frame in
     * {@link #frame}.
     */
    long resync(Segment segment, long from, long limit) throws IOException {
        for (long p = from; p + RecordFormat.HEAD + RecordFormat.MIN_BODY <= limit; p++) {
            if (readAt(segment, p, limit)) {
                return p;
            }
        }
        return -1;
    }

    /** Index in the buffer of {@code position}, with {@code n} bytes buffered from there; -1 past the limit. */
    private int window(Segment segment, long position, int n, long limit) throws IOException {
        if (position + n > limit) {
            return -1;
        }
        if (segment == bufferSegment && position >= bufferStart && position + n <= bufferStart + bufferLength) {
            return (int) (position - bufferStart);
        }
        int want = (int) Math.min(Math.max(buffer.length, n), limit - position);
        if (want > buffer.length) {
            buffer = new byte[want];
            view = ByteBuffer.wrap(buffer);
        }
        RandomAccessFile file = segment.file();
        file.seek(position);
        int got = 0;
        while (got < want) {
            int r = file.read(buffer, got, want - got);
            if (r < 0) {
                break;
            }
            got += r;
        }
        bufferSegment = segment;
        bufferStart = position;
        bufferLength = got;
        return got >= n ? 0 : -1;
    }
}
