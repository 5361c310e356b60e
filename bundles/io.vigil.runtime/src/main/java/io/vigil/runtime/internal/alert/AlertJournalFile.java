package io.vigil.runtime.internal.alert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import io.vigil.api.alert.Alert;

/**
 * Append-only alert journal: one JSON object per line, each line forced to disk before {@link #append}
 * returns, so an alert written survives a power cut. Alerts are rare, so a sync per alert costs nothing that
 * matters and keeps the format trivially readable ({@code tail -f}, {@code jq}).
 *
 * <p>A power cut can leave a torn last line (no newline yet). Opening the journal cuts such a tail off instead
 * of failing, so the gateway always comes back up with its history intact up to the last whole alert. A whole
 * line that cannot be read (edited by hand, bit rot) is skipped and counted, never deleted.
 *
 * <p>The file is rotated when it reaches its size bound and a bounded number of files is kept, so the journal's
 * disk use (and the memory read at start) is bounded whatever a flapping machine does.
 */
public final class AlertJournalFile implements AutoCloseable {

    /** Alerts kept in memory for {@link #recent}; older ones stay only on disk. */
    static final int MEMORY = 1000;

    // a broken detector scores NaN, and that alert must be journaled like any other
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    /** Default bound of one journal file; with the default 5 files, 40 MB of alerts at most. */
    public static final long DEFAULT_MAX_BYTES = 8L * 1024 * 1024;
    public static final int DEFAULT_MAX_FILES = 5;

    private final Path path;
    private final long maxBytes;
    private final int maxFiles;
    private FileChannel channel;
    private final Deque<Alert> tail = new ArrayDeque<>();
    private long currentEntries;
    /** Entries in alerts.jsonl.1, .2, ... in that order. */
    private final Deque<Long> rotatedEntries = new ArrayDeque<>();
    private final long repairedBytes;
    private long unreadableLines;

    public AlertJournalFile(Path path) throws IOException {
        this(path, DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES);
    }

    /**
     * @param maxBytes size at which the journal file is rotated to {@code <name>.1}, so an unattended gateway
     *        never fills its disk with alerts
     * @param maxFiles files kept, the current one included (at least 2); the oldest is deleted on rotation
     */
    public AlertJournalFile(Path path, long maxBytes, int maxFiles) throws IOException {
        if (maxBytes < 1024 || maxFiles < 2) {
            throw new IllegalArgumentException("alert journal " + path + ": max.bytes must be >= 1024 and max.files"
                    + " >= 2, got " + maxBytes + " and " + maxFiles);
        }
        this.path = path;
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        for (int k = maxFiles - 1; k >= 1; k--) { // oldest first, so the memory tail ends with the newest
            Path rotated = rotated(k);
            if (Files.exists(rotated)) {
                long before = currentEntries;
                load(rotated);
                rotatedEntries.addFirst(currentEntries - before);
                currentEntries = before;
            }
        }
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        long good = load(path);
        repairedBytes = channel.size() - good;
        if (repairedBytes > 0) {
            channel.truncate(good);
            channel.force(true);
        }
        channel.position(good);
    }

    private Path rotated(int k) {
        return path.resolveSibling(path.getFileName() + "." + k);
    }

    /** Reads the whole lines of {@code file}; returns the offset just past the last one. */
    private long load(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] != '\n') {
                continue;
            }
            String line = new String(all, start, i - start, StandardCharsets.UTF_8);
            try {
                remember(GSON.fromJson(line, Alert.class));
                currentEntries++;
            } catch (JsonParseException | NullPointerException e) {
                unreadableLines++;
            }
            start = i + 1;
        }
        return start;
    }

    /** @return bytes cut off a torn or unreadable tail when the journal was opened */
    public long repairedBytes() {
        return repairedBytes;
    }

    /** @return whole lines skipped because they could not be read as alerts */
    public long unreadableLines() {
        return unreadableLines;
    }

    public Path path() {
        return path;
    }

    public synchronized void append(Alert alert) {
        byte[] line = (GSON.toJson(alert) + "\n").getBytes(StandardCharsets.UTF_8);
        long start = -1;
        try {
            start = channel.position();
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        } catch (IOException e) {
            cutBackTo(start); // a partial line would swallow the next alert
            throw new UncheckedIOException("could not append alert " + alert.id() + " to the journal " + path
                    + ": " + e.getMessage() + "; check the disk (space, permissions)", e);
        }
        remember(alert);
        currentEntries++;
        try {
            if (channel.size() >= maxBytes) {
                rotate();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("alert " + alert.id() + " is journaled, but rotating " + path
                    + " failed: " + e.getMessage() + "; check the disk", e);
        }
    }

    /** alerts.jsonl becomes alerts.jsonl.1, .1 becomes .2, ...; the oldest beyond max.files is deleted. */
    private void rotate() throws IOException {
        channel.close();
        Files.deleteIfExists(rotated(maxFiles - 1));
        for (int k = maxFiles - 2; k >= 1; k--) {
            if (Files.exists(rotated(k))) {
                Files.move(rotated(k), rotated(k + 1), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        Files.move(path, rotated(1), StandardCopyOption.ATOMIC_MOVE);
        rotatedEntries.addFirst(currentEntries);
        while (rotatedEntries.size() > maxFiles - 1) {
            rotatedEntries.removeLast();
        }
        currentEntries = 0;
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    private void cutBackTo(long position) {
        if (position < 0) {
            return;
        }
        try {
            channel.truncate(position);
            channel.position(position);
        } catch (IOException ignored) {
            // the disk refuses even that: the torn line is cut on the next open
        }
    }

    public synchronized List<Alert> recent(int max) {
        if (max <= 0) {
            return List.of();
        }
        List<Alert> all = new ArrayList<>(tail);
        return List.copyOf(all.subList(Math.max(0, all.size() - max), all.size()));
    }

    /** @return entries in the files kept (the current one and the rotated ones) */
    public synchronized long size() {
        return currentEntries + rotatedEntries.stream().mapToLong(Long::longValue).sum();
    }

    private void remember(Alert alert) {
        if (alert == null) {
            throw new JsonParseException("empty line");
        }
        tail.addLast(alert);
        if (tail.size() > MEMORY) {
            tail.removeFirst();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
