package io.vigil.cloud.mqtt.internal.remote;

import java.io.IOException;

import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.outbox.Kind;

/**
 * Publishes what the {@link RequestDispatcher} answers: replies and notifications. Implemented by the MQTT
 * connection, which stores the message in the disk outbox and returns; it never waits on the network, so a reply
 * to a request that arrives while the uplink flaps is sent when the uplink is back.
 */
@FunctionalInterface
public interface ReplySender {

    /**
     * @param topic the full MQTT topic
     * @param payload the message
     * @param priority the outbox priority (lower is sent first)
     * @param kind whether the outbox may drop the message on overflow
     * @throws IOException the message could not be stored; the dispatcher logs it
     */
    void send(String topic, KuraPayload payload, int priority, Kind kind) throws IOException;

    /**
     * Checked before a request is executed: throws when a reply could not be stored now (the outbox's disk is
     * full), so that the request is refused rather than executed unanswered.
     *
     * @throws IOException why nothing can be stored; the message names the directory and what to do
     */
    default void checkRoom() throws IOException {
    }

    /**
     * Publishes without storing, for the one reply that says the outbox is full.
     *
     * @return false when it could not be handed to a live connection
     */
    default boolean sendDirect(String topic, KuraPayload payload) {
        return false;
    }
}
