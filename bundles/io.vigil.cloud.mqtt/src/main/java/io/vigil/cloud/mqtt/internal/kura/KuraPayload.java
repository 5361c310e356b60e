package io.vigil.cloud.mqtt.internal.kura;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Vigil's view of a kurapayload message: an optional timestamp (epoch milliseconds), an optional position,
 * metrics by name in the order they were added (and in wire order after decoding), and an optional body.
 * Immutable; build one with {@link #builder()}, encode and decode it with {@link KuraPayloadCodec}.
 */
public final class KuraPayload {

    private final Long timestampEpochMillis;
    private final KuraPosition position;
    private final Map<String, MetricValue> metrics;
    private final byte[] body;

    private KuraPayload(Builder b) {
        this.timestampEpochMillis = b.timestampEpochMillis;
        this.position = b.position;
        this.metrics = Collections.unmodifiableMap(new LinkedHashMap<>(b.metrics));
        this.body = b.body == null ? null : b.body.clone();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder that starts from this payload's content */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.timestampEpochMillis = timestampEpochMillis;
        b.position = position;
        b.metrics.putAll(metrics);
        b.body = body;
        return b;
    }

    public OptionalLong timestampEpochMillis() {
        return timestampEpochMillis == null ? OptionalLong.empty() : OptionalLong.of(timestampEpochMillis);
    }

    public Optional<KuraPosition> position() {
        return Optional.ofNullable(position);
    }

    /** @return the metrics by name, unmodifiable, in insertion (or wire) order */
    public Map<String, MetricValue> metrics() {
        return metrics;
    }

    public Optional<MetricValue> metric(String name) {
        return Optional.ofNullable(metrics.get(name));
    }

    /**
     * @return the value of a {@code STRING} metric; empty when the metric is absent or has another type, which
     *         for request metrics such as {@code request.id} both mean "missing"
     */
    public Optional<String> stringMetric(String name) {
        return metrics.get(name) instanceof MetricValue.StringValue s ? Optional.of(s.value()) : Optional.empty();
    }

    /** @return a copy of the body, if there is one (an empty body is a body) */
    public Optional<byte[]> body() {
        return body == null ? Optional.empty() : Optional.of(body.clone());
    }

    @Override
    public boolean equals(Object o) {
        // metrics compare in order: two payloads whose metrics differ only in order encode differently
        return o instanceof KuraPayload p && Objects.equals(timestampEpochMillis, p.timestampEpochMillis)
                && Objects.equals(position, p.position) && metrics.equals(p.metrics)
                && List.copyOf(metrics.keySet()).equals(List.copyOf(p.metrics.keySet()))
                && Arrays.equals(body, p.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(timestampEpochMillis, position, metrics, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "KuraPayload[timestamp=" + timestampEpochMillis + ", position=" + position + ", metrics=" + metrics
                + ", body=" + (body == null ? "none" : body.length + " bytes") + "]";
    }

    public static final class Builder {
        private Long timestampEpochMillis;
        private KuraPosition position;
        private final LinkedHashMap<String, MetricValue> metrics = new LinkedHashMap<>();
        private byte[] body;

        private Builder() {
        }

        public Builder timestamp(long epochMillis) {
            this.timestampEpochMillis = epochMillis;
            return this;
        }

        public Builder position(KuraPosition position) {
            this.position = Objects.requireNonNull(position, "position");
            return this;
        }

        /** Adds a metric, or replaces the value of one with that name (keeping its place in the order). */
        public Builder metric(String name, MetricValue value) {
            metrics.put(Objects.requireNonNull(name, "metric name"), Objects.requireNonNull(value, name));
            return this;
        }

        /** Adds a {@code STRING} metric. */
        public Builder metric(String name, String value) {
            return metric(name, MetricValue.of(value));
        }

        /** Adds an {@code INT64} metric. */
        public Builder metric(String name, long value) {
            return metric(name, MetricValue.of(value));
        }

        /** Adds an {@code INT32} metric. */
        public Builder metric(String name, int value) {
            return metric(name, MetricValue.of(value));
        }

        /** Adds a {@code DOUBLE} metric. */
        public Builder metric(String name, double value) {
            return metric(name, MetricValue.of(value));
        }

        /** Adds a {@code FLOAT} metric. */
        public Builder metric(String name, float value) {
            return metric(name, MetricValue.of(value));
        }

        /** Adds a {@code BOOL} metric. */
        public Builder metric(String name, boolean value) {
            return metric(name, MetricValue.of(value));
        }

        /** Adds a {@code BYTES} metric. */
        public Builder metric(String name, byte[] value) {
            return metric(name, MetricValue.of(value));
        }

        boolean hasMetric(String name) {
            return metrics.containsKey(name);
        }

        public Builder body(byte[] body) {
            this.body = Objects.requireNonNull(body, "body").clone();
            return this;
        }

        public KuraPayload build() {
            return new KuraPayload(this);
        }
    }
}
