package io.vigil.driver.replay.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds .npy files byte by byte, as numpy lays them out, so the reader is checked against the format itself. */
final class NpyBytes {

    private NpyBytes() {
    }

    /** A .npy file with the usual header dict. */
    static byte[] npy(int major, String descr, boolean fortranOrder, String shape, byte[] data) {
        return npyWithHeader(major, "{'descr': '" + descr + "', 'fortran_order': " + (fortranOrder ? "True" : "False")
                + ", 'shape': " + shape + ", }", data);
    }

    /** A .npy file with {@code dict} as header, padded with spaces and ended with '\n' to 64-byte alignment. */
    static byte[] npyWithHeader(int major, String dict, byte[] data) {
        int lengthFieldSize = major == 1 ? 2 : 4;
        int prefix = 8 + lengthFieldSize;
        StringBuilder header = new StringBuilder(dict);
        while ((prefix + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        byte[] text = header.toString().getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(prefix + text.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) major).put((byte) 0);
        if (major == 1) {
            out.putShort((short) text.length);
        } else {
            out.putInt(text.length);
        }
        return out.put(text).put(data).array();
    }

    static byte[] doubles(ByteOrder order, double... values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 8).order(order);
        for (double value : values) {
            out.putDouble(value);
        }
        return out.array();
    }

    static byte[] floats(ByteOrder order, float... values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 4).order(order);
        for (float value : values) {
            out.putFloat(value);
        }
        return out.array();
    }

    static byte[] shorts(ByteOrder order, short... values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 2).order(order);
        for (short value : values) {
            out.putShort(value);
        }
        return out.array();
    }

    static byte[] ints(ByteOrder order, int... values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 4).order(order);
        for (int value : values) {
            out.putInt(value);
        }
        return out.array();
    }

    static byte[] longs(ByteOrder order, long... values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 8).order(order);
        for (long value : values) {
            out.putLong(value);
        }
        return out.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
