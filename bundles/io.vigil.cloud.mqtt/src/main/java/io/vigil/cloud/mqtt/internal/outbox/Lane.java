package io.vigil.cloud.mqtt.internal.outbox;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The log of one priority: a chain of segments, ids increasing along it, and three positions in it.
 *
 * <ul>
 * <li>head: every record before it is done (acknowledged or dropped); segments wholly before it are deleted;
 * <li>next: the first record not yet handed to the sender; between head and next lie the handed-out records
 * ({@link #outstanding}, in order), in flight or done out of order;
 * <li>drop: where the overflow policy's search for the oldest droppable record resumes (never before next).
 * </ul>
 *
 * Records after next that are already done (dropped from behind an alert, or acknowledged out of order before
 * a {@link Outbox#requeueInFlight()}) are in {@link #doneAhead}. Memory is therefore bounded by the messages in
 * flight and such holes, not by the backlog, which stays on disk. Not thread-safe: the outbox's lock guards it.
 */
final class Lane {

    /** A record handed out (in flight) or done between head and next. */
    static final class Handed {
        final long id;
        final int priority;
        final Segment endSegment;
        final long endOffset;
        final int bytes;
        final boolean droppable;
        boolean done;

        Handed(long id, int priority, Segment endSegment, long endOffset, int bytes, boolean droppable,
                boolean done) {
            this.id = id;
            this.priority = priority;
            this.endSegment = endSegment;
            this.endOffset = endOffset;
            this.bytes = bytes;
            this.droppable = droppable;
            this.done = done;
        }
    }

    private static final System.Logger LOG = System.getLogger(Outbox.class.getName());

    final int priority;
    final Path directory;
    private final Outbox outbox;
    Segment first;
    Segment last;
    Segment headSegment;
    long headOffset;
    Segment nextSegment;
    long nextOffset;
    Segment dropSegment;
    long dropOffset;
    final ArrayDeque<Handed> outstanding = new ArrayDeque<>();
    final Set<Long> doneAhead = new HashSet<>();
    long live;
    long liveBytes;
    /** Droppable records neither handed out nor done: what the overflow policy can still take from here. */
    long pendingDroppable;
    final FrameReader takeReader = new FrameReader(64 * 1024);
    final FrameReader scanReader = new FrameReader(16 * 1024);
    private boolean directoryExists;
    /**
     * A last segment this large is deleted as soon as everything in it is done, instead of being appended to
     * further: a drained outbox then keeps less than this per priority on disk, and a sender that keeps up with
     * the producers still starts a new file at most every {@code segment.bytes / 4} bytes.
     */
    private final int retireBytes;

    Lane(Outbox outbox, int priority, Path directory, int segmentBytes) {
        this.outbox = outbox;
        this.retireBytes = segmentBytes / 4;
        this.priority = priority;
        this.directory = directory;
    }

    static String directoryName(int priority) {
        return String.format("p%02d", priority);
    }

    boolean empty() {
        return first == null;
    }

    /** The first record at or after the position, past damage (counted once) and segment ends; null at the end. */
    Frame read(FrameReader reader, Segment segment, long offset) throws IOException {
        Segment s = segment;
        long o = Math.max(offset, Segment.HEADER);
        while (s != null) {
            if (o >= s.size) {
                s = s.next;
                o = Segment.HEADER;
                continue;
            }
            if (reader.readAt(s, o, s.size)) {
                return reader.frame;
            }
            long found = reader.resync(s, o + 1, s.size);
            if (!s.knownDamage(o)) {
                s.markDamage(o);
                outbox.damageFound(s, o, (found < 0 ? s.size : found) - o, "while reading");
            }
            if (found >= 0) {
                return reader.frame;
            }
            o = s.size;
        }
        return null;
    }

    /** Appends a sealed frame, starting a new segment when this one is full; returns the bytes the disk grew by. */
    long append(byte[] frame, long id, int segmentBytes) throws IOException {
        Segment s = last;
        if (s == null || s.size + frame.length > segmentBytes && s.size > Segment.HEADER) {
            if (!directoryExists) {
                Files.createDirectories(directory);
                directoryExists = true;
                outbox.directoryChanged(directory.getParent());
            }
            Segment n = new Segment(priority, id, directory.resolve(Segment.fileName(id)));
            RandomAccessFile f = n.file();
            try {
                f.setLength(0);
                f.write(Segment.header());
                f.write(frame);
            } catch (IOException e) {
                Outbox.closeQuietly(n.detachFile());
                Files.deleteIfExists(n.path);
                throw e;
            }
            n.size = Segment.HEADER + frame.length;
            if (last == null) {
                first = n;
                headSegment = nextSegment = dropSegment = n;
                headOffset = nextOffset = dropOffset = Segment.HEADER;
            } else {
                last.next = n;
            }
            last = n;
            outbox.directoryChanged(directory);
            return n.size;
        }
        RandomAccessFile f = s.file();
        long at = s.size;
        try {
            f.seek(at);
            f.write(frame);
        } catch (IOException e) {
            try {
                f.setLength(at); // no torn record left behind for the next write to follow
            } catch (IOException ignored) {
                // the next open cuts it off as a torn tail
            }
            throw e;
        }
        s.size = at + frame.length;
        return frame.length;
    }

    /** Marks {@code f} (at or after next, with nothing pending before it) done by moving next past it. */
    void consumeDone(Frame f) {
        if (outstanding.isEmpty()) {
            headSegment = nextSegment = f.segment;
            headOffset = nextOffset = f.end;
            settleHead();
        } else {
            outstanding.addLast(new Handed(f.id, priority, f.segment, f.end, f.frameBytes(), f.kind.droppable, true));
            nextSegment = f.segment;
            nextOffset = f.end;
        }
    }

    Handed handOut(Frame f) {
        Handed h = new Handed(f.id, priority, f.segment, f.end, f.frameBytes(), f.kind.droppable, false);
        outstanding.addLast(h);
        nextSegment = f.segment;
        nextOffset = f.end;
        if (h.droppable) {
            pendingDroppable--;
        }
        return h;
    }

    /** Moves head past the done records at the front of the handed-out ones. */
    void advanceHead() {
        boolean moved = false;
        while (!outstanding.isEmpty() && outstanding.peekFirst().done) {
            Handed h = outstanding.pollFirst();
            headSegment = h.endSegment;
            headOffset = h.endOffset;
            moved = true;
        }
        if (moved) {
            settleHead();
        }
    }

    /** Deletes the segments head has left behind (never the last one, which is appended to). */
    void settleHead() {
        while (headSegment.next != null && headOffset >= headSegment.size) {
            headSegment = headSegment.next;
            headOffset = Segment.HEADER;
        }
        while (first != headSegment) {
            Segment gone = first;
            first = gone.next;
            outbox.deleteSegment(gone);
        }
        if (nextSegment.deleted) {
            nextSegment = headSegment;
            nextOffset = headOffset;
        }
        if (dropSegment.deleted || dropSegment.compareTo(dropOffset, nextSegment, nextOffset) < 0) {
            dropSegment = nextSegment;
            dropOffset = nextOffset;
        }
        if (headSegment == last && headOffset >= last.size && last.size >= retireBytes && outstanding.isEmpty()) {
            Segment gone = last;
            first = last = headSegment = nextSegment = dropSegment = null;
            doneAhead.clear();
            outbox.deleteSegment(gone);
        }
    }

    /** Puts every handed-out record not yet done back before next; returns how many. */
    int requeue(java.util.Map<Long, Handed> inFlight) {
        int n = 0;
        for (Handed h : outstanding) {
            if (h.done) {
                doneAhead.add(h.id);
            } else {
                inFlight.remove(h.id);
                if (h.droppable) {
                    pendingDroppable++;
                }
                n++;
            }
        }
        outstanding.clear();
        if (first != null) {
            nextSegment = dropSegment = headSegment;
            nextOffset = dropOffset = headOffset;
        }
        return n;
    }

    /**
     * Marks the oldest droppable record not handed out as done; returns it (valid until the next read), or null
     * if there is none (which the counters say cannot happen).
     */
    Frame dropOldest() throws IOException {
        Segment s;
        long o;
        boolean contiguous; // nothing pending between next and the position: next can move past what is done
        if (dropSegment.compareTo(dropOffset, nextSegment, nextOffset) > 0) {
            s = dropSegment;
            o = dropOffset;
            contiguous = false;
        } else {
            s = nextSegment;
            o = nextOffset;
            contiguous = true;
        }
        while (true) {
            Frame f = read(scanReader, s, o);
            if (f == null) {
                LOG.log(System.Logger.Level.ERROR, "outbox lane " + directory + " counted " + pendingDroppable
                        + " droppable messages but has none left after " + s + " offset " + o + "; recounting");
                pendingDroppable = 0;
                return null;
            }
            s = f.segment;
            o = f.end;
            if (doneAhead.contains(f.id)) {
                if (contiguous) {
                    doneAhead.remove(f.id);
                    consumeDone(f);
                }
                continue;
            }
            if (!f.kind.droppable) {
                contiguous = false;
                continue;
            }
            if (contiguous) {
                consumeDone(f);
            } else {
                doneAhead.add(f.id);
            }
            dropSegment = s;
            dropOffset = o;
            pendingDroppable--;
            live--;
            liveBytes -= f.frameBytes();
            return f;
        }
    }

    /** The checkpoint's view of this lane: head, and the done ids after it. */
    AckLog.LaneState state() {
        List<Long> ids = new ArrayList<>(doneAhead);
        for (Handed h : outstanding) {
            if (h.done) {
                ids.add(h.id);
            }
        }
        long[] done = ids.stream().mapToLong(Long::longValue).toArray();
        return new AckLog.LaneState(priority, headSegment.firstId, headOffset, done);
    }

    /**
     * Rebuilds the lane from its files: checks every record after the checkpoint's head, cuts a torn tail off
     * the last segment, skips and counts damaged records, and deletes segments with nothing left to send.
     * Returns the largest id seen.
     */
    long recover(Set<Long> done, AckLog.LaneState checkpoint) throws IOException {
        directoryExists = true;
        List<Segment> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, "*" + Segment.SUFFIX)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                try {
                    found.add(new Segment(priority, Long.parseLong(n.substring(0, n.length() - Segment.SUFFIX.length())),
                            p));
                } catch (NumberFormatException e) {
                    LOG.log(System.Logger.Level.WARNING, "outbox: ignoring " + p + ", not a segment name");
                }
            }
        }
        found.sort((a, b) -> Long.compare(a.firstId, b.firstId));
        long startSegment = checkpoint != null ? checkpoint.headSegmentFirstId() : Long.MIN_VALUE;
        long maxId = 0;
        long lastId = 0;
        boolean anyLive = false;
        FrameReader reader = takeReader;
        for (int k = 0; k < found.size(); k++) {
            Segment s = found.get(k);
            boolean isLast = k == found.size() - 1;
            if (s.firstId < startSegment) {
                Files.delete(s.path); // wholly before the head of the last checkpoint: done
                continue;
            }
            RandomAccessFile f = s.file();
            long length = f.length();
            byte[] header = new byte[Segment.HEADER];
            if (length >= Segment.HEADER) {
                f.seek(0);
                f.readFully(header);
            }
            if (length < Segment.HEADER) {
                if (length > 0) {
                    outbox.tornFound(s, 0, length); // killed while the segment was being started
                }
                Outbox.closeQuietly(s.detachFile());
                Files.delete(s.path);
                continue;
            }
            if (!Segment.validHeader(header)) {
                Path aside = s.path.resolveSibling(s.path.getFileName() + ".unreadable");
                Outbox.closeQuietly(s.detachFile());
                Files.move(s.path, aside);
                outbox.damageFound(s, 0, length, "opening: not an outbox segment of format version "
                        + Segment.VERSION + "; moved aside to " + aside);
                continue;
            }
            s.size = length;
            long off = Segment.HEADER;
            if (s.firstId == startSegment) {
                off = Math.max(Segment.HEADER, Math.min(checkpoint.headOffset(), length));
            }
            if (headSegment == null) {
                headSegment = s;
                headOffset = off;
            }
            int records = 0;
            while (off < length) {
                boolean ok = reader.readAt(s, off, length) && reader.frame.priority == priority
                        && reader.frame.id > lastId;
                if (!ok) {
                    long next = resync(reader, s, off + 1, length, lastId);
                    if (next < 0) {
                        if (isLast) {
                            if (completeRecordAt(s, off, length)) {
                                outbox.damageFound(s, off, length - off, "opening (damaged last record cut off)");
                            } else {
                                outbox.tornFound(s, off, length - off);
                            }
                            f.setLength(off);
                            s.size = off;
                            reader.invalidate();
                        } else {
                            s.markDamage(off);
                            outbox.damageFound(s, off, length - off, "opening");
                        }
                        break;
                    }
                    s.markDamage(off);
                    outbox.damageFound(s, off, next - off, "opening");
                    off = next;
                    continue;
                }
                Frame fr = reader.frame;
                records++;
                lastId = fr.id;
                maxId = Math.max(maxId, fr.id);
                if (done.contains(fr.id)) {
                    if (anyLive) {
                        doneAhead.add(fr.id);
                    } else {
                        headSegment = s;
                        headOffset = fr.end;
                    }
                } else {
                    anyLive = true;
                    live++;
                    liveBytes += fr.frameBytes();
                    if (fr.kind.droppable) {
                        pendingDroppable++;
                    }
                }
                off = fr.end;
            }
            boolean startsAtHead = headSegment == s;
            if (records == 0 && s.firstId != startSegment) {
                // nothing readable in it at all (or only a torn first record): nothing to keep it for
                Outbox.closeQuietly(s.detachFile());
                Files.delete(s.path);
                if (startsAtHead) {
                    headSegment = null;
                }
                continue;
            }
            if (last == null) {
                first = s;
            } else {
                last.next = s;
            }
            last = s;
        }
        if (first != null && live == 0) {
            // everything was sent: nothing to keep, not even the last segment (the ids file keeps ids unique)
            for (Segment s = first; s != null; s = s.next) {
                Outbox.closeQuietly(s.detachFile());
                Files.delete(s.path);
            }
            first = last = null;
            doneAhead.clear();
        }
        if (first == null) {
            headSegment = null;
            return maxId;
        }
        if (headSegment == null || headSegment.deleted) {
            headSegment = first;
            headOffset = Segment.HEADER;
        }
        nextSegment = dropSegment = headSegment;
        nextOffset = dropOffset = headOffset;
        settleHead();
        return maxId;
    }

    private static long resync(FrameReader reader, Segment s, long from, long limit, long lastId) throws IOException {
        long p = from;
        while (true) {
            long found = reader.resync(s, p, limit);
            if (found < 0) {
                return -1;
            }
            if (reader.frame.priority == s.priority && reader.frame.id > lastId) {
                return found;
            }
            p = found + 1;
        }
    }

    /** Whether the bytes at {@code off} announce a record that fits in the file: damaged, rather than torn. */
    private static boolean completeRecordAt(Segment s, long off, long length) throws IOException {
        if (length - off < RecordFormat.HEAD) {
            return false;
        }
        RandomAccessFile f = s.file();
        f.seek(off);
        int bodyLength = f.readInt();
        return bodyLength >= RecordFormat.MIN_BODY && bodyLength <= RecordFormat.MAX_BODY
                && off + RecordFormat.HEAD + bodyLength == length;
    }
}
