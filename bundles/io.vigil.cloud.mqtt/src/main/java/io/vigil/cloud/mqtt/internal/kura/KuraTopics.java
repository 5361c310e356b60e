package io.vigil.cloud.mqtt.internal.kura;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Kura's MQTT topic namespace, built and parsed:
 * <ul>
 * <li>requests (control): {@code $EDC/<account>/<client>/<app>/<GET|PUT|POST|DEL|EXEC>/<resource...>}</li>
 * <li>replies: {@code $EDC/<account>/<requester>/<app>/REPLY/<request.id>}</li>
 * <li>data: {@code <account>/<client>/<app>/<resource...>}</li>
 * <li>lifecycle: {@code $EDC/<account>/<client>/MQTT/<BIRTH|DC|APPS|LWT>}</li>
 * </ul>
 * Every id and resource segment must be non-empty and free of {@code /}, the MQTT wildcards {@code +} and
 * {@code #}, and NUL; a data topic's account may not start with {@code $} (that would make it a broker system
 * topic). The app id {@code MQTT} belongs to lifecycle messages. Builders and parsers throw
 * {@link MalformedTopicException} naming the offending topic or segment.
 */
public final class KuraTopics {

    /** First segment of control, reply and lifecycle topics. */
    public static final String CONTROL_PREFIX = "$EDC";
    /** The pseudo app id of lifecycle topics. */
    public static final String LIFECYCLE_APP = "MQTT";
    /** The method segment of reply topics. */
    public static final String REPLY = "REPLY";
    /**
     * The method segment of notifications: progress of a long-running request, published by the gateway under its
     * own client id, {@code $EDC/<account>/<client>/<app>/NOTIFY/<requester>/<resource...>}. They match the
     * gateway's request subscription, so a request handler must skip them.
     */
    public static final String NOTIFY = "NOTIFY";

    /** MQTT's limit on a topic name: 65,535 bytes of UTF-8. */
    private static final int MAX_TOPIC_BYTES = 65_535;

    /** Request methods of Kura's request/response convention. */
    public enum Method {
        GET, PUT, POST, DEL, EXEC
    }

    /** Lifecycle messages: birth certificate, disconnect certificate, installed apps changed, last will. */
    public enum Lifecycle {
        BIRTH, DC, APPS, LWT
    }

    /** Any topic of the namespace; {@link #topic()} renders it. */
    public sealed interface KuraTopic permits ControlTopic, ReplyTopic, DataTopic, LifecycleTopic {
        String topic();
    }

    /** A request addressed to {@code clientId}'s app {@code appId}; {@code resources} may be empty. */
    public record ControlTopic(String account, String clientId, String appId, Method method, List<String> resources)
            implements KuraTopic {
        public ControlTopic {
            requireSegment("account", account);
            requireSegment("client id", clientId);
            requireApp(appId);
            Objects.requireNonNull(method, "method");
            resources = requireResources(resources, false);
            checkLength(topicOf(account, clientId, appId, method, resources));
        }

        @Override
        public String topic() {
            return topicOf(account, clientId, appId, method, resources);
        }

        /** @return the resource segments joined by {@code /}, empty when there are none */
        public String resource() {
            return String.join("/", resources);
        }

        private static String topicOf(String account, String clientId, String appId, Method method,
                List<String> resources) {
            String base = CONTROL_PREFIX + "/" + account + "/" + clientId + "/" + appId + "/" + method;
            return resources.isEmpty() ? base : base + "/" + String.join("/", resources);
        }
    }

    /** The reply to request {@code requestId}, published to the requester's own control space. */
    public record ReplyTopic(String account, String requesterClientId, String appId, String requestId)
            implements KuraTopic {
        public ReplyTopic {
            requireSegment("account", account);
            requireSegment("requester client id", requesterClientId);
            requireApp(appId);
            requireSegment("request id", requestId);
            checkLength(topicOf(account, requesterClientId, appId, requestId));
        }

        @Override
        public String topic() {
            return topicOf(account, requesterClientId, appId, requestId);
        }

        private static String topicOf(String account, String requester, String appId, String requestId) {
            return CONTROL_PREFIX + "/" + account + "/" + requester + "/" + appId + "/" + REPLY + "/" + requestId;
        }
    }

    /** Data published by {@code clientId}'s app {@code appId}; at least one resource segment. */
    public record DataTopic(String account, String clientId, String appId, List<String> resources)
            implements KuraTopic {
        public DataTopic {
            requireSegment("account", account);
            if (account.startsWith("$")) {
                throw new MalformedTopicException("account '" + account
                        + "' starts with '$': a data topic must not, since the broker reserves $-topics");
            }
            requireSegment("client id", clientId);
            requireApp(appId);
            resources = requireResources(resources, true);
            checkLength(topicOf(account, clientId, appId, resources));
        }

        @Override
        public String topic() {
            return topicOf(account, clientId, appId, resources);
        }

        public String resource() {
            return String.join("/", resources);
        }

        private static String topicOf(String account, String clientId, String appId, List<String> resources) {
            return account + "/" + clientId + "/" + appId + "/" + String.join("/", resources);
        }
    }

