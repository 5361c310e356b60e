package io.vigil.cloud.mqtt.internal.kura;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertState;

/**
 * The metrics Vigil publishes in Kura's vocabulary: birth (and APPS), disconnect and last-will certificates,
 * alerts, the outbox's message id, and the names of Kura's request/response metrics.
 * <p>
 * Certificates carry every metric as {@code STRING}, as Kura does; back ends that manage Kura gateways read
 * them as strings, so a number in another type would break them.
 */
public final class KuraMetrics {

    // --- birth / disconnect certificate metric names, as Kura's certificates spell them ----------------------
    public static final String UPTIME = "uptime";
    public static final String DISPLAY_NAME = "display_name";
    public static final String MODEL_NAME = "model_name";
    public static final String MODEL_ID = "model_id";
    public static final String PART_NUMBER = "part_number";
    public static final String SERIAL_NUMBER = "serial_number";
    public static final String FIRMWARE_VERSION = "firmware_version";
    public static final String BIOS_VERSION = "bios_version";
    public static final String OS = "os";
    public static final String OS_VERSION = "os_version";
    public static final String OS_ARCH = "os_arch";
    public static final String JVM_NAME = "jvm_name";
    public static final String JVM_VERSION = "jvm_version";
    public static final String APPLICATION_FRAMEWORK = "application_framework";
    public static final String APPLICATION_FRAMEWORK_VERSION = "application_framework_version";
    public static final String OSGI_FRAMEWORK = "osgi_framework";
    public static final String OSGI_FRAMEWORK_VERSION = "osgi_framework_version";
    public static final String CONNECTION_INTERFACE = "connection_interface";
    public static final String CONNECTION_IP = "connection_ip";
    public static final String ACCEPT_ENCODING = "accept_encoding";
    public static final String APPLICATION_IDS = "application_ids";
    public static final String AVAILABLE_PROCESSORS = "available_processors";
    public static final String TOTAL_MEMORY = "total_memory";

    /** What Vigil reports as {@value #APPLICATION_FRAMEWORK}. */
    public static final String VIGIL = "Vigil";

    // --- request / response (Kura's convention) ----------------------------------------------------------------
    public static final String REQUEST_ID = "request.id";
    public static final String REQUESTER_CLIENT_ID = "requester.client.id";
    public static final String RESPONSE_CODE = "response.code";
    /** {@code STRING} on an error reply: what was wrong, naming the bad value, and what to do. */
    public static final String RESPONSE_EXCEPTION_MESSAGE = "response.exception.message";

    // --- alerts ----------------------------------------------------------------------------------------------
    public static final String ALERT_CODE = "alert_code";
    public static final String ALERT_SEVERITY = "alert_severity";
    public static final String ALERT_STATUS = "alert_status";
    public static final String ALERT_MESSAGE = "alert_message";
    public static final String ALERT_CREATION_DATE = "alert_creation_date";
    /** {@value #ALERT_STATUS} of a raised alert that has not cleared yet. */
    public static final String STATUS_ACTIVE = "ACTIVE";
    /** {@value #ALERT_STATUS} of an alert episode that has ended. */
    public static final String STATUS_CLEARED = "CLEARED";
    /** Prefix of {@value #ALERT_CODE}: {@code VIGIL-<asset>-<channel>}. */
    public static final String ALERT_CODE_PREFIX = "VIGIL-";

    // Vigil's own metrics: prefixed, so they never collide with a name Kura or a back end gives meaning to
    public static final String ALERT_ID = "vigil.alert.id";
    public static final String ASSET = "vigil.asset";
    public static final String CHANNEL = "vigil.channel";
    public static final String SOURCE_MODEL = "vigil.source.model";
    public static final String SOURCE_VERSION = "vigil.source.version";
    public static final String SCORE = "vigil.score";
    public static final String THRESHOLD = "vigil.threshold";
    public static final String WINDOW_SEQ = "vigil.window.seq";

    /**
     * {@code INT64} id the outbox assigns to every message before its first send attempt; unique per gateway and
     * increasing in enqueue order. QoS 1 may deliver a message twice, so a consumer drops a repeated id.
     */
    public static final String MESSAGE_ID = "vigil.msg.id";

    private KuraMetrics() {
    }

