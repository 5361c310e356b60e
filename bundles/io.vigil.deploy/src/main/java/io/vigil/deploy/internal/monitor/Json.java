package io.vigil.deploy.internal.monitor;

import java.io.IOException;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

/**
 * JSON of watches, on disk and over REST. Figures that do not exist yet (the observed rate before the first window,
 * the thresholds of a watch without a baseline) are NaN in Java and null in JSON: NaN is not JSON, and a browser's
 * JSON.parse would refuse the whole document over one of them.
 */
final class Json {

    private static final TypeAdapter<Double> NAN_AS_NULL = new TypeAdapter<>() {
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

    static final Gson GSON = new GsonBuilder().registerTypeAdapter(double.class, NAN_AS_NULL)
            .registerTypeAdapter(Double.class, NAN_AS_NULL).disableHtmlEscaping().create();

    private Json() {
    }
}
