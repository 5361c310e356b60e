package io.vigil.rest.json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.vigil.api.rest.RestApi;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The request and response handling the JSON resources share. Errors are {@code {"error": sentence, "reason":
 * CODE}}.
 */
public final class JsonRequests {

    private JsonRequests() {
    }

    /** @return the segments of the path below the servlet's pattern, none for {@code /} or no path */
    public static String[] path(HttpServletRequest req) {
        String info = req.getPathInfo();
        if (info == null || info.equals("/")) {
            return new String[0];
        }
        return info.substring(1).split("/");
    }

    /** @return who asked, for logs and histories: {@code rest:<user>} as the REST context authenticated them */
    public static String user(HttpServletRequest req) {
        Object u = req.getAttribute(RestApi.USER_ATTRIBUTE);
        return u != null ? "rest:" + u : req.getRemoteUser() != null ? "rest:" + req.getRemoteUser() : "rest";
    }

    /**
     * Reads a command body: empty, or one JSON object of at most {@code maxBytes}.
     *
     * @param hint what a body of this resource is, for the 413 sentence (e.g. "a command body is a small JSON
     *        object")
     * @throws BadRequest 413 TOO_LARGE, 400 BAD_REQUEST for anything that is not a JSON object
     */
    public static JsonObject readObject(HttpServletRequest req, int maxBytes, String hint)
            throws IOException, BadRequest {
        byte[] bytes;
        try (InputStream in = req.getInputStream()) {
            bytes = in.readNBytes(maxBytes + 1);
        }
        if (bytes.length > maxBytes) {
            throw new BadRequest(413, "TOO_LARGE", "request body larger than " + maxBytes + " bytes; " + hint);
        }
        String text = new String(bytes, StandardCharsets.UTF_8).trim();
        if (text.isEmpty()) {
            return new JsonObject();
        }
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw new BadRequest(400, "BAD_REQUEST", "request body must be a JSON object, was: "
                        + abbreviate(text));
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new BadRequest(400, "BAD_REQUEST", "request body is not valid JSON (" + e.getMessage() + "): "
                    + abbreviate(text));
        }
    }

    /** @return the string field, null when absent or null */
    public static String string(JsonObject body, String name) throws BadRequest {
        JsonElement e = body.get(name);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new BadRequest(400, "BAD_REQUEST", "'" + name + "' must be a string, was " + e);
        }
        return e.getAsString();
    }

    /** @return the boolean field, false when absent or null */
    public static boolean bool(JsonObject body, String name) throws BadRequest {
        JsonElement e = body.get(name);
        if (e == null || e.isJsonNull()) {
            return false;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new BadRequest(400, "BAD_REQUEST", "'" + name + "' must be true or false, was " + e);
        }
        return e.getAsBoolean();
    }

    /** @return at most 80 characters of {@code s}, for quoting client input in messages */
    public static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** Sends {@code body} as JSON ({@link VigilJson#GSON}). */
    public static void send(HttpServletResponse resp, int status, Object body) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write(VigilJson.GSON.toJson(body));
    }

    public static void error(HttpServletResponse resp, int status, String reason, String message)
            throws IOException {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("reason", reason);
        send(resp, status, body);
    }

    public static void error(HttpServletResponse resp, BadRequest e) throws IOException {
        error(resp, e.status(), e.reason(), e.getMessage());
    }
}
