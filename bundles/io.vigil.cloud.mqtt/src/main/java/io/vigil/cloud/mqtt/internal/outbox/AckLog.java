package io.vigil.cloud.mqtt.internal.outbox;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Which records are done (acknowledged by the broker or dropped by the overflow policy), so that a restart
 * neither resends them nor counts them against the capacity.
 *
 * <p>A file {@code acks-<seq>.log} starts with a checkpoint (per priority, the position before which every
 * record is done, and the done ids after it) and continues with one 13-byte record per id done since:
 * {@code 'D'}, the id, a CRC-32C of both. A new file with a fresh checkpoint replaces the current one every
 * {@code checkpoint.every.acks} records; the old file is deleted only after the new one and its directory entry
 * are on disk, so at any moment one file with a valid checkpoint exists. Reading takes the newest file whose
 * checkpoint is valid and its done records up to the first damaged one.
 */
final class AckLog {

    static final String PREFIX = "acks-";
    static final String SUFFIX = ".log";
    private static final byte DONE = 'D';
    private static final byte CHECKPOINT = 'C';
    private static final int DONE_BYTES = 13;

    /** A checkpoint: per priority, the head position and the done ids after it. */
    record Checkpoint(long idFloor, List<LaneState> lanes) {
    }

    record LaneState(int priority, long headSegmentFirstId, long headOffset, long[] doneIds) {
    }

    /** What {@link #read} found. */
    record Recovered(Checkpoint checkpoint, Set<Long> done, long maxDoneId, long lastSeq, List<Path> files) {
    }

    private final Path directory;
    private long seq;
    private Path path;
    private RandomAccessFile file;
    private long recordsSinceCheckpoint;
    private final byte[] doneRecord = new byte[DONE_BYTES];
    private final ByteBuffer doneView = ByteBuffer.wrap(doneRecord);
    private final CRC32C crc = new CRC32C();
    /** Replaced files, deleted by the sync after their successor is on disk. */
    private final List<Path> obsolete = new ArrayList<>();
    private final List<RandomAccessFile> obsoleteFiles = new ArrayList<>();
    boolean dirty;

    private AckLog(Path directory, long seq) {
        this.directory = directory;
        this.seq = seq;
    }

