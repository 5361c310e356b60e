package io.vigil.cloud.mqtt.internal.outbox;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * One file of a priority's log: an 8-byte header ({@code VGOB}, format version) and frames appended after it,
 * named after the id of its first record. Only the last segment of a priority is appended to.
 *
 * <p>Files are accessed through {@link RandomAccessFile}, not {@code FileChannel}: an interrupt of a thread in the
 * middle of a channel operation closes the channel for every thread, and the outbox is called from threads it
 * does not own (alert sinks, metric publishers) which may be interrupted at any moment.
 */
final class Segment {

    static final int HEADER = 8;
    static final byte[] MAGIC = "VGOB".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final String SUFFIX = ".seg";

    final int priority;
    final long firstId;
    final Path path;
    /** Bytes of whole, committed records (plus the header): where the next record is appended. */
    long size;
    Segment next;
    /** Written since the last sync. */
    boolean dirty;
    boolean deleted;
    private RandomAccessFile file;
    /** Offsets where recovery already counted damage, so that reading past it again does not count it twice. */
    private Set<Long> knownDamage;

    Segment(int priority, long firstId, Path path) {
        this.priority = priority;
        this.firstId = firstId;
        this.path = path;
    }

    static String fileName(long firstId) {
        return String.format("%020d%s", firstId, SUFFIX);
    }

    static byte[] header() {
        byte[] h = new byte[HEADER];
        System.arraycopy(MAGIC, 0, h, 0, 4);
        h[7] = VERSION;
        return h;
    }

    static boolean validHeader(byte[] h) {
        return h[0] == MAGIC[0] && h[1] == MAGIC[1] && h[2] == MAGIC[2] && h[3] == MAGIC[3] && h[4] == 0
                && h[5] == 0 && h[6] == 0 && h[7] == VERSION;
    }

    RandomAccessFile file() throws IOException {
        if (file == null) {
            file = new RandomAccessFile(path.toFile(), "rw");
        }
        return file;
    }

    /** The file if it is open, without opening it. */
    RandomAccessFile fileIfOpen() {
        return file;
    }

    /** The open file, or null, handed over for closing once a pending sync no longer needs it. */
    RandomAccessFile detachFile() {
        RandomAccessFile f = file;
        file = null;
        return f;
    }

    void markDamage(long offset) {
        if (knownDamage == null) {
            knownDamage = new HashSet<>();
        }
        knownDamage.add(offset);
    }

    boolean knownDamage(long offset) {
        return knownDamage != null && knownDamage.contains(offset);
    }

    int compareTo(long offset, Segment other, long otherOffset) {
        int c = Long.compare(firstId, other.firstId);
        return c != 0 ? c : Long.compare(offset, otherOffset);
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
