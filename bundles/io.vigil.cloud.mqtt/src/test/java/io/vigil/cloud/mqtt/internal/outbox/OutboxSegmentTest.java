package io.vigil.cloud.mqtt.internal.outbox;

import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.all;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.data;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.drain;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.ids;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.segments;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.small;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disk use stays bounded: acknowledged segments and replaced acknowledgement logs are deleted. */
class OutboxSegmentTest {

    @TempDir
    Path dir;

    private long ackLogs() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(AckLog.PREFIX)).count();
        }
    }

    @Test
    void acknowledgedSegmentsAreDeletedAsTheSenderGoes() throws IOException {
        OutboxConfig config = small().withCheckpointEveryAcks(100);
        String text = "y".repeat(200);
        try (Outbox outbox = Outbox.open(dir, config)) {
            for (int i = 0; i < 1000; i++) {
                data(outbox, i % 2, i + text);
            }
            int full = segments(dir, 0).size() + segments(dir, 1).size();
            assertTrue(full > 50, full + " segments");
            long diskFull = outbox.stats().diskBytes();

            List<OutboxMessage> firstHalf = new ArrayList<>();
            while (firstHalf.size() < 500) {
                for (OutboxMessage m : outbox.take(50)) {
                    outbox.ack(m.id());
                    firstHalf.add(m);
                }
            }
            assertTrue(segments(dir, 0).size() <= 1, "priority 0 fully sent: " + segments(dir, 0));
            long diskHalf = outbox.stats().diskBytes();
            assertTrue(diskHalf < diskFull * 0.65, diskHalf + " of " + diskFull);

            drain(outbox);
            // the segment being appended to stays while it is under a quarter of segment.bytes
            assertTrue(segments(dir, 0).size() <= 1, segments(dir, 0).toString());
            assertTrue(segments(dir, 1).size() <= 1, segments(dir, 1).toString());
            assertTrue(outbox.stats().diskBytes() < 3 * 4096, outbox.stats().diskBytes() + " bytes on disk");
            outbox.flush();
            assertEquals(1, ackLogs(), "replaced acknowledgement logs deleted once their successor is on disk");
        }
        try (Outbox outbox = Outbox.open(dir, config)) {
            assertEquals(List.of(), all(outbox));
            assertEquals(0, outbox.size());
            assertTrue(segments(dir, 0).isEmpty() && segments(dir, 1).isEmpty(), "nothing left to keep");
        }
    }

    @Test
    void checkpointsKeepOutOfOrderAcknowledgementsAndDrops() throws IOException {
        OutboxConfig config = small().withCheckpointEveryAcks(3);
        List<Long> ids = new ArrayList<>();
        try (Outbox outbox = Outbox.open(dir, config)) {
            for (int i = 0; i < 40; i++) {
                ids.add(data(outbox, 2, "m" + i));
            }
            List<OutboxMessage> taken = outbox.take(20);
            for (int i = 19; i >= 0; i -= 2) { // every second one, newest first: holes behind the head
                outbox.ack(taken.get(i).id());
            }
        }
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            if (i >= 20 || i % 2 == 0) {
                expected.add(ids.get(i));
            }
        }
        try (Outbox outbox = Outbox.open(dir, config)) {
            assertEquals(expected, ids(all(outbox)));
            assertEquals(expected, ids(drain(outbox)));
        }
    }
}
