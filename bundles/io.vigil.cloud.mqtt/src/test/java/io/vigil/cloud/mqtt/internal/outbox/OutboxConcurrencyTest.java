package io.vigil.cloud.mqtt.internal.outbox;

import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.payload;
import static io.vigil.cloud.mqtt.internal.outbox.OutboxTesting.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Four threads enqueue while a sender drains: nothing lost, nothing twice, order kept. */
class OutboxConcurrencyTest {

    private static final int PRODUCERS = 4;
    private static final int PER_PRODUCER = 20_000;

    @TempDir
    Path dir;

    @Test
    void fourProducersAndADrainerLoseAndDuplicateNothing() throws Exception {
        OutboxConfig config = OutboxConfig.defaults().withMaxMessageBytes(1024).withSegmentBytes(64 * 1024)
                .withMinFreeDiskBytes(0).withCheckpointEveryAcks(5000);
        Set<Long> returned = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + 1);
        try (Outbox outbox = Outbox.open(dir, config)) {
            AtomicBoolean producing = new AtomicBoolean(true);
            List<Future<?>> producers = new ArrayList<>();
            for (int t = 0; t < PRODUCERS; t++) {
                int producer = t;
                producers.add(pool.submit(() -> {
                    for (int i = 0; i < PER_PRODUCER; i++) {
                        int priority = (i * 7 + producer) % 4;
                        Kind kind = priority == 0 ? Kind.ALERT : Kind.DATA;
                        returned.add(outbox.enqueue(priority, "vigil/t" + producer, payload(producer + ":" + i), 1,
                                false, kind));
                    }
                    return null;
                }));
            }
            List<OutboxMessage> sent = new ArrayList<>();
            Future<?> drainer = pool.submit(() -> {
                while (true) {
                    boolean more = producing.get();
                    List<OutboxMessage> batch = outbox.take(256);
                    for (OutboxMessage m : batch) {
                        assertTrue(outbox.ack(m.id()), "ack of " + m.id());
                    }
                    sent.addAll(batch);
                    if (batch.isEmpty() && !more) {
                        return null;
                    }
                }
            });
            for (Future<?> f : producers) {
                f.get(120, TimeUnit.SECONDS);
            }
            producing.set(false);
            drainer.get(120, TimeUnit.SECONDS);

            assertEquals(PRODUCERS * PER_PRODUCER, returned.size(), "ids unique");
            assertEquals(PRODUCERS * PER_PRODUCER, sent.size(), "everything sent once");
            Set<Long> sentIds = new HashSet<>();
            Map<Integer, Long> lastIdByPriority = new HashMap<>();
            Map<String, Integer> lastSeqByProducerAndPriority = new HashMap<>();
            for (OutboxMessage m : sent) {
                assertTrue(sentIds.add(m.id()), "sent twice: " + m);
                Long before = lastIdByPriority.put(m.priority(), m.id());
                assertTrue(before == null || before < m.id(), "priority " + m.priority() + ": " + m.id() + " after "
                        + before);
                String[] parts = text(m).split(":");
                Integer seq = lastSeqByProducerAndPriority.put(parts[0] + "/" + m.priority(),
                        Integer.parseInt(parts[1]));
                assertTrue(seq == null || seq < Integer.parseInt(parts[1]), "FIFO of producer " + parts[0]);
            }
            assertEquals(returned, sentIds);
            assertEquals(0, outbox.size());
            assertEquals(PRODUCERS * PER_PRODUCER, outbox.stats().acked());
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }
}
