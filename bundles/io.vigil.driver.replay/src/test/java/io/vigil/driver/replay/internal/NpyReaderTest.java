package io.vigil.driver.replay.internal;

import static io.vigil.driver.replay.internal.NpyBytes.concat;
import static io.vigil.driver.replay.internal.NpyBytes.doubles;
import static io.vigil.driver.replay.internal.NpyBytes.floats;
import static io.vigil.driver.replay.internal.NpyBytes.ints;
import static io.vigil.driver.replay.internal.NpyBytes.longs;
import static io.vigil.driver.replay.internal.NpyBytes.npy;
import static io.vigil.driver.replay.internal.NpyBytes.npyWithHeader;
import static io.vigil.driver.replay.internal.NpyBytes.shorts;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyReaderTest {

    @TempDir
    Path dir;

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private static void assertSameBits(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(actual[i]),
                    "sample " + i + ": expected " + expected[i] + ", got " + actual[i]);
        }
    }

    @Test
    void readsVersion1LittleEndianFloat64Vector() throws IOException {
        double[] values = { 0.0, -0.0, 1.5, -2.25e-7, Double.MAX_VALUE, Double.MIN_VALUE, Double.NaN,
                Double.NEGATIVE_INFINITY };
        Path file = write("v1.npy", npy(1, "<f8", false, "(8,)", doubles(LITTLE_ENDIAN, values)));
        assertSameBits(values, NpyReader.read(file, 0));
    }

    @Test
    void readsVersion2BigEndianFloat32SingleColumn() throws IOException {
        float[] values = { 1.25f, -3.5f, Float.MIN_NORMAL, 65504f };
        Path file = write("v2.npy", npy(2, ">f4", false, "(4, 1)", floats(BIG_ENDIAN, values)));
        assertArrayEquals(new double[] { 1.25, -3.5, Float.MIN_NORMAL, 65504 }, NpyReader.read(file, 0));
    }

    @Test
    void readsEitherColumnOfInt16Pairs() throws IOException {
        // C order: row by row, so the columns interleave.
        short[] rows = { 1, -1, 2, -2, Short.MAX_VALUE, Short.MIN_VALUE };
        Path file = write("pairs.npy", npy(1, "<i2", false, "(3, 2)", shorts(LITTLE_ENDIAN, rows)));
        assertArrayEquals(new double[] { 1, 2, Short.MAX_VALUE }, NpyReader.read(file, 0));
        assertArrayEquals(new double[] { -1, -2, Short.MIN_VALUE }, NpyReader.read(file, 1));
    }

    @Test
    void readsInt32AndInt64InBothByteOrders() throws IOException {
        Path i4 = write("i4.npy", npy(1, ">i4", false, "(3,)", ints(BIG_ENDIAN, 7, -8, Integer.MIN_VALUE)));
        assertArrayEquals(new double[] { 7, -8, Integer.MIN_VALUE }, NpyReader.read(i4, 0));
        Path i8 = write("i8.npy", npy(1, "<i8", false, "(2,)", longs(LITTLE_ENDIAN, 1L << 40, -5)));
        assertArrayEquals(new double[] { 1L << 40, -5 }, NpyReader.read(i8, 0));
    }

    @Test
    void readsVersion3WithAnyKeyOrderAndQuoting() throws IOException {
        byte[] data = doubles(LITTLE_ENDIAN, 4, 5);
        Path file = write("v3.npy", npyWithHeader(3, "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f8\"}",
                data));
        assertArrayEquals(new double[] { 4, 5 }, NpyReader.read(file, 0));
    }

    @Test
    void readsAnEmptyArray() throws IOException {
        Path file = write("empty.npy", npy(1, "<f8", false, "(0,)", new byte[0]));
        assertEquals(0, NpyReader.read(file, 0).length);
    }

    @Test
    void rejectsBadMagicNamingTheFile() throws IOException {
        Path file = write("text.npy", "timestamp,value\n".getBytes());
        String message = assertThrows(BadRecordingException.class, () -> NpyReader.read(file, 0)).getMessage();
        assertTrue(message.startsWith(file.toString()), message);
        assertTrue(message.contains("bad magic [74 69 6D 65 73 74]"), message);
    }

    @Test
    void rejectsTruncatedDataWithExpectedAndFoundBytes() throws IOException {
        byte[] whole = npy(1, "<f8", false, "(4,)", doubles(LITTLE_ENDIAN, 1, 2, 3, 4));
        Path file = write("cut.npy", Arrays.copyOf(whole, whole.length - 9));
        String message = assertThrows(BadRecordingException.class, () -> NpyReader.read(file, 0)).getMessage();
        assertTrue(message.contains("truncated data: expected 32 bytes"), message);
        assertTrue(message.contains("found 23"), message);
    }

    @Test
    void rejectsTruncatedHeader() throws IOException {
        byte[] whole = npy(2, "<f8", false, "(1,)", doubles(LITTLE_ENDIAN, 1));
        Path file = write("cuthead.npy", Arrays.copyOf(whole, 40));
        String message = assertThrows(BadRecordingException.class, () -> NpyReader.read(file, 0)).getMessage();
        assertTrue(message.contains("truncated header: expected 116 header bytes, found 28"), message);
    }

    @Test
    void rejectsBytesBeyondTheDeclaredShape() throws IOException {
        Path file = write("long.npy",
                concat(npy(1, "<f8", false, "(2,)", doubles(LITTLE_ENDIAN, 1, 2)), doubles(LITTLE_ENDIAN, 3)));
        String message = assertThrows(BadRecordingException.class, () -> NpyReader.read(file, 0)).getMessage();
        assertTrue(message.contains("8 unexpected bytes after the data"), message);
    }

    @Test
    void rejectsFortranOrder() throws IOException {
        Path file = write("f.npy", npy(1, "<f8", true, "(2, 2)", doubles(LITTLE_ENDIAN, 1, 2, 3, 4)));
        String message = assertThrows(BadRecordingException.class, () -> NpyReader.read(file, 0)).getMessage();
        assertTrue(message.contains("fortran_order True is not supported"), message);
    }

    @Test
    void rejectsUnsupportedDtypes() throws IOException {
        for (String descr : new String[] { "<c16", "|u1", "<U8", "<f2" }) {
            Path file = write("dtype.npy", npy(1, descr, false, "(0,)", new byte[0]));
            String message = assertThrows(BadRecordingException.class, () -> NpyReader.read(file, 0)).getMessage();
            assertTrue(message.contains("unsupported dtype '" + descr + "'"), message);
        }
        Path structured = write("rec.npy", npyWithHeader(1,
                "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (0,), }", new byte[0]));
        String message = assertThrows(BadRecordingException.class, () -> NpyReader.read(structured, 0)).getMessage();
        assertTrue(message.contains("structured dtype"), message);
    }

    @Test
    void rejectsNativeByteOrder() throws IOException {
        Path file = write("native.npy", npy(1, "=f8", false, "(1,)", doubles(LITTLE_ENDIAN, 1)));
        String message = assertThrows(BadRecordingException.class, () -> NpyReader.read(file, 0)).getMessage();
        assertTrue(message.contains("no explicit byte order"), message);
    }

    @Test
    void rejectsMissingColumnAndMoreThanTwoDimensions() throws IOException {
        Path pairs = write("pairs.npy", npy(1, "<f8", false, "(1, 2)", doubles(LITTLE_ENDIAN, 1, 2)));
        String message = assertThrows(BadRecordingException.class, () -> NpyReader.read(pairs, 2)).getMessage();
        assertTrue(message.contains("column 2 does not exist in an array of shape (1, 2); use a column from 0 to 1"),
                message);
        Path cube = write("cube.npy", npy(1, "<f8", false, "(1, 1, 1)", doubles(LITTLE_ENDIAN, 1)));
        message = assertThrows(BadRecordingException.class, () -> NpyReader.read(cube, 0)).getMessage();
        assertTrue(message.contains("array has 3 dimensions"), message);
    }

    @Test
    void rejectsUnknownVersionAndMalformedHeaders() throws IOException {
        byte[] v4 = npy(1, "<f8", false, "(1,)", doubles(LITTLE_ENDIAN, 1));
        v4[6] = 4;
        Path file = write("v4.npy", v4);
        String message = assertThrows(BadRecordingException.class, () -> NpyReader.read(file, 0)).getMessage();
        assertTrue(message.contains("unsupported .npy format version 4.0"), message);

        Path broken = write("broken.npy", npyWithHeader(1, "{'descr': '<f8' 'shape': (1,)}", doubles(LITTLE_ENDIAN, 1)));
        message = assertThrows(BadRecordingException.class, () -> NpyReader.read(broken, 0)).getMessage();
        assertTrue(message.contains("malformed header"), message);

        Path extra = write("extra.npy", npyWithHeader(1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", doubles(LITTLE_ENDIAN, 1)));
        message = assertThrows(BadRecordingException.class, () -> NpyReader.read(extra, 0)).getMessage();
        assertTrue(message.contains("are not exactly the .npy keys"), message);
    }
}
