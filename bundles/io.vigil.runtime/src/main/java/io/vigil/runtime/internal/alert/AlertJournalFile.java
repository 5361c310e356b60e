package io.vigil.runtime.internal.alert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 */
public final class AlertJournalFile implements AutoCloseable {

    /** Alerts kept in memory for {@link #recent}; older ones stay only on disk. */
    static final int MEMORY = 1000;

    // a broken detector scores NaN, and that alert must be journaled like any other
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private final Path path;
    private final FileChannel channel;
    private final Deque<Alert> tail = new ArrayDeque<>();
    private long size;
    private final long repairedBytes;
    private long unreadableLines;

    public AlertJournalFile(Path path) throws IOException {
        this.path = path;
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        long good = load();
        repairedBytes = channel.size() - good;
        if (repairedBytes > 0) {
            channel.truncate(good);
            channel.force(true);
        }
        channel.position(good);
    }

    /** Reads the whole lines; returns the offset just past the last one. */
    private long load() throws IOException {
        byte[] all = Files.readAllBytes(path);
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] != '\n') {
                continue;
            }
            String line = new String(all, start, i - start, StandardCharsets.UTF_8);
            try {
                remember(GSON.fromJson(line, Alert.class));
                size++;
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
        size++;
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

    public synchronized long size() {
        return size;
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
