package io.vigil.rest.json;

import java.io.IOException;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

/**
 * Vigil's JSON: figures that cannot be computed yet (a statistic before its first window, a threshold without a
 * baseline) are NaN or infinite in Java and null in JSON, because neither is JSON and a browser's JSON.parse would
 * refuse the whole document over one of them; a null read back is NaN. No HTML escaping: the documents are data.
 */
public final class VigilJson {

    private static final TypeAdapter<Double> FINITE_OR_NULL = new TypeAdapter<>() {
        @Override
        public void write(JsonWriter out, Double value) throws IOException {
            if (value == null || !Double.isFinite(value)) {
                out.nullValue();
            } else {
                out.value(value.doubleValue());
            }
        }

        @Override
        public Double read(JsonReader in) throws IOException {
            if (in.peek() == JsonToken.NULL) {
                in.nextNull();
                return Double.NaN;
            }
            return in.nextDouble();
        }
    };

    /** Leaves null fields out (a NaN field is then absent, which JavaScript reads as undefined). */
    public static final Gson GSON = new GsonBuilder().registerTypeAdapter(double.class, FINITE_OR_NULL)
            .registerTypeAdapter(Double.class, FINITE_OR_NULL).disableHtmlEscaping().create();

    /** Writes null fields too, so every object keeps all its fields and a NaN shows as an explicit null. */
    public static final Gson GSON_WITH_NULLS = GSON.newBuilder().serializeNulls().create();

    private VigilJson() {
    }
}
