package io.vigil.driver.replay.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads one array of a NumPy {@code .npz} archive: a zip (stored or deflated) of {@code <key>.npy} entries, as
 * written by {@code np.savez} and {@code np.savez_compressed}.
 */
public final class NpzReader {

    private static final String SUFFIX = ".npy";

    private NpzReader() {
    }

    /**
     * Reads column {@code column} of array {@code key} in {@code file}.
     *
     * @throws BadRecordingException if the archive is unreadable, lacks the key (the message lists the keys it
     *             has) or the array is not a supported .npy array
     * @throws IOException if the file cannot be read
     */
    public static double[] read(Path file, String key, int column) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry entry = zip.getEntry(key + SUFFIX);
            if (entry == null || entry.isDirectory()) {
                List<String> keys = keys(zip);
                throw new BadRecordingException(file.toString(), "no array '" + key + "'; available keys: "
                        + (keys.isEmpty() ? "none, the archive holds no .npy entries" : String.join(", ", keys)));
            }
            String source = file + " (array '" + key + "')";
            if (entry.getSize() > NpyReader.MAX_BYTES) {
                throw new BadRecordingException(source, "is " + entry.getSize()
                        + " bytes; arrays above 2 GiB are not supported, split the recording");
            }
            byte[] content;
            try (InputStream in = zip.getInputStream(entry)) {
                content = in.readAllBytes();
            }
            // ZipFile checks no CRC for stored entries, and CWRU-style archives are stored: a flipped bit in the
            // data would otherwise replay as a plausible but wrong sample.
            CRC32 crc = new CRC32();
            crc.update(content);
            if (entry.getCrc() != -1 && crc.getValue() != entry.getCrc()) {
                throw new BadRecordingException(source, String.format(
                        "corrupt entry %s: its CRC-32 is %08x but the archive says %08x; copy the file again",
                        entry.getName(), crc.getValue(), entry.getCrc()));
            }
            return NpyReader.parse(content, source, column);
        } catch (ZipException | EOFException e) {
            throw new BadRecordingException(file.toString(), "not a readable .npz (zip) archive: " + e.getMessage(), e);
        }
    }

    /** @return the array keys in {@code file}, in archive order */
    public static List<String> keys(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return keys(zip);
        } catch (ZipException e) {
            throw new BadRecordingException(file.toString(), "not a readable .npz (zip) archive: " + e.getMessage(), e);
        }
    }

    private static List<String> keys(ZipFile zip) {
        return zip.stream()
                .map(ZipEntry::getName)
                .filter(name -> name.endsWith(SUFFIX))
                .map(name -> name.substring(0, name.length() - SUFFIX.length()))
                .collect(Collectors.toList());
    }
}
