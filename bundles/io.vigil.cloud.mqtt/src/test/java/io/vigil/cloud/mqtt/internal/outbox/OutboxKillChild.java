package io.vigil.cloud.mqtt.internal.outbox;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The process {@link OutboxKillTest} kills: enqueues and sends (takes and acknowledges) in a loop and reports,
 * after each call returned, {@code E <id> <priority>}, {@code T <id>} (taken) or {@code A <id>} on a side file, one unbuffered write per
 * line, so that every line written survives the kill.
 */
public final class OutboxKillChild {

    private OutboxKillChild() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Random random = new Random(Long.parseLong(args[2]));
        OutboxConfig config = OutboxKillTest.config();
        try (FileOutputStream side = new FileOutputStream(args[1], true);
                Outbox outbox = Outbox.open(dir, config)) {
            side.write(("READY " + outbox.size() + "\n").getBytes(StandardCharsets.US_ASCII));
            byte[] payload = new byte[200];
            while (true) {
                if (random.nextInt(10) < 7) {
                    int priority = random.nextInt(4);
                    random.nextBytes(payload);
                    long id = outbox.enqueue(priority, "vigil/kill/p" + priority, payload, 1, false,
                            priority == 0 ? Kind.ALERT : Kind.DATA);
                    side.write(("E " + id + " " + priority + "\n").getBytes(StandardCharsets.US_ASCII));
                } else {
                    List<OutboxMessage> batch = outbox.take(1 + random.nextInt(8));
                    for (OutboxMessage m : batch) {
                        side.write(("T " + m.id() + "\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    for (OutboxMessage m : batch) {
                        if (random.nextInt(4) != 0) { // some stay in flight until the kill
                            outbox.ack(m.id());
                            side.write(("A " + m.id() + "\n").getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                }
            }
        }
    }
}