    /** A lifecycle message of {@code clientId}. */
    public record LifecycleTopic(String account, String clientId, Lifecycle kind) implements KuraTopic {
        public LifecycleTopic {
            requireSegment("account", account);
            requireSegment("client id", clientId);
            Objects.requireNonNull(kind, "kind");
        }

        @Override
        public String topic() {
            return CONTROL_PREFIX + "/" + account + "/" + clientId + "/" + LIFECYCLE_APP + "/" + kind;
        }
    }

    private KuraTopics() {
    }

    // --- builders ---------------------------------------------------------------------------------------------

    public static String control(String account, String clientId, String appId, Method method, String... resources) {
        return new ControlTopic(account, clientId, appId, method, List.of(resources)).topic();
    }

    public static String reply(String account, String requesterClientId, String appId, String requestId) {
        return new ReplyTopic(account, requesterClientId, appId, requestId).topic();
    }

    /**
     * @return the notification topic {@code $EDC/<account>/<client>/<app>/NOTIFY/<requester>/<resource...>} by which
     *         {@code clientId} tells {@code requesterClientId} how its request (e.g. an install) is getting on
     */
    public static String notification(String account, String clientId, String appId, String requesterClientId,
            String... resources) {
        requireSegment("account", account);
        requireSegment("client id", clientId);
        requireApp(appId);
        requireSegment("requester client id", requesterClientId);
        List<String> rest = requireResources(List.of(resources), false);
        String topic = CONTROL_PREFIX + "/" + account + "/" + clientId + "/" + appId + "/" + NOTIFY + "/"
                + requesterClientId + (rest.isEmpty() ? "" : "/" + String.join("/", rest));
        checkLength(topic);
        return topic;
    }

    public static String data(String account, String clientId, String appId, String... resources) {
        return new DataTopic(account, clientId, appId, List.of(resources)).topic();
    }

    public static String lifecycle(String account, String clientId, Lifecycle kind) {
        return new LifecycleTopic(account, clientId, kind).topic();
    }

    /**
     * @return the subscription that receives every request addressed to {@code clientId}:
     *         {@code $EDC/<account>/<client>/+/+/#}. MQTT 3.1.1 has no "no local", so the gateway's own lifecycle
     *         messages match it too; they parse as {@link LifecycleTopic} and are to be ignored.
     */
    public static String requestSubscription(String account, String clientId) {
        requireSegment("account", account);
        requireSegment("client id", clientId);
        return CONTROL_PREFIX + "/" + account + "/" + clientId + "/+/+/#";
    }

    // --- parsers ----------------------------------------------------------------------------------------------

    /** Parses any topic of the namespace: {@code $EDC/...} as request, reply or lifecycle, the rest as data. */
    public static KuraTopic parse(String topic) {
        String[] s = split(topic);
        if (!s[0].equals(CONTROL_PREFIX)) {
            return parseData(topic);
        }
        if (s.length == 5 && s[3].equals(LIFECYCLE_APP)) {
            return parseLifecycle(topic);
        }
        if (s.length >= 5 && s[4].equals(REPLY)) {
            return parseReply(topic);
        }
        return parseControl(topic);
    }

    /** Parses a request topic {@code $EDC/<account>/<client>/<app>/<method>/<resource...>}. */
    public static ControlTopic parseControl(String topic) {
        String[] s = split(topic);
        requireControlPrefix(topic, s);
        if (s.length < 5) {
            throw malformed(topic, "a request topic needs $EDC/<account>/<client>/<app>/<method>[/<resource>...], "
                    + "this one has " + s.length + " segment(s)");
        }
        checkSegments(topic, s);
        if (s[4].equals(REPLY)) {
            throw malformed(topic, "it is a reply topic, not a request");
        }
        return new ControlTopic(s[1], s[2], app(topic, s[3]), method(topic, s[4]),
                List.of(Arrays.copyOfRange(s, 5, s.length)));
    }

    /** Parses a reply topic {@code $EDC/<account>/<requester>/<app>/REPLY/<request.id>}. */
    public static ReplyTopic parseReply(String topic) {
        String[] s = split(topic);
        requireControlPrefix(topic, s);
        if (s.length != 6) {
            throw malformed(topic, "a reply topic is exactly $EDC/<account>/<requester>/<app>/REPLY/<request.id>, "
                    + "this one has " + s.length + " segment(s)");
        }
        checkSegments(topic, s);
        if (!s[4].equals(REPLY)) {
            throw malformed(topic, "segment 5 is '" + s[4] + "' where a reply topic has REPLY");
        }
        return new ReplyTopic(s[1], s[2], app(topic, s[3]), s[5]);
    }

