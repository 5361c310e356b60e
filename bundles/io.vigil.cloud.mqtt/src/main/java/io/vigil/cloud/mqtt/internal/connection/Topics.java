package io.vigil.cloud.mqtt.internal.connection;

import java.util.ArrayList;
import java.util.List;

import io.vigil.api.alert.Alert;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics;
import io.vigil.cloud.mqtt.internal.kura.MalformedTopicException;

/**
 * Vigil's data topics, all under the app id {@value CloudConnection#DATA_APP}:
 * <ul>
 * <li>{@code <account>/<client>/vigil/alerts/<asset>/<channel>}: alert raises and clears (Kura alert metrics);</li>
 * <li>{@code <account>/<client>/vigil/events/<event topic after vigil/>}: shadow and deployment events, e.g.
 * {@code events/shadow/READY}, {@code events/deploy/COMMITTED}, {@code events/deploy/monitor/PENDING_REVIEW};</li>
 * <li>{@code <account>/<client>/vigil/assets/<asset>}: periodic asset metrics.</li>
 * </ul>
 * An asset or channel id that cannot be a topic segment (it holds '+', '#' or '/') is left out of the topic; the
 * payload names it anyway.
 */
final class Topics {

    private Topics() {
    }

    static String alert(CloudClient.Settings s, Alert alert) {
        return data(s, "alerts", alert.assetId(), alert.channel());
    }

    static String event(CloudClient.Settings s, String eventTopic) {
        List<String> parts = new ArrayList<>(List.of(eventTopic.split("/")));
        if (!parts.isEmpty() && parts.get(0).equals("vigil")) {
            parts.remove(0);
        }
        parts.add(0, "events");
        return data(s, parts.toArray(String[]::new));
    }

    static String asset(CloudClient.Settings s, String assetId) {
        return data(s, "assets", assetId);
    }

    private static String data(CloudClient.Settings s, String... resources) {
        for (int n = resources.length; n > 0; n--) {
            try {
                return KuraTopics.data(s.account(), s.clientId(), CloudConnection.DATA_APP,
                        java.util.Arrays.copyOf(resources, n));
            } catch (MalformedTopicException e) {
                // an id that cannot be a segment: publish one level up
            }
        }
        return KuraTopics.data(s.account(), s.clientId(), CloudConnection.DATA_APP);
    }
}