    static Recovered read(Path directory) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX)) {
            ds.forEach(files::add);
        }
        files.sort((a, b) -> Long.compare(seqOf(b), seqOf(a)));
        long lastSeq = files.isEmpty() ? 0 : Math.max(0, seqOf(files.get(0)));
        for (Path f : files) {
            if (seqOf(f) < 0) {
                continue;
            }
            byte[] all = Files.readAllBytes(f);
            ByteBuffer b = ByteBuffer.wrap(all);
            Checkpoint checkpoint = readCheckpoint(b);
            if (checkpoint == null) {
                continue; // torn by a power loss before its sync: the previous file is still there
            }
            Set<Long> done = new HashSet<>();
            long maxDone = 0;
            for (LaneState lane : checkpoint.lanes()) {
                for (long id : lane.doneIds()) {
                    done.add(id);
                    maxDone = Math.max(maxDone, id);
                }
            }
            CRC32C crc = new CRC32C();
            while (b.remaining() >= DONE_BYTES && b.get(b.position()) == DONE) {
                int at = b.position();
                crc.reset();
                crc.update(all, at, 9);
                if ((int) crc.getValue() != b.getInt(at + 9)) {
                    break; // a torn last record: the ids after it were never written whole
                }
                long id = b.getLong(at + 1);
                done.add(id);
                maxDone = Math.max(maxDone, id);
                b.position(at + DONE_BYTES);
            }
            return new Recovered(checkpoint, done, maxDone, lastSeq, files);
        }
        return new Recovered(null, new HashSet<>(), 0, lastSeq, files);
    }

    private static Checkpoint readCheckpoint(ByteBuffer b) {
        if (b.remaining() < 9 || b.get(0) != CHECKPOINT) {
            return null;
        }
        int length = b.getInt(1);
        if (length < 10 || length > b.remaining() - 9) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 1, 4);
        crc.update(b.array(), 9, length);
        if ((int) crc.getValue() != b.getInt(5)) {
            return null;
        }
        b.position(9);
        long idFloor = b.getLong();
        int lanes = b.getShort() & 0xffff;
        List<LaneState> states = new ArrayList<>();
        for (int i = 0; i < lanes; i++) {
            int priority = b.get() & 0xff;
            long segment = b.getLong();
            long offset = b.getLong();
            long[] ids = new long[b.getInt()];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = b.getLong();
            }
            states.add(new LaneState(priority, segment, offset, ids));
        }
        b.position(9 + length);
        return new Checkpoint(idFloor, states);
    }

    private static long seqOf(Path p) {
        String n = p.getFileName().toString();
        try {
            return Long.parseLong(n.substring(PREFIX.length(), n.length() - SUFFIX.length()));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return -1;
        }
    }

    /**
     * Starts a new log after {@code lastSeq} with {@code checkpoint}, forced to disk with its directory entry, and
     * deletes {@code older} (what {@link #read} found): the state of a freshly opened outbox.
     */
    static AckLog start(Path directory, long lastSeq, Checkpoint checkpoint, List<Path> older) throws IOException {
        AckLog log = new AckLog(directory, lastSeq);
        log.openNext(checkpoint);
        log.file.getFD().sync();
        Outbox.syncDirectory(directory);
        for (Path p : older) {
            Files.deleteIfExists(p);
        }
        log.dirty = false;
        return log;
    }

    private void openNext(Checkpoint checkpoint) throws IOException {
        seq++;
        path = directory.resolve(String.format("%s%012d%s", PREFIX, seq, SUFFIX));
        RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw");
        try {
            f.setLength(0);
            f.write(encode(checkpoint));
        } catch (IOException e) {
            f.close();
            Files.deleteIfExists(path);
            throw e;
        }
        file = f;
        recordsSinceCheckpoint = 0;
        dirty = true;
    }

    private static byte[] encode(Checkpoint c) {
        int length = 8 + 2;
        for (LaneState l : c.lanes()) {
            length += 1 + 8 + 8 + 4 + 8 * l.doneIds().length;
        }
        ByteBuffer b = ByteBuffer.allocate(9 + length);
        b.put(CHECKPOINT).putInt(length).putInt(0).putLong(c.idFloor()).putShort((short) c.lanes().size());
        for (LaneState l : c.lanes()) {
            b.put((byte) l.priority()).putLong(l.headSegmentFirstId()).putLong(l.headOffset())
                    .putInt(l.doneIds().length);
            for (long id : l.doneIds()) {
                b.putLong(id);
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 1, 4);
        crc.update(b.array(), 9, length);
        b.putInt(5, (int) crc.getValue());
        return b.array();
    }

    /** Records {@code id} as done: in the page cache when this returns, on disk at the next sync. */
    void appendDone(long id) throws IOException {
        doneRecord[0] = DONE;
        doneView.putLong(1, id);
        crc.reset();
        crc.update(doneRecord, 0, 9);
        doneView.putInt(9, (int) crc.getValue());
        file.write(doneRecord);
        recordsSinceCheckpoint++;
        dirty = true;
    }

    long recordsSinceCheckpoint() {
        return recordsSinceCheckpoint;
    }

    /** Continues in a new file that starts with {@code checkpoint}; the current one is deleted after the next sync. */
    void rotate(Checkpoint checkpoint) throws IOException {
        Path oldPath = path;
        RandomAccessFile oldFile = file;
        openNext(checkpoint);
        obsolete.add(oldPath);
        obsoleteFiles.add(oldFile);
    }

    long bytes() throws IOException {
        return file.length();
    }

    RandomAccessFile file() {
        return file;
    }

    /** Files replaced since the last call: to be deleted once the current file is synced. */
    List<Path> takeObsolete(List<RandomAccessFile> toClose) {
        List<Path> taken = new ArrayList<>(obsolete);
        obsolete.clear();
        toClose.addAll(obsoleteFiles);
        obsoleteFiles.clear();
        return taken;
    }

    void close() throws IOException {
        file.close();
        for (RandomAccessFile f : obsoleteFiles) {
            f.close();
        }
    }
}
