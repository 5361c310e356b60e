package io.vigil.cloud.mqtt.internal.outbox;

import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.all;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.alert;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.data;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.drain;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.ids;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.payload;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.small;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.texts;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxOrderTest {

    @TempDir
    Path dir;

    @Test
    void handsOutByPriorityThenFifoWithAllFieldsIntact() throws IOException {
        try (Outbox outbox = Outbox.open(dir, small())) {
            data(outbox, 5, "d1");
            alert(outbox, 0, "a1");
            data(outbox, 5, "d2");
            outbox.enqueue(2, "vigil/lifecycle/birth", payload("b1"), 0, true, Kind.LIFECYCLE);
            alert(outbox, 0, "a2");
            data(outbox, 15, "last");
            data(outbox, 5, "d3");

            List<OutboxMessage> out = outbox.take(100);
            assertEquals(List.of("a1", "a2", "b1", "d1", "d2", "d3", "last"), texts(out));
            OutboxMessage birth = out.get(2);
            assertEquals("vigil/lifecycle/birth", birth.topic());
            assertEquals(Kind.LIFECYCLE, birth.kind());
            assertEquals(0, birth.qos());
            assertTrue(birth.retain());
            assertEquals(2, birth.priority());
            assertArrayEquals(payload("b1"), birth.payload());
        }
    }

    @Test
    void takeResumesAfterWhatWasHandedOutAndHigherPriorityComesFirst() throws IOException {
        try (Outbox outbox = Outbox.open(dir, small())) {
            for (int i = 0; i < 10; i++) {
                data(outbox, 3, "d" + i);
            }
            assertEquals(List.of("d0", "d1", "d2"), texts(outbox.take(3)));
            alert(outbox, 0, "urgent");
            assertEquals(List.of("urgent", "d3", "d4"), texts(outbox.take(3)));
            assertEquals(List.of("d5", "d6"), texts(outbox.peek(2)));
            assertEquals(List.of("d5", "d6"), texts(outbox.take(2)), "peek hands nothing out");
            assertEquals(8, outbox.inFlight());
            assertEquals(11, outbox.size());
        }
    }

    @Test
    void idsIncreaseAndNeverRepeatAcrossReopen() throws IOException {
        List<Long> ids = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            try (Outbox outbox = Outbox.open(dir, small())) {
                for (int i = 0; i < 50; i++) {
                    ids.add(data(outbox, i % 3, "r" + round + "m" + i));
                }
                if (round % 2 == 1) {
                    drain(outbox); // also after everything was acknowledged and its segments deleted
                }
            }
        }
        for (int i = 1; i < ids.size(); i++) {
            assertTrue(ids.get(i) > ids.get(i - 1), "id " + ids.get(i) + " after " + ids.get(i - 1));
        }
    }

    @Test
    void acknowledgedMessagesAreNotReturnedAfterReopenAndInFlightOnesAreWithTheSameId() throws IOException {
        List<Long> sent;
        try (Outbox outbox = Outbox.open(dir, small())) {
            for (int i = 0; i < 10; i++) {
                data(outbox, 1, "m" + i);
            }
            List<OutboxMessage> taken = outbox.take(6);
            sent = ids(taken);
            // acknowledged out of order, as a broker may after a reconnect
            assertTrue(outbox.ack(sent.get(4)));
            assertTrue(outbox.ack(sent.get(1)));
            assertTrue(outbox.ack(sent.get(0)));
            assertFalse(outbox.ack(sent.get(0)), "a duplicate acknowledgement changes nothing");
            assertEquals(7, outbox.size());
        }
        try (Outbox outbox = Outbox.open(dir, small())) {
            List<OutboxMessage> again = outbox.take(100);
            assertEquals(List.of("m2", "m3", "m5", "m6", "m7", "m8", "m9"), texts(again));
            assertEquals(List.of(sent.get(2), sent.get(3), sent.get(5)), ids(again).subList(0, 3),
                    "redelivered with the ids they had");
            assertEquals(7, outbox.size());
        }
    }

    @Test
    void requeueHandsInFlightMessagesOutAgainInOrder() throws IOException {
        try (Outbox outbox = Outbox.open(dir, small())) {
            for (int i = 0; i < 6; i++) {
                data(outbox, 4, "m" + i);
            }
            alert(outbox, 0, "a");
            List<OutboxMessage> first = outbox.take(5);
            outbox.ack(first.get(2).id());
            assertEquals(4, outbox.requeueInFlight());
            assertFalse(outbox.ack(first.get(0).id()), "an acknowledgement from before the requeue is ignored");
            List<OutboxMessage> again = outbox.take(100);
            assertEquals(List.of("a", "m0", "m2", "m3", "m4", "m5"), texts(again));
            assertEquals(4, outbox.stats().redelivered());
        }
    }

    @Test
    void closedOutboxRefusesClearly() throws IOException {
        Outbox outbox = Outbox.open(dir, small());
        outbox.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> data(outbox, 0, "late"));
        assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
        assertFalse(outbox.ack(1));
    }

    @Test
    void badArgumentsAreRefusedWithTheOffendingValue() throws IOException {
        try (Outbox outbox = Outbox.open(dir, small())) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> data(outbox, 16, "x")).getMessage()
                    .contains("16"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> outbox.enqueue(0, "t", new byte[2000], 1, false, Kind.DATA)).getMessage()
                    .contains("max.message.bytes=1024"));
            assertThrows(IllegalArgumentException.class, () -> outbox.enqueue(0, "", new byte[1], 1, false, Kind.DATA));
            assertThrows(IllegalArgumentException.class, () -> outbox.enqueue(0, "t", new byte[1], 3, false, Kind.DATA));
            assertEquals(0, outbox.size());
        }
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() throws IOException {
        try (Outbox outbox = Outbox.open(dir, small())) {
            IOException e = assertThrows(IOException.class, () -> Outbox.open(dir, small()));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
        }
    }

    @Test
    void fsyncDurabilityReturnsAfterTheSync() throws IOException {
        try (Outbox outbox = Outbox.open(dir, small().withDurability(Durability.FSYNC))) {
            for (int i = 0; i < 20; i++) {
                data(outbox, 0, "m" + i);
            }
            assertTrue(outbox.stats().syncs() >= 1);
            assertEquals(20, drain(outbox).size());
        }
        try (Outbox outbox = Outbox.open(dir, small())) {
            assertEquals(List.of(), all(outbox));
        }
    }
}
