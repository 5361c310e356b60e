package io.vigil.cloud.mqtt.internal.outbox;

import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.all;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.copyTree;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.data;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.deleteTree;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.frameBytes;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.ids;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.segments;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.small;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a kill, a power loss or bit rot leaves in the files, and how opening repairs it. */
class OutboxRepairTest {

    private static final String TOPIC = "vigil/test/p0";

    @TempDir
    Path tmp;

    /** Ten records in one segment of priority 0; returns their ids. */
    private List<Long> tenRecords(Path dir) throws IOException {
        List<Long> ids = new ArrayList<>();
        try (Outbox outbox = Outbox.open(dir, small())) {
            for (int i = 0; i < 10; i++) {
                ids.add(data(outbox, 0, "message-" + i));
            }
        }
        assertEquals(1, segments(dir, 0).size());
        return ids;
    }

    private static long startOf(int record) {
        return Segment.HEADER + (long) record * frameBytes(TOPIC, "message-0");
    }

    @Test
    void aTornLastRecordIsCutOffAtEveryByteAndEverythingBeforeItKept() throws IOException {
        Path original = tmp.resolve("original");
        List<Long> ids = tenRecords(original);
        long lastStart = startOf(9);
        long end = startOf(10);
        assertEquals(end, Files.size(segments(original, 0).get(0)));
        for (long cut = lastStart; cut < end; cut++) {
            Path dir = tmp.resolve("cut-" + cut);
            copyTree(original, dir);
            try (RandomAccessFile f = new RandomAccessFile(segments(dir, 0).get(0).toFile(), "rw")) {
                f.setLength(cut);
            }
            try (Outbox outbox = Outbox.open(dir, small())) {
                OutboxStats stats = outbox.stats();
                assertEquals(cut == lastStart ? 0 : 1, stats.tornRecordsRepaired(), "cut at " + cut);
                assertEquals(cut - lastStart, stats.tornBytesRepaired(), "cut at " + cut);
                assertEquals(0, stats.damagedRecordsSkipped(), "cut at " + cut);
                assertEquals(ids.subList(0, 9), ids(all(outbox)), "cut at " + cut);
                long next = data(outbox, 0, "after");
                assertTrue(next > ids.get(9), "the torn record's id " + ids.get(9) + " is not reused: " + next);
                assertEquals(lastStart + frameBytes(TOPIC, "after"), Files.size(segments(dir, 0).get(0)),
                        "appended right after the last whole record");
            }
            try (Outbox outbox = Outbox.open(dir, small())) {
                assertEquals(0, outbox.stats().tornRecordsRepaired(), "repaired for good; cut at " + cut);
                assertEquals(10, outbox.size());
            }
            deleteTree(dir);
        }
    }

    @Test
    void aKillWhileStartingASegmentLeavesNothingToRepairButTheStub() throws IOException {
        Path dir = tmp.resolve("stub");
        List<Long> ids = tenRecords(dir);
        Path stub = dir.resolve(Lane.directoryName(0)).resolve(Segment.fileName(ids.get(9) + 1));
        Files.write(stub, new byte[] {'V', 'G', 'O'});
        try (Outbox outbox = Outbox.open(dir, small())) {
            assertEquals(1, outbox.stats().tornRecordsRepaired());
            assertEquals(ids, ids(all(outbox)));
            assertTrue(Files.notExists(stub));
        }
    }

    @Test
    void aFlippedBitInAMiddleRecordSkipsThatRecordOnlyAndSaysSo() throws IOException {
        Path dir = tmp.resolve("payload-flip");
        List<Long> ids = tenRecords(dir);
        flipBit(segments(dir, 0).get(0), startOf(4) + frameBytes(TOPIC, "message-0") - 2, 3); // in the payload
        assertSkipsOnlyRecord4(dir, ids);
    }

    @Test
    void aFlippedBitInTheLengthOfAMiddleRecordIsResynchronisedPast() throws IOException {
        Path dir = tmp.resolve("length-flip");
        List<Long> ids = tenRecords(dir);
        flipBit(segments(dir, 0).get(0), startOf(4) + 2, 6); // the length now claims ~16 KB more
        assertSkipsOnlyRecord4(dir, ids);
    }

    private void assertSkipsOnlyRecord4(Path dir, List<Long> ids) throws IOException {
        List<Long> expected = new ArrayList<>(ids);
        expected.remove(4);
        try (Outbox outbox = Outbox.open(dir, small())) {
            OutboxStats stats = outbox.stats();
            assertEquals(1, stats.damagedRecordsSkipped());
            assertEquals(frameBytes(TOPIC, "message-4"), stats.damagedBytesSkipped());
            assertEquals(0, stats.tornRecordsRepaired());
            assertEquals(9, outbox.size());
            assertEquals(expected, ids(all(outbox)));
            List<OutboxMessage> sent = OutboxTesting.drain(outbox);
            assertEquals(expected, ids(sent));
            assertEquals(1, outbox.stats().damagedRecordsSkipped(), "counted once, not again when read");
        }
        try (Outbox outbox = Outbox.open(dir, small())) {
            assertEquals(List.of(), all(outbox), "the damaged segment went with its acknowledged records");
        }
    }

    @Test
    void aFlippedBitInTheLastRecordCutsItOffAsDamaged() throws IOException {
        Path dir = tmp.resolve("last-flip");
        List<Long> ids = tenRecords(dir);
        flipBit(segments(dir, 0).get(0), startOf(9) + 20, 0);
        try (Outbox outbox = Outbox.open(dir, small())) {
            assertEquals(1, outbox.stats().damagedRecordsSkipped());
            assertEquals(0, outbox.stats().tornRecordsRepaired());
            assertEquals(ids.subList(0, 9), ids(all(outbox)));
        }
    }

    @Test
    void damageAppearingWhileOpenIsSkippedWhenRead() throws IOException {
        Path dir = tmp.resolve("late-damage");
        String big = "x".repeat(900);
        try (Outbox outbox = Outbox.open(dir, small())) {
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                ids.add(data(outbox, 0, i + big));
            }
            List<Path> files = segments(dir, 0);
            assertTrue(files.size() > 20, files.size() + " segments");
            assertEquals(2, outbox.take(2).size());
            Path victim = files.get(10);
            long victimId = Long.parseLong(victim.getFileName().toString().replace(Segment.SUFFIX, ""));
            flipBit(victim, Segment.HEADER + 100, 1); // in the first record of that segment
            List<Long> rest = ids(outbox.take(1000));
            List<Long> expected = new ArrayList<>(ids.subList(2, 100));
            expected.remove(victimId);
            assertEquals(expected, rest);
            assertEquals(1, outbox.stats().damagedRecordsSkipped());
        }
    }

    @Test
    void aDamagedAcknowledgementLogTailOnlyCostsDuplicates() throws IOException {
        Path dir = tmp.resolve("acks");
        List<Long> ids = tenRecords(dir);
        try (Outbox outbox = Outbox.open(dir, small())) {
            for (OutboxMessage m : outbox.take(4)) {
                outbox.ack(m.id());
            }
        }
        Path acks;
        try (var s = Files.list(dir)) {
            acks = s.filter(p -> p.getFileName().toString().startsWith(AckLog.PREFIX)).findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(acks.toFile(), "rw")) {
            f.setLength(f.length() - 5); // the fourth acknowledgement torn
        }
        try (Outbox outbox = Outbox.open(dir, small())) {
            assertEquals(ids.subList(3, 10), ids(all(outbox)), "the torn acknowledgement's message comes again");
        }
    }

    private static void flipBit(Path file, long offset, int bit) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ (1 << bit));
        }
    }
}
