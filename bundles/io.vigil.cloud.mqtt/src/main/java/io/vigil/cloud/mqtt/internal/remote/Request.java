package io.vigil.cloud.mqtt.internal.remote;

import java.util.List;
import java.util.Optional;

import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.ControlTopic;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.Method;
import io.vigil.cloud.mqtt.internal.kura.MetricValue;

/**
 * A request that passed every check before execution: addressed to this gateway, decoded, answerable and from an
 * allowed requester. Its metric getters refuse (400) a missing or ill-typed metric, naming it and the type
 * expected.
 */
record Request(ControlTopic topic, KuraPayload payload, String requestId, String requester) {

    Method method() {
        return topic.method();
    }

    List<String> resources() {
        return topic.resources();
    }

    /** @return who asked, as the services record it */
    String operator() {
        return "mqtt:" + requester;
    }

    /** @return e.g. {@code VIGIL-DEPLOY-V1 EXEC install}, for log lines */
    String describe() {
        return topic.appId() + " " + topic.method() + (topic.resources().isEmpty() ? "" : " " + topic.resource());
    }

    /** Refuses with 405 unless the request uses {@code allowed}. */
    void require(Method allowed) throws Refusal {
        if (topic.method() != allowed) {
            throw new Refusal(405, "method " + topic.method() + " is not allowed on " + topic.appId() + "/"
                    + topic.resource() + "; use " + allowed);
        }
    }

    /** @return a non-blank STRING metric, trimmed */
    String string(String name) throws Refusal {
        String s = optionalString(name).orElseThrow(() -> Refusal.badRequest("metric '" + name + "' (STRING) is "
                + "required for " + describe()));
        return s;
    }

    Optional<String> optionalString(String name) throws Refusal {
        Optional<MetricValue> v = payload.metric(name);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (!(v.get() instanceof MetricValue.StringValue s)) {
            throw illTyped(name, "STRING", v.get());
        }
        if (s.value().isBlank()) {
            throw Refusal.badRequest("metric '" + name + "' is blank; give a value or leave the metric out");
        }
        return Optional.of(s.value().trim());
    }

    long int64(String name) throws Refusal {
        MetricValue v = payload.metric(name).orElseThrow(() -> Refusal.badRequest("metric '" + name + "' (INT64) "
                + "is required for " + describe()));
        if (v instanceof MetricValue.LongValue l) {
            return l.value();
        }
        if (v instanceof MetricValue.IntValue i) {
            return i.value(); // an INT32 fits, and a hand-written request may well send one
        }
        throw illTyped(name, "INT64", v);
    }

    Optional<Integer> optionalInt32(String name) throws Refusal {
        Optional<MetricValue> v = payload.metric(name);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (v.get() instanceof MetricValue.IntValue i) {
            return Optional.of(i.value());
        }
        throw illTyped(name, "INT32", v.get());
    }

    boolean bool(String name) throws Refusal {
        Optional<MetricValue> v = payload.metric(name);
        if (v.isEmpty()) {
            return false;
        }
        if (v.get() instanceof MetricValue.BoolValue b) {
            return b.value();
        }
        throw illTyped(name, "BOOL", v.get());
    }

    private static Refusal illTyped(String name, String expected, MetricValue found) {
        return Refusal.badRequest("metric '" + name + "' must be of type " + expected + ", was " + found.type()
                + " " + shortValue(found) + "; send it as " + expected);
    }

    private static String shortValue(MetricValue v) {
        String s = v.toString();
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
