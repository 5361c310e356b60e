package io.vigil.cloud.mqtt.internal.remote;

import java.nio.charset.StandardCharsets;

import io.vigil.rest.json.VigilJson;

/**
 * JSON bodies of replies: records as objects with their component names, NaN and infinite figures as null, null
 * fields written too, so every object of a reply keeps all its fields ({@link VigilJson#GSON_WITH_NULLS}).
 */
final class Json {

    private Json() {
    }

    /** @return {@code value} as UTF-8 JSON */
    static byte[] bytes(Object value) {
        return VigilJson.GSON_WITH_NULLS.toJson(value).getBytes(StandardCharsets.UTF_8);
    }
}
