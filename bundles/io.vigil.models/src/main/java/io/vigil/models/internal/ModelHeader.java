package io.vigil.models.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code Vigil-Model} manifest header of a model bundle, e.g.
 * {@code Vigil-Model: bearing-fault;version=1.0.0;model=model/model.onnx;descriptor=model/descriptor.json}.
 * Name first, then attributes in OSGi header syntax; values may be quoted.
 *
 * @param name the model's name
 * @param version its version
 * @param model the path of the .onnx file in the bundle
 * @param descriptor the path of the JSON descriptor in the bundle
 */
record ModelHeader(String name, String version, String model, String descriptor) {

    static final String HEADER = "Vigil-Model";

    /** @throws IllegalArgumentException naming what is missing or malformed */
    static ModelHeader parse(String value) {
        String[] parts = value.split(";");
        String name = parts[0].trim();
        if (name.isEmpty() || name.contains("=")) {
            throw new IllegalArgumentException(HEADER + " must start with the model name, got '" + value + "'");
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].trim();
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(HEADER + " attribute '" + part + "' is not key=value in '"
                        + value + "'");
            }
            String key = part.substring(0, eq).trim();
            if (key.endsWith(":")) {
                key = key.substring(0, key.length() - 1); // directive syntax key:=value
            }
            String v = part.substring(eq + 1).trim();
            if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                v = v.substring(1, v.length() - 1);
            }
            attributes.put(key, v);
        }
        return new ModelHeader(name, require(attributes, "version", value), require(attributes, "model", value),
                require(attributes, "descriptor", value));
    }

    private static String require(Map<String, String> attributes, String key, String value) {
        String v = attributes.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(HEADER + " lacks the '" + key + "' attribute in '" + value + "'");
        }
        return v;
    }
}
