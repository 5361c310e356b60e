package io.vigil.cloud.mqtt.internal.remote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;

/**
 * JSON bodies of replies: records as objects with their component names. Figures that cannot be computed yet are
 * NaN (or infinite) in Java and null in JSON, since neither is JSON and a strict parser would refuse the whole body
 * over one of them (the shadow and deployment REST resources map them the same way, but leave the null fields out).
 */
final class Json {

    /** Write-only: request bodies are never parsed, requests carry metrics. */
    private static final TypeAdapter<Double> FINITE_OR_NULL = new TypeAdapter<>() {
        @Override
        public void write(JsonWriter out, Double value) throws IOException {
            if (value == null || value.isNaN() || value.isInfinite()) {
                out.nullValue();
            } else {
                out.value(value.doubleValue());
            }
        }

        @Override
        public Double read(JsonReader in) {
            throw new UnsupportedOperationException("remote-management JSON is only written");
        }
    };

    /** With serializeNulls, so a NaN stays in the body as an explicit null and every object keeps all its fields. */
    private static final Gson GSON = new GsonBuilder().registerTypeAdapter(double.class, FINITE_OR_NULL)
            .registerTypeAdapter(Double.class, FINITE_OR_NULL).serializeNulls().disableHtmlEscaping().create();

    private Json() {
    }

    /** @return {@code value} as UTF-8 JSON */
    static byte[] bytes(Object value) {
        return GSON.toJson(value).getBytes(StandardCharsets.UTF_8);
    }
}