    /**
     * @return a birth certificate builder with the OS and JVM facts of the running process filled in; set the
     *         display name, Vigil's version, the app ids and the OSGi framework before {@code build}
     */
    public static Birth birth() {
        Runtime rt = Runtime.getRuntime();
        return new Birth().os(System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("os.arch"))
                .jvm(System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"))
                .resources(rt.availableProcessors(), rt.totalMemory() / 1024);
    }

    /**
     * The disconnect certificate, published on {@code $EDC/<account>/<client>/MQTT/DC} before a clean
     * disconnect.
     *
     * @param uptimeMillis how long the gateway has been running, in milliseconds
     */
    public static KuraPayload disconnect(String displayName, long uptimeMillis, long nowEpochMillis) {
        return KuraPayload.builder().timestamp(nowEpochMillis)
                .metric(UPTIME, Long.toString(uptimeMillis))
                .metric(DISPLAY_NAME, Objects.requireNonNull(displayName, "displayName")).build();
    }

    /**
     * The last-will certificate, handed to the broker at connect time and published by it on
     * {@code $EDC/<account>/<client>/MQTT/LWT} if the connection dies. Same metrics as the disconnect
     * certificate, so its uptime and timestamp are those of the connect, not of the loss.
     */
    public static KuraPayload lastWill(String displayName, long uptimeMillisAtConnect, long connectEpochMillis) {
        return disconnect(displayName, uptimeMillisAtConnect, connectEpochMillis);
    }

    /**
     * An alert state change as Kura alert metrics. Mapping:
     * <ul>
     * <li>{@value #ALERT_CODE}: {@code VIGIL-<asset>-<channel>}, one code per monitored condition. It does not
     * name the model, so a dashboard keeps following "pump-7 vibration" when a model is promoted or rolled
     * back; the model is in {@value #SOURCE_MODEL} and {@value #SOURCE_VERSION}.</li>
     * <li>{@value #ALERT_SEVERITY}: Vigil's severity name, CRITICAL, MAJOR, MINOR or WARNING (the X.733
     * perceived severities; a clear repeats the severity of its raise).</li>
     * <li>{@value #ALERT_STATUS}: {@value #STATUS_ACTIVE} for a raise, {@value #STATUS_CLEARED} for a clear:
     * the state the alert is in after this message, rather than the event.</li>
     * <li>{@value #ALERT_MESSAGE}: the alert's message.</li>
     * <li>{@value #ALERT_CREATION_DATE}: {@code INT64} epoch milliseconds when the episode was raised; a raise
     * and its clear carry the same value. The payload timestamp is when this state change happened.</li>
     * <li>extra: {@value #ALERT_ID} (the episode id, shared by raise and clear), {@value #ASSET},
     * {@value #CHANNEL}, {@value #SOURCE_MODEL}, {@value #SOURCE_VERSION} (strings), {@value #SCORE} and
     * {@value #THRESHOLD} ({@code DOUBLE}; a broken model's score is NaN) and {@value #WINDOW_SEQ}
     * ({@code INT64}).</li>
     * </ul>
     */
    public static KuraPayload alert(Alert alert) {
        return KuraPayload.builder().timestamp(alert.timestampEpochMillis())
                .metric(ALERT_CODE, alertCode(alert.assetId(), alert.channel()))
                .metric(ALERT_SEVERITY, alert.severity().name())
                .metric(ALERT_STATUS, alert.state() == AlertState.RAISED ? STATUS_ACTIVE : STATUS_CLEARED)
                .metric(ALERT_MESSAGE, alert.message())
                .metric(ALERT_CREATION_DATE, alert.raisedAtEpochMillis())
                .metric(ALERT_ID, alert.id())
                .metric(ASSET, alert.assetId())
                .metric(CHANNEL, alert.channel())
                .metric(SOURCE_MODEL, alert.source().name())
                .metric(SOURCE_VERSION, alert.source().version())
                .metric(SCORE, alert.score())
                .metric(THRESHOLD, alert.threshold())
                .metric(WINDOW_SEQ, alert.windowSeq())
                .build();
    }

    /** @return {@code VIGIL-<asset>-<channel>} */
    public static String alertCode(String assetId, String channel) {
        return ALERT_CODE_PREFIX + assetId + "-" + channel;
    }

    /** @return the payload with {@value #MESSAGE_ID} set (replacing any earlier id) */
    public static KuraPayload withMessageId(KuraPayload payload, long messageId) {
        return payload.toBuilder().metric(MESSAGE_ID, messageId).build();
    }

    /** @return the {@value #MESSAGE_ID} of a payload, if it has one of type {@code INT64} */
    public static OptionalLong messageId(KuraPayload payload) {
        return payload.metric(MESSAGE_ID).orElse(null) instanceof MetricValue.LongValue v ? OptionalLong.of(v.value())
                : OptionalLong.empty();
    }

    /**
     * Birth certificate (also the payload of {@code APPS}, republished when the set of apps changes). Metrics
     * whose value is unknown are left out, as Kura does; {@code kura_version} is never sent, since Vigil is not
     * Kura and back ends gate Kura-specific features on it.
     */
    public static final class Birth {
        private String displayName;
        private String modelName;
        private String modelId;
        private String partNumber;
        private String serialNumber;
        private String firmwareVersion;
        private String biosVersion;
        private String os;
        private String osVersion;
        private String osArch;
        private String jvmName;
        private String jvmVersion;
        private String vigilVersion;
        private String osgiFramework;
        private String osgiFrameworkVersion;
        private String connectionInterface;
        private String connectionIp;
        private List<String> applicationIds;
        private Integer availableProcessors;
        private Long totalMemoryKib;
        private KuraPosition position;

        private Birth() {
        }

        public Birth displayName(String displayName) {
            this.displayName = displayName;
            return this;
        }

        /** Hardware identity, from the gateway's configuration; null for what is unknown. */
        public Birth hardware(String modelName, String modelId, String partNumber, String serialNumber,
                String firmwareVersion, String biosVersion) {
            this.modelName = modelName;
            this.modelId = modelId;
            this.partNumber = partNumber;
            this.serialNumber = serialNumber;
            this.firmwareVersion = firmwareVersion;
            this.biosVersion = biosVersion;
            return this;
        }

        public Birth os(String name, String version, String arch) {
            this.os = name;
            this.osVersion = version;
            this.osArch = arch;
            return this;
        }

        public Birth jvm(String name, String version) {
            this.jvmName = name;
            this.jvmVersion = version;
            return this;
        }

        /** Reported as {@value KuraMetrics#APPLICATION_FRAMEWORK} {@value KuraMetrics#VIGIL}, version {@code vigilVersion}. */
        public Birth vigilVersion(String vigilVersion) {
            this.vigilVersion = vigilVersion;
            return this;
        }

        /**
         * @param name the framework's {@code org.osgi.framework.vendor} property (e.g. Eclipse, Apache Software
         *        Foundation)
         * @param version its {@code org.osgi.framework.version} property (the OSGi core spec version)
         */
        public Birth osgiFramework(String name, String version) {
            this.osgiFramework = name;
            this.osgiFrameworkVersion = version;
            return this;
        }

        /** The network interface and local address of the MQTT connection; null when unknown. */
        public Birth connection(String interfaceName, String ip) {
            this.connectionInterface = interfaceName;
            this.connectionIp = ip;
            return this;
        }

        /** The app ids Vigil answers requests for, published comma-separated. */
        public Birth applicationIds(List<String> applicationIds) {
            for (String id : applicationIds) {
                if (id.isEmpty() || id.indexOf(',') >= 0) {
                    throw new IllegalArgumentException(
                            "app id '" + id + "' cannot go into " + APPLICATION_IDS + ": it must be non-empty without ','");
                }
            }
            this.applicationIds = List.copyOf(applicationIds);
            return this;
        }

        /**
         * @param totalMemoryKib the JVM's total memory in KiB
         */
        public Birth resources(int availableProcessors, long totalMemoryKib) {
            this.availableProcessors = availableProcessors;
            this.totalMemoryKib = totalMemoryKib;
            return this;
        }

        /** The site's position, carried in the payload's position field. */
        public Birth position(KuraPosition position) {
            this.position = position;
            return this;
        }

        /**
         * @param uptimeMillis how long the gateway has been running, in milliseconds
         * @throws IllegalStateException when the display name, Vigil version, app ids or OSGi framework are
         *         missing: a back end cannot place a gateway without them
         */
        public KuraPayload build(long uptimeMillis, long nowEpochMillis) {
            List<String> missing = new ArrayList<>();
            if (displayName == null) {
                missing.add("displayName");
            }
            if (vigilVersion == null) {
                missing.add("vigilVersion");
            }
            if (applicationIds == null) {
                missing.add("applicationIds");
            }
            if (osgiFramework == null || osgiFrameworkVersion == null) {
                missing.add("osgiFramework");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("birth certificate lacks " + String.join(", ", missing));
            }
            KuraPayload.Builder b = KuraPayload.builder().timestamp(nowEpochMillis);
            b.metric(UPTIME, Long.toString(uptimeMillis));
            b.metric(DISPLAY_NAME, displayName);
            put(b, MODEL_NAME, modelName);
            put(b, MODEL_ID, modelId);
            put(b, PART_NUMBER, partNumber);
            put(b, SERIAL_NUMBER, serialNumber);
            put(b, FIRMWARE_VERSION, firmwareVersion);
            put(b, BIOS_VERSION, biosVersion);
            put(b, OS, os);
            put(b, OS_VERSION, osVersion);
            put(b, OS_ARCH, osArch);
            put(b, JVM_NAME, jvmName);
            put(b, JVM_VERSION, jvmVersion);
            b.metric(APPLICATION_FRAMEWORK, VIGIL);
            b.metric(APPLICATION_FRAMEWORK_VERSION, vigilVersion);
            b.metric(OSGI_FRAMEWORK, osgiFramework);
            b.metric(OSGI_FRAMEWORK_VERSION, osgiFrameworkVersion);
            put(b, CONNECTION_INTERFACE, connectionInterface);
            put(b, CONNECTION_IP, connectionIp);
            // Vigil's decoder gunzips whatever starts with the gzip magic
            b.metric(ACCEPT_ENCODING, "gzip");
            b.metric(APPLICATION_IDS, String.join(",", applicationIds));
            put(b, AVAILABLE_PROCESSORS, availableProcessors == null ? null : availableProcessors.toString());
            put(b, TOTAL_MEMORY, totalMemoryKib == null ? null : totalMemoryKib.toString());
            if (position != null) {
                b.position(position);
            }
            return b.build();
        }

        private static void put(KuraPayload.Builder b, String name, String value) {
            if (value != null && !value.isEmpty()) {
                b.metric(name, value);
            }
        }
    }
}
