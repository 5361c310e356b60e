package io.vigil.driver.replay.internal;

import static io.vigil.driver.replay.internal.NpyBytes.doubles;
import static io.vigil.driver.replay.internal.NpyBytes.npy;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzReaderTest {

    private static final double[] DE = { 0.125, -0.5, 3.0e-3, 42 };
    private static final double[] FE = { 9, 8, 7 };

    @TempDir
    Path dir;

    /** An .npz as np.savez (stored) or np.savez_compressed (deflated) writes it. */
    private Path npz(String name, int method, Map<String, byte[]> arrays) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> array : arrays.entrySet()) {
                ZipEntry entry = new ZipEntry(array.getKey() + ".npy");
                entry.setMethod(method);
                if (method == ZipEntry.STORED) {
                    CRC32 crc = new CRC32();
                    crc.update(array.getValue());
                    entry.setSize(array.getValue().length);
                    entry.setCompressedSize(array.getValue().length);
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                zip.write(array.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    private static Map<String, byte[]> twoArrays() {
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        arrays.put("DE", npy(1, "<f8", false, "(4, 1)", doubles(LITTLE_ENDIAN, DE)));
        arrays.put("FE", npy(1, "<f8", false, "(3,)", doubles(LITTLE_ENDIAN, FE)));
        return arrays;
    }

    @Test
    void readsStoredEntries() throws IOException {
        Path file = npz("stored.npz", ZipEntry.STORED, twoArrays());
        assertArrayEquals(DE, NpzReader.read(file, "DE", 0));
        assertArrayEquals(FE, NpzReader.read(file, "FE", 0));
        assertEquals(List.of("DE", "FE"), NpzReader.keys(file));
    }

    @Test
    void readsDeflatedEntries() throws IOException {
        Path file = npz("deflated.npz", ZipEntry.DEFLATED, twoArrays());
        assertArrayEquals(DE, NpzReader.read(file, "DE", 0));
        assertArrayEquals(FE, NpzReader.read(file, "FE", 0));
    }

    @Test
    void missingKeyListsTheAvailableKeys() throws IOException {
        Path file = npz("stored.npz", ZipEntry.STORED, twoArrays());
        String message = assertThrows(BadRecordingException.class, () -> NpzReader.read(file, "BA", 0)).getMessage();
        assertTrue(message.startsWith(file.toString()), message);
        assertTrue(message.contains("no array 'BA'; available keys: DE, FE"), message);
    }

    @Test
    void errorsInAnArrayNameTheFileAndKey() throws IOException {
        Map<String, byte[]> arrays = Map.of("DE", npy(1, "<c16", false, "(0,)", new byte[0]));
        Path file = npz("complex.npz", ZipEntry.DEFLATED, arrays);
        String message = assertThrows(BadRecordingException.class, () -> NpzReader.read(file, "DE", 0)).getMessage();
        assertTrue(message.startsWith(file + " (array 'DE'): unsupported dtype '<c16'"), message);
    }

    @Test
    void detectsACorruptStoredEntry() throws IOException {
        Path file = npz("stored.npz", ZipEntry.STORED, twoArrays());
        byte[] zip = Files.readAllBytes(file);
        byte[] sample = doubles(LITTLE_ENDIAN, 42);
        int at = indexOf(zip, sample);
        zip[at + 7] ^= 0x01;
        Files.write(file, zip);
        String message = assertThrows(BadRecordingException.class, () -> NpzReader.read(file, "DE", 0)).getMessage();
        assertTrue(message.contains("corrupt entry DE.npy"), message);
    }

    @Test
    void rejectsAFileThatIsNotAZip() throws IOException {
        Path file = Files.write(dir.resolve("plain.npz"), npy(1, "<f8", false, "(1,)", doubles(LITTLE_ENDIAN, 1)));
        String message = assertThrows(BadRecordingException.class, () -> NpzReader.read(file, "DE", 0)).getMessage();
        assertTrue(message.contains("not a readable .npz (zip) archive"), message);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer: for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("sample bytes not found in the archive");
    }
}
