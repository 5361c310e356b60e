package io.vigil.cloud.mqtt.internal.remote;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import io.vigil.cloud.mqtt.internal.kura.KuraMetrics;
import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.kura.MetricValue;

/** A successful outcome: scalar results as metrics, a list or object as a JSON body. */
final class Reply {

    private final Map<String, MetricValue> metrics = new LinkedHashMap<>();
    private byte[] body;
    /** What the log line says happened, besides the code. */
    private String summary = "";
    private Runnable whenSent = () -> {
    };
    private Runnable whenNotSent = () -> {
    };

    static Reply ok() {
        return new Reply();
    }

    /** @return a reply whose body is {@code list} as a JSON array, with its size in {@value RemoteMetrics#COUNT} */
    static Reply list(Collection<?> list) {
        return ok().metric(RemoteMetrics.COUNT, list.size()).json(list).summary(list.size() + " entries");
    }

    Reply metric(String name, String value) {
        metrics.put(name, MetricValue.of(value));
        return this;
    }

    Reply metric(String name, int value) {
        metrics.put(name, MetricValue.of(value));
        return this;
    }

    Reply metric(String name, long value) {
        metrics.put(name, MetricValue.of(value));
        return this;
    }

    Reply json(Object value) {
        body = Json.bytes(value);
        return this;
    }

    Reply summary(String summary) {
        this.summary = summary;
        return this;
    }

    String summary() {
        return summary;
    }

    /**
     * Work that must follow the reply rather than precede it (an install job, whose notifications must not overtake
     * the reply that accepts it), and what to do instead when the reply could not be stored.
     */
    Reply afterReply(Runnable whenSent, Runnable whenNotSent) {
        this.whenSent = whenSent;
        this.whenNotSent = whenNotSent;
        return this;
    }

    void sent() {
        whenSent.run();
    }

    void notSent() {
        whenNotSent.run();
    }

    KuraPayload payload(long nowEpochMillis) {
        KuraPayload.Builder b = KuraPayload.builder().timestamp(nowEpochMillis).metric(KuraMetrics.RESPONSE_CODE, 200);
        metrics.forEach(b::metric);
        if (body != null) {
            b.body(body);
        }
        return b.build();
    }

    static KuraPayload error(int code, String message, Map<String, MetricValue> extra, long nowEpochMillis) {
        KuraPayload.Builder b = KuraPayload.builder().timestamp(nowEpochMillis).metric(KuraMetrics.RESPONSE_CODE, code)
                .metric(KuraMetrics.RESPONSE_EXCEPTION_MESSAGE, message);
        extra.forEach(b::metric);
        return b.build();
    }
}
