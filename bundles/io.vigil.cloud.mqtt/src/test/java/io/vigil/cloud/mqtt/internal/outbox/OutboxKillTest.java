package io.vigil.cloud.mqtt.internal.outbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real process ({@link OutboxKillChild}) with SIGKILL at random moments while it enqueues and sends, then
 * opens its outbox and checks it against what the process reported: every id whose enqueue returned is there
 * unless its acknowledgement returned, no acknowledged id is there, no id twice, ids increasing within a priority
 * and across kills. The outbox carries over from kill to kill, as on a gateway.
 *
 * <p>{@code -Dvigil.outbox.kills=200} for a longer run; {@code -Dvigil.outbox.seed} for another sequence.
 */
class OutboxKillTest {

    private static final int KILLS = Integer.getInteger("vigil.outbox.kills", 20);
    private static final long SEED = Long.getLong("vigil.outbox.seed", 20261126L);

    @TempDir
    Path work;

    /** Small segments and frequent checkpoints, so that kills land in rolls and rotations too. */
    static OutboxConfig config() {
        return OutboxConfig.defaults().withMaxMessageBytes(1024).withSegmentBytes(32 * 1024)
                .withMinFreeDiskBytes(0).withCheckpointEveryAcks(200).withSyncIntervalMillis(50);
    }

    @Test
    void everyReturnedEnqueueSurvivesAKillAndNoAcknowledgedMessageComesBack() throws Exception {
        Path dir = work.resolve("outbox");
        Path side = work.resolve("side.txt");
        Random random = new Random(SEED);
        Set<Long> enqueued = new HashSet<>();
        Set<Long> ackedIds = new HashSet<>();
        Map<Long, Integer> priorityOf = new HashMap<>();
        long maxIdBefore = 0;
        long torn = 0;
        int linesRead = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            Process child = start(dir, side, random.nextLong(), kill);
            int readyAt = linesRead;
            int round = kill;
            await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                    .until(() -> {
                        if (!child.isAlive()) {
                            fail("the child ended (exit " + child.exitValue() + ") before READY: " + log(round));
                        }
                        return lines(side).stream().skip(readyAt).anyMatch(l -> l.startsWith("READY"));
                    });
            if (child.waitFor(20 + random.nextInt(400), TimeUnit.MILLISECONDS)) { // the random moment of the kill
                fail("the child ended by itself (exit " + child.exitValue() + "): " + log(kill));
            }
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));

            List<String> lines = lines(side);
            if (!lines.isEmpty() && !lines.get(lines.size() - 1).endsWith("\n")) {
                Files.writeString(side, "\n", StandardOpenOption.APPEND); // the next child starts a fresh line
            }
            long maxReturned = maxIdBefore;
            Set<Long> taken = new HashSet<>();
            for (String line : lines.subList(linesRead, lines.size())) {
                if (!line.endsWith("\n")) {
                    continue; // the kill came in the middle of writing this line
                }
                String[] f = line.trim().split(" ");
                if (f[0].equals("E")) {
                    long id = Long.parseLong(f[1]);
                    assertTrue(id > maxIdBefore, "id " + id + " not above those before the restart");
                    assertTrue(enqueued.add(id), "id " + id + " returned twice");
                    priorityOf.put(id, Integer.parseInt(f[2]));
                    maxReturned = Math.max(maxReturned, id);
                } else if (f[0].equals("T")) {
                    taken.add(Long.parseLong(f[1]));
                } else if (f[0].equals("A")) {
                    ackedIds.add(Long.parseLong(f[1]));
                }
            }
            linesRead = lines.size();

            try (Outbox outbox = Outbox.open(dir, config())) {
                torn += outbox.stats().tornRecordsRepaired();
                assertEquals(0, outbox.stats().damagedRecordsSkipped(), "a kill never damages a whole record");
                List<OutboxMessage> held = outbox.peek(Integer.MAX_VALUE);
                Set<Long> heldIds = new HashSet<>();
                Map<Integer, Long> lastByPriority = new HashMap<>();
                int unreported = 0;
                for (OutboxMessage m : held) {
                    assertTrue(heldIds.add(m.id()), "id " + m.id() + " held twice");
                    assertFalse(ackedIds.contains(m.id()), "acknowledged id " + m.id() + " came back, kill " + kill);
                    Long before = lastByPriority.put(m.priority(), m.id());
                    assertTrue(before == null || before < m.id(), "order of priority " + m.priority());
                    if (!enqueued.contains(m.id())) {
                        // written, but the kill came before its line: only the last enqueue can be so
                        assertTrue(m.id() > maxReturned, "unreported id " + m.id() + " among reported ones");
                        unreported++;
                        enqueued.add(m.id());
                        priorityOf.put(m.id(), m.priority());
                    } else {
                        assertEquals(priorityOf.get(m.id()), m.priority());
                    }
                }
                assertTrue(unreported <= 1, unreported + " unreported ids after kill " + kill);
                int ackedUnreported = 0;
                for (long id : enqueued) {
                    if (!ackedIds.contains(id) && !heldIds.contains(id)) {
                        if (taken.contains(id) && ackedUnreported++ == 0) {
                            ackedIds.add(id); // its ack() wrote, but the kill came before its line
                            continue;
                        }
                        fail("id " + id + " (priority " + priorityOf.get(id) + ") was enqueued, never acknowledged,"
                                + " and is gone after kill " + kill);
                    }
                }
                assertEquals(held.size(), outbox.size());
                maxIdBefore = Math.max(maxReturned, held.stream().mapToLong(OutboxMessage::id).max().orElse(0));
            }
        }
        System.out.println("OutboxKillTest: " + KILLS + " kills, " + enqueued.size() + " messages enqueued, "
                + ackedIds.size() + " acknowledged, torn records repaired " + torn);
        assertTrue(enqueued.size() > KILLS, "the child got to work: " + enqueued.size() + " enqueues");
    }

    private Process start(Path dir, Path side, long seed, int kill) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), OutboxKillChild.class.getName(), dir.toString(),
                side.toString(), Long.toString(seed)));
        Path logs = Files.createDirectories(work.resolve("logs"));
        return new ProcessBuilder(cmd).redirectOutput(logs.resolve(kill + ".out").toFile())
                .redirectError(logs.resolve(kill + ".err").toFile()).start();
    }

    private String log(int kill) throws IOException {
        Path err = work.resolve("logs").resolve(kill + ".err");
        return Files.exists(err) ? Files.readString(err) : "(no log)";
    }

    /** The side file's lines, each with its newline if it has one. */
    private static List<String> lines(Path side) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.exists(side)) {
            return out;
        }
        String all = new String(Files.readAllBytes(side), StandardCharsets.US_ASCII);
        int start = 0;
        for (int i = 0; i < all.length(); i++) {
            if (all.charAt(i) == '\n') {
                out.add(all.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < all.length()) {
            out.add(all.substring(start));
        }
        return out;
    }
}
