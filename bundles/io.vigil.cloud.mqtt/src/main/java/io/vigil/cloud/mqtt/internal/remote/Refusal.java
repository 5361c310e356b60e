package io.vigil.cloud.mqtt.internal.remote;

import java.util.LinkedHashMap;
import java.util.Map;

import io.vigil.cloud.mqtt.internal.kura.MetricValue;

/** A request that is answered with an error code; the message names the bad value and what to do. */
final class Refusal extends Exception {

    private static final long serialVersionUID = 1L;

    final int code;
    /** Extra reply metrics, such as a machine-readable reason. */
    final transient Map<String, MetricValue> metrics = new LinkedHashMap<>();

    Refusal(int code, String message) {
        super(message);
        this.code = code;
    }

    Refusal with(String metric, String value) {
        metrics.put(metric, MetricValue.of(value));
        return this;
    }

    Refusal with(String metric, int value) {
        metrics.put(metric, MetricValue.of(value));
        return this;
    }

    static Refusal badRequest(String message) {
        return new Refusal(400, message);
    }

    static Refusal notFound(String message) {
        return new Refusal(404, message);
    }

    static Refusal conflict(String message) {
        return new Refusal(409, message);
    }

    static Refusal unavailable(String service, String bundle) {
        return new Refusal(503, "the " + service + " is not running on this gateway (bundle " + bundle
                + "); try again when it is started");
    }
}
