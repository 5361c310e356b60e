package io.vigil.cloud.mqtt.internal.outbox;

import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.alert;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.all;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.data;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.payload;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.small;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overflow policy and a full disk. */
class OutboxOverflowTest {

    @TempDir
    Path dir;

    private static OutboxConfig capacity(long messages) {
        return small().withCapacity(messages, 1L << 30);
    }

    @Test
    void dropsTheOldestOfTheLowestPriorityDataFirstAndNeverAnAlert() throws IOException {
        try (Outbox outbox = Outbox.open(dir, capacity(6))) {
            alert(outbox, 9, "a1"); // an alert at the lowest priority in use is still never dropped
            data(outbox, 5, "d1");
            data(outbox, 5, "d2");
            data(outbox, 9, "x1");
            data(outbox, 9, "x2");
            outbox.enqueue(3, "vigil/events", payload("e1"), 1, false, Kind.EVENT);

            data(outbox, 5, "d3"); // full: x1, the oldest data of the lowest priority, goes
            data(outbox, 9, "x3"); // same priority as the lowest: the oldest of it (x2) goes, not the new one
            alert(outbox, 0, "a2"); // x3 goes
            data(outbox, 2, "d4"); // no data left at 9: the oldest at 5 (d1) goes
            assertEquals(6, outbox.size());

            assertEquals(List.of("a2", "d4", "e1", "d2", "d3", "a1"), texts(all(outbox)));
            OutboxStats stats = outbox.stats();
            assertEquals(4, stats.dropped());
            assertEquals(3, stats.droppedByPriority()[9]);
            assertEquals(1, stats.droppedByPriority()[5]);
        }
        try (Outbox outbox = Outbox.open(dir, capacity(6))) {
            assertEquals(List.of("a2", "d4", "e1", "d2", "d3", "a1"), texts(all(outbox)), "drops are durable");
        }
    }

    @Test
    void dataOfLowerPriorityThanAllDroppableIsRefusedAndAlertsExceedTheBound() throws IOException {
        try (Outbox outbox = Outbox.open(dir, capacity(3))) {
            alert(outbox, 0, "a1");
            data(outbox, 1, "d1");
            data(outbox, 1, "d2");
            OutboxFullException refused = assertThrows(OutboxFullException.class, () -> data(outbox, 4, "low"));
            assertEquals(OutboxFullException.Reason.CAPACITY, refused.reason());
            assertTrue(refused.getMessage().contains(dir.toAbsolutePath().toString()), refused.getMessage());
            assertTrue(refused.getMessage().contains("capacity.messages=3"), refused.getMessage());

            data(outbox, 1, "d3"); // d1 goes
            alert(outbox, 1, "a2"); // d2 goes
            alert(outbox, 1, "a3"); // d3 goes
            alert(outbox, 2, "a4"); // nothing droppable left: stored beyond the bound
            assertThrows(OutboxFullException.class, () -> data(outbox, 0, "even urgent data"));
            assertEquals(List.of("a1", "a2", "a3", "a4"), texts(all(outbox)));
            OutboxStats stats = outbox.stats();
            assertEquals(4, stats.messages());
            assertEquals(1, stats.acceptedOverCapacity());
            assertEquals(2, stats.refused());
            assertEquals(3, stats.dropped());
        }
    }

    @Test
    void dataBehindAnAlertInTheSamePriorityIsDroppedAndStaysDroppedAfterReopen() throws IOException {
        try (Outbox outbox = Outbox.open(dir, capacity(4))) {
            data(outbox, 5, "d1");
            alert(outbox, 5, "a1");
            data(outbox, 5, "d2");
            alert(outbox, 5, "a2");
            alert(outbox, 5, "a3"); // d1, at the front, goes
            alert(outbox, 5, "a4"); // d2, behind a1, goes
            assertEquals(List.of("a1", "a2", "a3"), texts(outbox.take(3)));
        }
        try (Outbox outbox = Outbox.open(dir, capacity(4))) {
            assertEquals(List.of("a1", "a2", "a3", "a4"), texts(outbox.take(10)));
        }
    }

    @Test
    void messagesInFlightAreNotDropped() throws IOException {
        try (Outbox outbox = Outbox.open(dir, capacity(3))) {
            data(outbox, 7, "d1");
            data(outbox, 7, "d2");
            data(outbox, 7, "d3");
            assertEquals(List.of("d1", "d2"), texts(outbox.take(2)));
            data(outbox, 7, "d4"); // d3 goes: d1 and d2 are with the broker
            assertEquals(List.of("d4"), texts(outbox.take(1)));
            assertThrows(OutboxFullException.class, () -> data(outbox, 7, "d5"), "only in-flight data left");
            outbox.requeueInFlight();
            data(outbox, 7, "d6"); // now d1 is droppable again
            assertEquals(List.of("d2", "d4", "d6"), texts(outbox.take(10)));
        }
    }

    @Test
    void theByteCapacityBoundsTheOutboxToo() throws IOException {
        int frame = OutboxTesting.frameBytes("vigil/test/p3", "m00");
        OutboxConfig config = OutboxConfig.defaults().withMaxMessageBytes(1024).withSegmentBytes(4096)
                .withMinFreeDiskBytes(0).withCapacity(1_000_000, 4096);
        try (Outbox outbox = Outbox.open(dir, config)) {
            for (int i = 0; i < 200; i++) {
                data(outbox, 3, String.format("m%02d", i % 100));
            }
            assertEquals(4096 / frame, outbox.size());
            assertTrue(outbox.bytes() <= 4096, outbox.bytes() + " bytes");
            assertTrue(outbox.stats().diskBytes() <= 4 * 4096, outbox.stats().diskBytes() + " bytes on disk");
        }
    }

    @Test
    void aFullDiskRefusesNamingTheDirectoryAndLosesNothing() throws IOException {
        AtomicLong usable = new AtomicLong(10L << 30);
        OutboxConfig config = small().withMinFreeDiskBytes(64L << 20);
        try (Outbox outbox = Outbox.open(dir, config, usable::get)) {
            for (int i = 0; i < 5; i++) {
                alert(outbox, 0, "a" + i);
            }
            usable.set(64L << 20);
            OutboxFullException e = assertThrows(OutboxFullException.class, () -> alert(outbox, 0, "no room"));
            assertEquals(OutboxFullException.Reason.DISK, e.reason());
            assertEquals(dir.toAbsolutePath(), e.directory());
            assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
            assertTrue(e.getMessage().contains("min.free.disk.bytes"), e.getMessage());
            assertEquals(List.of("a0", "a1", "a2", "a3", "a4"), texts(all(outbox)));
            OutboxFullException check = assertThrows(OutboxFullException.class, () -> outbox.checkDiskRoom(1024));
            assertEquals(OutboxFullException.Reason.DISK, check.reason());
            assertEquals(5, outbox.size(), "checking stores nothing and drops nothing");
            usable.set(10L << 30);
            outbox.checkDiskRoom(1024);
            alert(outbox, 0, "room again");
        }
        try (Outbox outbox = Outbox.open(dir, config, () -> 10L << 30)) {
            assertEquals(List.of("a0", "a1", "a2", "a3", "a4", "room again"), texts(all(outbox)));
        }
    }
}
