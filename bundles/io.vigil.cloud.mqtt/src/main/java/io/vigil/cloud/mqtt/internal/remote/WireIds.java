package io.vigil.cloud.mqtt.internal.remote;

import java.nio.charset.StandardCharsets;

import io.vigil.cloud.mqtt.internal.kura.KuraMetrics;

/**
 * Finds {@code request.id} and {@code requester.client.id} in kurapayload bytes that are not decoded as a whole:
 * too large, or malformed further on. It walks the top-level fields by their lengths, looks into metrics only for
 * their name and string value and skips everything else (the body above all) without reading it, so the cost is a
 * few varints per field whatever the size. It stops at the first thing it cannot read and reports what it found by
 * then; gzip-compressed bytes cannot be walked, and yield nothing.
 */
final class WireIds {

    private static final int METRIC_FIELD = 5000;
    private static final int NAME_FIELD = 1;
    private static final int STRING_VALUE_FIELD = 8;
    /** Ids longer than this are not ids a reply topic could carry anyway. */
    private static final int MAX_ID_BYTES = 1024;

    String requestId;
    String requester;

    private final byte[] b;
    private int pos;

    private WireIds(byte[] bytes) {
        this.b = bytes;
    }

    /** @return the ids found; either may be null */
    static WireIds scan(byte[] bytes) {
        WireIds ids = new WireIds(bytes);
        if (bytes.length >= 2 && bytes[0] == (byte) 0x1f && bytes[1] == (byte) 0x8b) {
            return ids;
        }
        try {
            ids.walk();
        } catch (IndexOutOfBoundsException | IllegalStateException e) {
            // malformed from here on: keep what was found before
        }
        return ids;
    }

    private void walk() {
        while (pos < b.length && (requestId == null || requester == null)) {
            long tag = varint();
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == METRIC_FIELD && wire == 2) {
                int len = length();
                int end = pos + len;
                metric(end);
                pos = end;
            } else {
                skip(wire);
            }
        }
    }

    private void metric(int end) {
        String name = null;
        String value = null;
        while (pos < end) {
            long tag = varint();
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if ((field == NAME_FIELD || field == STRING_VALUE_FIELD) && wire == 2) {
                int len = length();
                if (pos + len > end) {
                    throw new IllegalStateException("field beyond its metric");
                }
                String s = len <= MAX_ID_BYTES ? new String(b, pos, len, StandardCharsets.UTF_8) : null;
                pos += len;
                if (field == NAME_FIELD) {
                    name = s;
                } else {
                    value = s;
                }
            } else {
                skip(wire);
            }
        }
        if (value != null && KuraMetrics.REQUEST_ID.equals(name)) {
            requestId = value;
        } else if (value != null && KuraMetrics.REQUESTER_CLIENT_ID.equals(name)) {
            requester = value;
        }
    }

    private void skip(int wire) {
        switch (wire) {
            case 0 -> varint();
            case 1 -> advance(8);
            case 2 -> advance(length());
            case 5 -> advance(4);
            default -> throw new IllegalStateException("wire type " + wire);
        }
    }

    private void advance(int n) {
        if (n < 0 || n > b.length - pos) {
            throw new IllegalStateException("field beyond the end");
        }
        pos += n;
    }

    private int length() {
        long len = varint();
        if (len < 0 || len > b.length - pos) {
            throw new IllegalStateException("length beyond the end");
        }
        return (int) len;
    }

    private long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte x = b[pos++];
            value |= (long) (x & 0x7f) << shift;
            if (x >= 0) {
                return value;
            }
        }
        throw new IllegalStateException("varint longer than 10 bytes");
    }
}