    /** Parses a data topic {@code <account>/<client>/<app>/<resource...>}. */
    public static DataTopic parseData(String topic) {
        String[] s = split(topic);
        if (s[0].startsWith("$")) {
            throw malformed(topic, "a data topic must not start with '$' (found '" + s[0] + "')");
        }
        if (s.length < 4) {
            throw malformed(topic, "a data topic needs <account>/<client>/<app>/<resource>[/...], this one has "
                    + s.length + " segment(s)");
        }
        checkSegments(topic, s);
        return new DataTopic(s[0], s[1], app(topic, s[2]), List.of(Arrays.copyOfRange(s, 3, s.length)));
    }

    /** Parses a lifecycle topic {@code $EDC/<account>/<client>/MQTT/<BIRTH|DC|APPS|LWT>}. */
    public static LifecycleTopic parseLifecycle(String topic) {
        String[] s = split(topic);
        requireControlPrefix(topic, s);
        if (s.length != 5) {
            throw malformed(topic, "a lifecycle topic is exactly $EDC/<account>/<client>/MQTT/<BIRTH|DC|APPS|LWT>, "
                    + "this one has " + s.length + " segment(s)");
        }
        checkSegments(topic, s);
        if (!s[3].equals(LIFECYCLE_APP)) {
            throw malformed(topic, "segment 4 is '" + s[3] + "' where a lifecycle topic has MQTT");
        }
        Lifecycle kind;
        try {
            kind = Lifecycle.valueOf(s[4]);
        } catch (IllegalArgumentException e) {
            throw malformed(topic, "unknown lifecycle message '" + s[4] + "' (expected BIRTH, DC, APPS or LWT)");
        }
        return new LifecycleTopic(s[1], s[2], kind);
    }

    // --- checks -----------------------------------------------------------------------------------------------

    private static String[] split(String topic) {
        Objects.requireNonNull(topic, "topic");
        if (topic.isEmpty()) {
            throw new MalformedTopicException("empty topic");
        }
        return topic.split("/", -1); // -1 keeps trailing empty segments, so "a/b/" is caught
    }

    private static void requireControlPrefix(String topic, String[] s) {
        if (!s[0].equals(CONTROL_PREFIX)) {
            throw malformed(topic, "it starts with '" + s[0] + "' where control topics start with " + CONTROL_PREFIX);
        }
    }

    /** Checks every segment after the first, naming the first bad one with its 1-based position. */
    private static void checkSegments(String topic, String[] s) {
        for (int i = 0; i < s.length; i++) {
            String problem = segmentProblem(s[i]);
            if (problem != null) {
                throw malformed(topic, "segment " + (i + 1) + " " + problem);
            }
        }
    }

    private static String app(String topic, String appId) {
        if (appId.equals(LIFECYCLE_APP)) {
            throw malformed(topic, "app id MQTT is reserved for lifecycle messages ($EDC/<account>/<client>/MQTT/"
                    + "<BIRTH|DC|APPS|LWT>)");
        }
        return appId;
    }

    private static Method method(String topic, String method) {
        try {
            return Method.valueOf(method);
        } catch (IllegalArgumentException e) {
            throw malformed(topic, "unknown method '" + method + "' (expected GET, PUT, POST, DEL or EXEC)");
        }
    }

    private static MalformedTopicException malformed(String topic, String why) {
        return new MalformedTopicException("malformed Kura topic '" + topic + "': " + why);
    }

    /** @return what is wrong with a segment, or null when it is fine */
    private static String segmentProblem(String segment) {
        if (segment.isEmpty()) {
            return "is empty";
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '+' || c == '#') {
                return "'" + segment + "' contains the MQTT wildcard '" + c + "'";
            }
            if (c == '/') {
                return "'" + segment + "' contains '/'";
            }
            if (c == '\0') {
                return "'" + segment.replace("\0", "\\0") + "' contains NUL";
            }
        }
        return null;
    }

    private static void requireSegment(String what, String value) {
        Objects.requireNonNull(value, what);
        String problem = segmentProblem(value);
        if (problem != null) {
            throw new MalformedTopicException(what + " " + problem
                    + "; ids in Kura topics are single non-empty segments without / + # or NUL");
        }
    }

    private static void requireApp(String appId) {
        requireSegment("app id", appId);
        if (appId.equals(LIFECYCLE_APP)) {
            throw new MalformedTopicException("app id MQTT is reserved for lifecycle messages; use lifecycle(...)");
        }
    }

    private static List<String> requireResources(List<String> resources, boolean atLeastOne) {
        List<String> copy = List.copyOf(Objects.requireNonNull(resources, "resources"));
        if (atLeastOne && copy.isEmpty()) {
            throw new MalformedTopicException("a data topic needs at least one resource segment after the app id");
        }
        for (int i = 0; i < copy.size(); i++) {
            requireSegment("resource segment " + (i + 1), copy.get(i));
        }
        return copy;
    }

    private static void checkLength(String topic) {
        int bytes = topic.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_TOPIC_BYTES) {
            throw new MalformedTopicException("topic of " + bytes + " bytes exceeds MQTT's limit of " + MAX_TOPIC_BYTES
                    + " bytes: " + topic.substring(0, 80) + "...");
        }
    }
}
