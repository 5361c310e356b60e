package io.vigil.cloud.mqtt.internal.connection;

import java.time.Instant;

import io.vigil.cloud.mqtt.internal.outbox.OutboxStats;

/** The text of Gogo {@code vigil:cloud}. */
final class StatusText {

    private StatusText() {
    }

    static String of(CloudClient.Status s, OutboxStats o, long notStored) {
        StringBuilder b = new StringBuilder();
        b.append("cloud ").append(s.clientId()).append(" (account ").append(s.account()).append(") -> ")
                .append(s.brokerUrl()).append(": ").append(s.state());
        if (s.connectedSinceEpochMillis() > 0) {
            b.append(" since ").append(Instant.ofEpochMilli(s.connectedSinceEpochMillis()));
        }
        if (s.nextAttemptEpochMillis() > 0) {
            b.append(", next attempt ").append(Instant.ofEpochMilli(s.nextAttemptEpochMillis())).append(" (")
                    .append(s.failedAttempts()).append(" failed in a row)");
        }
        b.append('\n');
        if (!s.lastError().isEmpty()) {
            b.append("  last error: ").append(s.lastError()).append('\n');
        }
        b.append("  connections: ").append(s.connections()).append(", acknowledged by the broker: ").append(s.sent())
                .append('\n');
        b.append("  outbox: ").append(o.messages()).append(" message(s), ").append(o.bytes()).append(" bytes, ")
                .append(o.inFlight()).append(" in flight; enqueued ").append(o.enqueued()).append(", acked ")
                .append(o.acked()).append(", dropped ").append(o.dropped()).append(", refused ").append(o.refused())
                .append(", sent again ").append(o.redelivered()).append('\n');
        if (notStored > 0) {
            b.append("  not stored (see the log): ").append(notStored).append('\n');
        }
        return b.toString();
    }
}
