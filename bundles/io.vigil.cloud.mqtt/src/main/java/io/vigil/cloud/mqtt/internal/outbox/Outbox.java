package io.vigil.cloud.mqtt.internal.outbox;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The disk-backed outbox of the cloud connection: every outbound message is written here before any attempt to
 * send it, and leaves only when the broker has acknowledged it. Design and guarantees: {@code docs/outbox.md}.
 *
 * <p>In short: one segmented append-only log per priority under {@code <dir>/pNN/}, records framed with length,
 * CRC-32C and a 64-bit id; an acknowledgement log with checkpoints under {@code <dir>/acks-*.log}; ids reserved
 * in blocks, forced to disk, so that they never repeat, even after a power loss. {@link #enqueue} returns once the
 * record is in the OS page cache (survives a kill of the process); a background thread forces it to disk every
 * {@code sync.interval.ms} ({@link Durability#WRITE}), or enqueue waits for a group fsync ({@link
 * Durability#FSYNC}).
 *
 * <p>Thread-safe: any number of threads enqueue; the sender {@link #take}s messages (highest priority first,
 * FIFO within a priority) and {@link #ack}s them, in any order. No method waits on the network; enqueue takes one
 * lock, for one write to the file (in FSYNC mode, also the fsync).
 */
public final class Outbox implements AutoCloseable {

    /** Priorities run from 0 (highest) to this. */
    public static final int MAX_PRIORITY = 15;
    static final long ID_BLOCK = 1L << 20;
    private static final String LOCK_FILE = "outbox.lock";
    private static final String IDS_FILE = "ids";
    private static final System.Logger LOG = System.getLogger(Outbox.class.getName());

    private final Path dir;
    private final OutboxConfig config;
    private final FreeSpace freeSpace;
    private final ReentrantLock lock = new ReentrantLock();
    private final Lane[] lanes = new Lane[MAX_PRIORITY + 1];
    private final Map<Long, Lane.Handed> inFlight = new HashMap<>();
    private final CRC32C crc = new CRC32C();
    private FileChannel lockChannel;
    private FileLock fileLock;
    private AckLog ackLog;
    private long nextId;
    private long firstId;
    private long reservedIds;

    // state and counters, guarded by lock
    private long live;
    private long liveBytes;
    private long segmentBytesOnDisk;
    private long enqueued;
    private long acked;
    private long dropped;
    private final long[] droppedByPriority = new long[MAX_PRIORITY + 1];
    private long refused;
    private long acceptedOverCapacity;
    private long redelivered;
    private long tornRecords;
    private long tornBytes;
    private long damagedRecords;
    private long damagedBytes;
    private long ackWriteErrors;
    private long syncs;
    private boolean closed;
    private boolean filesClosed;

    // what the next sync must force, guarded by lock
    private final Set<Segment> dirtySegments = new LinkedHashSet<>();
    private final Set<Path> dirtyDirectories = new LinkedHashSet<>();
    private List<RandomAccessFile> toClose = new ArrayList<>();
    private long writeSeq;

    // group commit: one sync at a time, covering every write before it started
    private final Object syncMonitor = new Object();
    private long durableSeq;
    private boolean syncing;

    private ScheduledExecutorService syncThread;

    private Outbox(Path dir, OutboxConfig config, FreeSpace freeSpace) {
        this.dir = dir;
        this.config = config;
        this.freeSpace = freeSpace;
    }

    /** Opens (or creates) the outbox in {@code dir}, repairing what a kill or a power loss left. */
    public static Outbox open(Path dir, OutboxConfig config) throws IOException {
        Files.createDirectories(dir);
        return open(dir, config, FreeSpace.of(dir));
    }

    /** As {@link #open(Path, OutboxConfig)}, with the free-space check given (tests simulate a full disk). */
    public static Outbox open(Path dir, OutboxConfig config, FreeSpace freeSpace) throws IOException {
        Outbox outbox = new Outbox(dir.toAbsolutePath(), config, freeSpace);
        try {
            outbox.recover();
        } catch (IOException | RuntimeException | Error e) {
            outbox.closeFiles();
            throw e;
        }
        outbox.startSyncThread();
        return outbox;
    }

    private void recover() throws IOException {
        Files.createDirectories(dir);
        lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            fileLock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            throw new IOException("outbox " + dir + " is already open in this JVM; close it first", e);
        }
        if (fileLock == null) {
            throw new IOException("outbox " + dir + " is in use by another process (" + LOCK_FILE + " is locked)");
        }
        long reserved = readReservedIds();
        AckLog.Recovered acks = AckLog.read(dir);
        Map<Integer, AckLog.LaneState> heads = new HashMap<>();
        long maxId = acks.maxDoneId();
        if (acks.checkpoint() != null) {
            for (AckLog.LaneState s : acks.checkpoint().lanes()) {
                heads.put(s.priority(), s);
            }
            maxId = Math.max(maxId, acks.checkpoint().idFloor() - 1);
        }
        for (int p = 0; p <= MAX_PRIORITY; p++) {
            Path laneDir = dir.resolve(Lane.directoryName(p));
            if (!Files.isDirectory(laneDir)) {
                continue;
            }
            Lane lane = new Lane(this, p, laneDir, config.segmentBytes());
            maxId = Math.max(maxId, lane.recover(acks.done(), heads.get(p)));
            lanes[p] = lane;
            live += lane.live;
            liveBytes += lane.liveBytes;
            for (Segment s = lane.first; s != null; s = s.next) {
                segmentBytesOnDisk += s.size;
            }
        }
        nextId = Math.max(Math.max(reserved, maxId + 1), 1);
        firstId = nextId;
        reserveIds(nextId + ID_BLOCK);
        ackLog = AckLog.start(dir, acks.lastSeq(), checkpoint(), acks.files());
        if (tornRecords > 0 || damagedRecords > 0 || live > 0) {
            LOG.log(Level.INFO, "outbox " + dir + " opened with " + live + " messages (" + liveBytes + " bytes) to send"
                    + "; torn records cut off: " + tornRecords + " (" + tornBytes + " bytes); damaged records "
                    + "skipped: " + damagedRecords + " (" + damagedBytes + " bytes); next id " + nextId);
        }
    }

    private void startSyncThread() {
        syncThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigil-outbox-sync " + dir.getFileName());
            t.setDaemon(true);
            return t;
        });
        syncThread.scheduleWithFixedDelay(this::periodicSync, config.syncIntervalMillis(),
                config.syncIntervalMillis(), TimeUnit.MILLISECONDS);
    }

    private void periodicSync() {
        try {
            flush();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "outbox " + dir + ": periodic sync to disk failed; retrying in "
                    + config.syncIntervalMillis() + " ms", e);
        }
    }

    /**
     * Stores a message and returns its id. Returns once the record is written to the file (and, with {@link
     * Durability#FSYNC}, forced to disk); never waits on the network.
     *
     * <p>When the outbox is full, the oldest message of the lowest priority among the droppable kinds ({@link
     * Kind#DATA}, {@link Kind#EVENT}) that are not in flight is dropped to make room, if its priority is not higher
     * than this message's. An {@link Kind#ALERT} or {@link Kind#LIFECYCLE} message is stored even when nothing is
     * left to drop (the capacity is then exceeded); a droppable one is refused.
     *
     * @throws OutboxFullException refused: capacity ({@code CAPACITY}) or file system full ({@code DISK}); nothing
     *         already in the outbox was lost
     * @throws IOException the write failed for another reason; the message is not stored
     * @throws IllegalArgumentException a priority, topic, payload size or qos out of range
     */
    public long enqueue(int priority, String topic, byte[] payload, int qos, boolean retain, Kind kind)
            throws IOException {
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority must be 0 (highest) to " + MAX_PRIORITY + ", got " + priority);
        }
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("a message needs a topic, got " + (topic == null ? "null" : "''"));
        }
        if (payload == null) {
            throw new IllegalArgumentException("payload of a message to '" + topic + "' is null; use an empty array");
        }
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2, got " + qos);
        }
        if (kind == null) {
            throw new IllegalArgumentException("kind of a message to '" + topic + "' is null");
        }
        byte[] topicBytes = RecordFormat.topicBytes(topic);
        if (topicBytes.length > 0xffff) {
            throw new IllegalArgumentException("topic is " + topicBytes.length + " bytes in UTF-8; at most 65535");
        }
        if ((long) topicBytes.length + payload.length > config.maxMessageBytes()) {
            throw new IllegalArgumentException("message to '" + topic + "' is " + (topicBytes.length + payload.length)
                    + " bytes (topic + payload), more than max.message.bytes=" + config.maxMessageBytes());
        }
        byte[] frame = RecordFormat.encode(priority, kind, qos, retain, topicBytes, payload,
                System.currentTimeMillis());
        long id;
        long seq;
        lock.lock();
        try {
            checkOpen();
            long usable = freeSpace.usableBytes();
            if (usable - frame.length < config.minFreeDiskBytes()) {
                throw new OutboxFullException(OutboxFullException.Reason.DISK, dir, "outbox " + dir + ": the file "
                        + "system has " + usable + " bytes left and min.free.disk.bytes is " + config.minFreeDiskBytes()
                        + "; " + kind + " message to '" + topic + "' (priority " + priority + ") not stored. Free "
                        + "disk space there, or lower capacity.bytes", null);
            }
            makeRoom(priority, kind, frame.length, topic);
            if (nextId >= reservedIds) {
                reserveIds(nextId + ID_BLOCK);
            }
            id = nextId++;
            RecordFormat.seal(frame, id, crc);
            Lane lane = lanes[priority];
            if (lane == null) {
                lane = new Lane(this, priority, dir.resolve(Lane.directoryName(priority)), config.segmentBytes());
                lanes[priority] = lane;
            }
            long grown;
            try {
                grown = lane.append(frame, id, config.segmentBytes());
            } catch (IOException e) {
                throw writeFailed(e, kind, topic, priority);
            }
            Segment s = lane.last;
            if (!s.dirty) {
                s.dirty = true;
                dirtySegments.add(s);
            }
            segmentBytesOnDisk += grown;
            lane.live++;
            lane.liveBytes += frame.length;
            if (kind.droppable) {
                lane.pendingDroppable++;
            }
            live++;
            liveBytes += frame.length;
            enqueued++;
            seq = ++writeSeq;
        } finally {
            lock.unlock();
        }
        if (config.durability() == Durability.FSYNC) {
            awaitDurable(seq);
        }
        return id;
    }

    private IOException writeFailed(IOException e, Kind kind, String topic, int priority) {
        String what = kind + " message to '" + topic + "' (priority " + priority + ")";
        String m = String.valueOf(e.getMessage());
        if (m.contains("No space left") || m.contains("Disk quota exceeded")) {
            return new OutboxFullException(OutboxFullException.Reason.DISK, dir, "outbox " + dir + ": the file "
                    + "system is full (" + m + "); " + what + " not stored, the messages already in the outbox are "
                    + "intact. Free disk space there, or lower capacity.bytes", e);
        }
        return new IOException("outbox " + dir + ": writing " + what + " failed: " + m + "; not stored", e);
    }

    /** Applies the overflow policy until the new frame fits, or refuses it. */
    private void makeRoom(int priority, Kind kind, int frameBytes, String topic) throws OutboxFullException {
        while (live + 1 > config.capacityMessages() || liveBytes + frameBytes > config.capacityBytes()) {
            Lane victim = null;
            for (int p = MAX_PRIORITY; p >= 0 && victim == null; p--) {
                if (lanes[p] != null && lanes[p].pendingDroppable > 0) {
                    victim = lanes[p];
                }
            }
            if (victim == null || kind.droppable && victim.priority < priority) {
                if (kind.droppable) {
                    refused++;
                    throw new OutboxFullException(OutboxFullException.Reason.CAPACITY, dir, "outbox " + dir + " is "
                            + "full (" + live + " messages, " + liveBytes + " bytes; capacity.messages="
                            + config.capacityMessages() + ", capacity.bytes=" + config.capacityBytes() + ") and holds "
                            + "no droppable message of priority " + priority + " or lower: " + kind + " message to '"
                            + topic + "' (priority " + priority + ") refused", null);
                }
                acceptedOverCapacity++;
                return;
            }
            Frame f;
            try {
                f = victim.dropOldest();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "outbox " + dir + ": could not read priority " + victim.priority
                        + " to drop its oldest message; it is no longer considered for dropping", e);
                victim.pendingDroppable = 0;
                continue;
            }
            if (f == null) {
                continue;
            }
            live--;
            liveBytes -= f.frameBytes();
            dropped++;
            droppedByPriority[victim.priority]++;
            recordDone(f.id);
        }
    }

    /**
     * Hands out up to {@code max} messages not yet handed out: priority 0 first, FIFO within a priority. They stay
     * in the outbox, in flight, until {@link #ack}ed, or until {@link #requeueInFlight()} (or a restart) makes them
     * due again, with the same id.
     */
    public List<OutboxMessage> take(int max) throws IOException {
        List<OutboxMessage> out = new ArrayList<>(Math.min(Math.max(max, 0), 1024));
        lock.lock();
        try {
            checkOpen();
            for (Lane lane : lanes) {
                if (lane == null || lane.empty()) {
                    continue;
                }
                while (out.size() < max) {
                    Frame f = lane.read(lane.takeReader, lane.nextSegment, lane.nextOffset);
                    if (f == null) {
                        break;
                    }
                    if (lane.doneAhead.remove(f.id)) {
                        lane.consumeDone(f);
                        continue;
                    }
                    OutboxMessage m = f.toMessage();
                    inFlight.put(f.id, lane.handOut(f));
                    out.add(m);
                }
                if (out.size() >= max) {
                    break;
                }
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    /** The next {@code max} messages {@link #take} would hand out, without handing them out. */
    public List<OutboxMessage> peek(int max) throws IOException {
        List<OutboxMessage> out = new ArrayList<>(Math.min(Math.max(max, 0), 1024));
        lock.lock();
        try {
            checkOpen();
            for (Lane lane : lanes) {
                if (lane == null || lane.empty()) {
                    continue;
                }
                Segment s = lane.nextSegment;
                long o = lane.nextOffset;
                while (out.size() < max) {
                    Frame f = lane.read(lane.takeReader, s, o);
                    if (f == null) {
                        break;
                    }
                    s = f.segment;
                    o = f.end;
                    if (!lane.doneAhead.contains(f.id)) {
                        out.add(f.toMessage());
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    /**
     * The broker acknowledged message {@code id}: it is removed (in the page cache when this returns, on disk at the
     * next sync) and never handed out again. Returns false if {@code id} is not in flight (a duplicate
     * acknowledgement, or one from before a {@link #requeueInFlight()}), which changes nothing.
     */
    public boolean ack(long id) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            Lane.Handed h = inFlight.remove(id);
            if (h == null) {
                return false;
            }
            Lane lane = lanes[h.priority];
            h.done = true;
            lane.live--;
            lane.liveBytes -= h.bytes;
            live--;
            liveBytes -= h.bytes;
            acked++;
            recordDone(id);
            lane.advanceHead();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes every message in flight due again (the connection was lost before their acknowledgement): the next
     * {@link #take} hands them out again, in their original order and with the same ids. Returns how many.
     */
    public int requeueInFlight() {
        lock.lock();
        try {
            checkOpen();
            int n = 0;
            for (Lane lane : lanes) {
                if (lane != null) {
                    n += lane.requeue(inFlight);
                }
            }
            inFlight.clear();
            redelivered += n;
            return n;
        } finally {
            lock.unlock();
        }
    }

    private void recordDone(long id) {
        try {
            ackLog.appendDone(id);
            writeSeq++;
        } catch (IOException e) {
            if (ackWriteErrors++ == 0) {
                LOG.log(Level.WARNING, "outbox " + dir + ": could not record message " + id + " as done; it and "
                        + "others whose acknowledgement fails to be written will be sent again after a restart "
                        + "(the consumer drops them by id). Further failures are only counted", e);
            }
            return;
        }
        if (ackLog.recordsSinceCheckpoint() >= config.checkpointEveryAcks()) {
            try {
                ackLog.rotate(checkpoint());
                dirtyDirectories.add(dir);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "outbox " + dir + ": could not start a new acknowledgement log; the current "
                        + "one keeps growing until the next open", e);
            }
        }
    }

    private AckLog.Checkpoint checkpoint() {
        List<AckLog.LaneState> states = new ArrayList<>();
        for (Lane lane : lanes) {
            if (lane != null && !lane.empty()) {
                states.add(lane.state());
            }
        }
        return new AckLog.Checkpoint(nextId, states);
    }

    /** Messages held (not yet acknowledged), in flight included. */
    /**
     * Throws when a message of {@code bytes} could not be stored now because the file system is full (below
     * {@code min.free.disk.bytes}); stores nothing.
     */
    public void checkDiskRoom(int bytes) throws IOException {
        lock.lock();
        try {
            checkOpen();
            long usable = freeSpace.usableBytes();
            if (usable - bytes < config.minFreeDiskBytes()) {
                throw new OutboxFullException(OutboxFullException.Reason.DISK, dir, "outbox " + dir + ": the file "
                        + "system has " + usable + " bytes left and min.free.disk.bytes is "
                        + config.minFreeDiskBytes(), null);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The ids this opening of the outbox assigned: {@code [first, last]}, empty ({@code last < first}) before the
     * first enqueue. Ids of one opening are consecutive; the next opening starts past every id reserved before.
     */
    public long[] idsAssigned() {
        lock.lock();
        try {
            return new long[] { firstId, nextId - 1 };
        } finally {
            lock.unlock();
        }
    }

    public long size() {
        lock.lock();
        try {
            return live;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of the messages held, as framed on disk. */
    public long bytes() {
        lock.lock();
        try {
            return liveBytes;
        } finally {
            lock.unlock();
        }
    }

    public int inFlight() {
        lock.lock();
        try {
            return inFlight.size();
        } finally {
            lock.unlock();
        }
    }

    public OutboxStats stats() {
        lock.lock();
        try {
            long ackBytes = 0;
            if (!filesClosed) {
                try {
                    ackBytes = ackLog.bytes();
                } catch (IOException e) {
                    ackBytes = 0;
                }
            }
            return new OutboxStats(live, liveBytes, inFlight.size(), segmentBytesOnDisk + ackBytes, enqueued, acked,
                    dropped, droppedByPriority.clone(), refused, acceptedOverCapacity, redelivered, tornRecords,
                    tornBytes, damagedRecords, damagedBytes, syncs, ackWriteErrors);
        } finally {
            lock.unlock();
        }
    }

    public Path directory() {
        return dir;
    }

    public OutboxConfig config() {
        return config;
    }

    /** Forces everything written so far (messages and acknowledgements) to disk. */
    public void flush() throws IOException {
        long seq;
        lock.lock();
        try {
            seq = writeSeq;
        } finally {
            lock.unlock();
        }
        awaitDurable(seq);
    }

    /** Group commit: returns once a sync that started after write {@code seq} has completed. */
    private void awaitDurable(long seq) throws IOException {
        synchronized (syncMonitor) {
            while (durableSeq < seq && syncing) {
                try {
                    syncMonitor.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted waiting for outbox " + dir + " to reach the disk");
                }
            }
            if (durableSeq >= seq) {
                return;
            }
            syncing = true;
        }
        long covered = 0;
        try {
            covered = syncNow();
        } finally {
            synchronized (syncMonitor) {
                syncing = false;
                durableSeq = Math.max(durableSeq, covered);
                syncMonitor.notifyAll();
            }
        }
    }

    /** One sync: forces what was written before it started. Only one runs at a time (see awaitDurable). */
    private long syncNow() throws IOException {
        List<RandomAccessFile> files = new ArrayList<>();
        List<Segment> segments = new ArrayList<>();
        List<Path> directories;
        List<RandomAccessFile> closing;
        List<Path> obsolete;
        boolean ackDirty;
        long seq;
        lock.lock();
        try {
            seq = writeSeq;
            if (filesClosed) {
                return seq;
            }
            for (Segment s : dirtySegments) {
                s.dirty = false;
                RandomAccessFile f = s.fileIfOpen();
                if (!s.deleted && f != null) {
                    files.add(f);
                    segments.add(s);
                }
            }
            dirtySegments.clear();
            ackDirty = ackLog.dirty;
            if (ackDirty) {
                files.add(ackLog.file());
                ackLog.dirty = false;
            }
            directories = new ArrayList<>(dirtyDirectories);
            dirtyDirectories.clear();
            closing = toClose;
            toClose = new ArrayList<>();
            obsolete = ackLog.takeObsolete(closing);
        } finally {
            lock.unlock();
        }
        boolean ok = false;
        try {
            for (RandomAccessFile f : files) {
                f.getFD().sync();
            }
            for (Path d : directories) {
                syncDirectory(d);
            }
            ok = true;
        } finally {
            for (RandomAccessFile f : closing) {
                closeQuietly(f);
            }
            lock.lock();
            try {
                if (ok) {
                    syncs++;
                } else { // what was not forced must be forced by the next sync
                    for (Segment s : segments) {
                        if (!s.deleted && !s.dirty) {
                            s.dirty = true;
                            dirtySegments.add(s);
                        }
                    }
                    dirtyDirectories.addAll(directories);
                    if (ackDirty && !filesClosed) {
                        ackLog.dirty = true;
                    }
                }
            } finally {
                lock.unlock();
            }
        }
        for (Path p : obsolete) {
            Files.deleteIfExists(p); // the checkpoint that replaces it is on disk now
        }
        return seq;
    }

    /**
     * Stops the sync thread, forces everything to disk and closes the files. Messages not acknowledged stay for the
     * next open; those in flight are handed out again then.
     */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        // shutdown, not shutdownNow: an interrupt would abort a directory sync in progress (a FileChannel closes
        // when its thread is interrupted); no new periodic sync starts, and a running one takes milliseconds
        syncThread.shutdown();
        try {
            if (!syncThread.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "outbox " + dir + ": the sync thread did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            flush();
        } finally {
            closeFiles();
        }
    }

    private void closeFiles() {
        lock.lock();
        try {
            closed = true;
            filesClosed = true;
            for (Lane lane : lanes) {
                if (lane != null) {
                    for (Segment s = lane.first; s != null; s = s.next) {
                        closeQuietly(s.detachFile());
                    }
                }
            }
            for (RandomAccessFile f : toClose) {
                closeQuietly(f);
            }
            toClose.clear();
            if (ackLog != null) {
                try {
                    ackLog.close();
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "outbox " + dir + ": closing the acknowledgement log failed", e);
                }
            }
            try {
                if (fileLock != null) {
                    fileLock.release();
                }
                if (lockChannel != null) {
                    lockChannel.close();
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "outbox " + dir + ": releasing " + LOCK_FILE + " failed", e);
            }
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("outbox " + dir + " is closed");
        }
    }

    // ids

    private long readReservedIds() throws IOException {
        Path p = dir.resolve(IDS_FILE);
        if (!Files.exists(p)) {
            return 0;
        }
        byte[] b = Files.readAllBytes(p);
        if (b.length != 16) {
            LOG.log(Level.WARNING, "outbox " + dir + ": " + IDS_FILE + " is " + b.length + " bytes, not 16; ids go on "
                    + "from the largest one found in the files");
            return 0;
        }
        CRC32C c = new CRC32C();
        c.update(b, 0, 12);
        ByteBuffer bb = ByteBuffer.wrap(b);
        if (bb.getInt(0) != 0x56474944 || (int) c.getValue() != bb.getInt(12)) { // "VGID"
            LOG.log(Level.WARNING, "outbox " + dir + ": " + IDS_FILE + " is damaged; ids go on from the largest one "
                    + "found in the files");
            return 0;
        }
        return bb.getLong(4);
    }

    /**
     * Forces to disk that ids below {@code upTo} may have been handed out, before handing out any of them: ids
     * then never repeat, even if a power loss takes the records that used them.
     */
    private void reserveIds(long upTo) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putInt(0x56474944).putLong(upTo);
        CRC32C c = new CRC32C();
        c.update(b.array(), 0, 12);
        b.putInt((int) c.getValue());
        Path tmp = dir.resolve(IDS_FILE + ".tmp");
        try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
            out.write(b.array());
            out.getFD().sync();
        }
        try {
            Files.move(tmp, dir.resolve(IDS_FILE), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(IDS_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory(dir);
        reservedIds = upTo;
    }

    // called by the lanes, under the lock

    void directoryChanged(Path directory) {
        dirtyDirectories.add(directory);
    }

    /** Never throws: the lane's state has already moved past the segment, and must stay consistent. */
    void deleteSegment(Segment s) {
        s.deleted = true;
        dirtySegments.remove(s);
        RandomAccessFile f = s.detachFile();
        if (f != null) {
            toClose.add(f); // a sync in progress may still be forcing it
        }
        segmentBytesOnDisk -= s.size;
        try {
            Files.deleteIfExists(s.path);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "outbox " + dir + ": could not delete " + s.path + ", whose messages are all sent; "
                    + "it stays until the next open, which deletes it or, if its acknowledgements are no longer in the "
                    + "acknowledgement log, sends its messages again (the consumer drops them by id)", e);
        }
    }

    void tornFound(Segment s, long offset, long length) {
        tornRecords++;
        tornBytes += length;
        LOG.log(Level.WARNING, "outbox: " + s + " ends in a torn record (the process was killed while writing it): "
                + length + " bytes at offset " + offset + " cut off; it had never been acknowledged to its sender");
    }

    void damageFound(Segment s, long offset, long length, String when) {
        damagedRecords++;
        damagedBytes += length;
        LOG.log(Level.ERROR, "outbox: " + s + " has a damaged record (check failed) at offset " + offset + ", "
                + length + " bytes, found " + when + "; skipped, and the records after it are delivered. The message"
                + " it held is lost: check the disk (dmesg, SMART)");
    }

    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void closeQuietly(RandomAccessFile f) {
        if (f != null) {
            try {
                f.close();
            } catch (IOException ignored) {
                // nothing left to lose: the file is no longer needed
            }
        }
    }
}
