package io.vigil.cloud.mqtt.internal.kura;

/**
 * A topic, or a topic segment, that does not fit Kura's MQTT namespace. The message quotes the offending topic
 * or segment and says what the namespace expects there.
 */
public final class MalformedTopicException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    MalformedTopicException(String message) {
        super(message);
    }
}
