package io.vigil.inference.onnx.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.vigil.inference.onnx.internal.TensorProtoReader.Proto;

/** The test-data decoder is strict: whatever it returns is what the file says, or it refuses. */
class TensorProtoReaderTest {

    @Test
    void readsPackedAndUnpackedFieldsAndRawData() throws IOException {
        // dims 2 (unpacked) and 3 (packed), FLOAT, packed float_data, name "x"
        byte[] floats = new byte[24];
        for (int i = 0; i < 6; i++) {
            int bits = Float.floatToIntBits(i * 1.5f);
            for (int b = 0; b < 4; b++) {
                floats[i * 4 + b] = (byte) (bits >>> (8 * b));
            }
        }
        Proto p = TensorProtoReader.read(concat(varint(1, 2), lengthDelimited(1, new byte[] { 3 }), varint(2, 1),
                lengthDelimited(4, floats), lengthDelimited(8, "x".getBytes(StandardCharsets.UTF_8))), "t");
        assertEquals("x", p.name());
        assertArrayEquals(new long[] { 2, 3 }, p.dims());
        assertArrayEquals(new float[] { 0, 1.5f, 3, 4.5f, 6, 7.5f }, (float[]) p.data());

        // INT32 as raw_data, negative values included
        Proto raw = TensorProtoReader.read(concat(varint(1, 2), varint(2, TensorProtoReader.INT32),
                lengthDelimited(9, new byte[] { -1, -1, -1, -1, 7, 0, 0, 0 })), "r");
        assertArrayEquals(new int[] { -1, 7 }, (int[]) raw.data());

        // negative int32_data values are ten-byte varints
        Proto negative = TensorProtoReader.read(concat(varint(1, 1), varint(2, TensorProtoReader.INT8),
                varint(5, -3)), "n");
        assertArrayEquals(new byte[] { -3 }, (byte[]) negative.data());
    }

    @Test
    void refusesTruncatedOrInconsistentTensors() {
        byte[] good = concat(varint(1, 2), varint(2, TensorProtoReader.INT64), varint(7, 5), varint(7, 6));
        byte[] truncated = Arrays.copyOf(good, good.length - 1);
        IOException cut = assertThrows(IOException.class, () -> TensorProtoReader.read(truncated, "cut.pb"));
        assertTrue(cut.getMessage().startsWith("cut.pb: not a TensorProto this reader accepts: "), cut.getMessage());

        byte[] tooFew = concat(varint(1, 3), varint(2, TensorProtoReader.INT64), varint(7, 5));
        IOException count = assertThrows(IOException.class, () -> TensorProtoReader.read(tooFew, "few.pb"));
        assertTrue(count.getMessage().endsWith("int64_data holds 1 values, the dimensions need 3"), count.getMessage());

        byte[] rawShort = concat(varint(1, 2), varint(2, TensorProtoReader.FLOAT), lengthDelimited(9, new byte[4]));
        assertThrows(IOException.class, () -> TensorProtoReader.read(rawShort, "raw.pb"));

        byte[] external = concat(varint(2, TensorProtoReader.FLOAT), varint(14, 1));
        assertThrows(IOException.class, () -> TensorProtoReader.read(external, "external.pb"));
    }

    private static byte[] varint(int field, long value) {
        return concat(raw((long) field << 3), raw(value));
    }

    private static byte[] lengthDelimited(int field, byte[] content) {
        return concat(raw((long) field << 3 | 2), raw(content.length), content);
    }

    private static byte[] raw(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((value & ~0x7fL) != 0) {
            out.write((int) (value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
