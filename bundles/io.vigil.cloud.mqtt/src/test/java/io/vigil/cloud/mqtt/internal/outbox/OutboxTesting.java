package io.vigil.cloud.mqtt.internal.outbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Shared set-up of the outbox tests. */
final class OutboxTesting {

    private OutboxTesting() {
    }

    /** Small segments and messages, so that a test crosses segment boundaries with a few hundred records. */
    static OutboxConfig small() {
        return OutboxConfig.defaults().withMaxMessageBytes(1024).withSegmentBytes(4096)
                .withCapacity(1_000_000, 1L << 30).withMinFreeDiskBytes(0);
    }

    static byte[] payload(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(OutboxMessage m) {
        return new String(m.payload(), StandardCharsets.UTF_8);
    }

    static long data(Outbox outbox, int priority, String text) throws IOException {
        return outbox.enqueue(priority, "vigil/test/p" + priority, payload(text), 1, false, Kind.DATA);
    }

    static long alert(Outbox outbox, int priority, String text) throws IOException {
        return outbox.enqueue(priority, "vigil/test/alerts", payload(text), 1, false, Kind.ALERT);
    }

    /** Everything pending, without handing it out. */
    static List<OutboxMessage> all(Outbox outbox) throws IOException {
        return outbox.peek(Integer.MAX_VALUE);
    }

    /** Takes and acknowledges everything; returns it in the order it was handed out. */
    static List<OutboxMessage> drain(Outbox outbox) throws IOException {
        List<OutboxMessage> out = new ArrayList<>();
        for (List<OutboxMessage> batch = outbox.take(100); !batch.isEmpty(); batch = outbox.take(100)) {
            for (OutboxMessage m : batch) {
                if (!outbox.ack(m.id())) {
                    throw new AssertionError("ack of " + m + " refused");
                }
            }
            out.addAll(batch);
        }
        return out;
    }

    static List<Long> ids(List<OutboxMessage> messages) {
        return messages.stream().map(OutboxMessage::id).toList();
    }

    static List<String> texts(List<OutboxMessage> messages) {
        return messages.stream().map(OutboxTesting::text).toList();
    }

    static List<Path> segments(Path dir, int priority) throws IOException {
        Path lane = dir.resolve(Lane.directoryName(priority));
        if (!Files.isDirectory(lane)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(lane)) {
            return s.filter(p -> p.toString().endsWith(Segment.SUFFIX)).sorted().toList();
        }
    }

    static int frameBytes(String topic, String text) {
        return RecordFormat.FRAME_OVERHEAD + topic.getBytes(StandardCharsets.UTF_8).length
                + text.getBytes(StandardCharsets.UTF_8).length;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals("outbox.lock")) {
                    Files.copy(p, target);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
