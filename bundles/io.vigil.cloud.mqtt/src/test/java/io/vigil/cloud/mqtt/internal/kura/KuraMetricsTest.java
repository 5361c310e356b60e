package io.vigil.cloud.mqtt.internal.kura;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertState;
import io.vigil.api.alert.Severity;
import io.vigil.api.detect.ModelRef;
import io.vigil.cloud.mqtt.testing.IndependentWireReader;
import io.vigil.cloud.mqtt.testing.IndependentWireReader.Kura;
import io.vigil.cloud.mqtt.testing.IndependentWireReader.Metric;

class KuraMetricsTest {

    private static final long STRING = 5;
    private static final long INT64 = 2;
    private static final long DOUBLE = 0;

    private final KuraPayloadCodec codec = new KuraPayloadCodec();

    /** What a consumer that never saw Vigil's code reads off the wire: name -> [type number, value]. */
    private Map<String, Object[]> onTheWire(KuraPayload p, boolean gzip) {
        Kura k = IndependentWireReader.readKura(codec.encode(p, gzip));
        Map<String, Object[]> out = new LinkedHashMap<>();
        for (Metric m : k.metrics()) {
            Object value = switch (m.type().intValue()) {
            case 0 -> m.only().asDouble();
            case 2 -> m.only().varint();
            case 5 -> m.only().string();
            default -> throw new AssertionError("unexpected type " + m.type() + " for " + m.name());
            };
            out.put(m.name(), new Object[] { m.type(), value });
        }
        return out;
    }

    private static Alert alert(AlertState state, double score) {
        return new Alert("a-000042", "pump-3", "vibration.x", new ModelRef("bearing-fault", "2.1.0"), Severity.MAJOR,
                state, score, 0.8, 1_700_000_000_000L, state == AlertState.RAISED ? 1_700_000_000_000L
                        : 1_700_000_090_000L, 1234, "pump-3 vibration.x: score 2.10 over 0.80");
    }

    @Test
    void raisedAlertAsKuraAlertMetrics() {
        KuraPayload p = KuraMetrics.alert(alert(AlertState.RAISED, 2.1));
        assertEquals(1_700_000_000_000L, p.timestampEpochMillis().getAsLong());

        Map<String, Object[]> wire = onTheWire(p, false);
        assertEquals(List.of("alert_code", "alert_severity", "alert_status", "alert_message", "alert_creation_date",
                "vigil.alert.id", "vigil.asset", "vigil.channel", "vigil.source.model", "vigil.source.version",
                "vigil.score", "vigil.threshold", "vigil.window.seq"), List.copyOf(wire.keySet()));
        assertWire(wire, "alert_code", STRING, "VIGIL-pump-3-vibration.x");
        assertWire(wire, "alert_severity", STRING, "MAJOR");
        assertWire(wire, "alert_status", STRING, "ACTIVE");
        assertWire(wire, "alert_message", STRING, "pump-3 vibration.x: score 2.10 over 0.80");
        assertWire(wire, "alert_creation_date", INT64, 1_700_000_000_000L);
        assertWire(wire, "vigil.alert.id", STRING, "a-000042");
        assertWire(wire, "vigil.asset", STRING, "pump-3");
        assertWire(wire, "vigil.channel", STRING, "vibration.x");
        assertWire(wire, "vigil.source.model", STRING, "bearing-fault");
        assertWire(wire, "vigil.source.version", STRING, "2.1.0");
        assertWire(wire, "vigil.score", DOUBLE, 2.1);
        assertWire(wire, "vigil.threshold", DOUBLE, 0.8);
        assertWire(wire, "vigil.window.seq", INT64, 1234L);
    }

    @Test
    void clearedAlertKeepsCodeSeverityAndCreationDate() throws Exception {
        KuraPayload raised = KuraMetrics.alert(alert(AlertState.RAISED, 2.1));
        KuraPayload cleared = KuraMetrics.alert(alert(AlertState.CLEARED, 0.3));
        assertEquals(1_700_000_090_000L, cleared.timestampEpochMillis().getAsLong(), "timestamp of the clear");

        Map<String, Object[]> wire = onTheWire(cleared, true);
        assertWire(wire, "alert_status", STRING, "CLEARED");
        assertWire(wire, "alert_creation_date", INT64, 1_700_000_000_000L);
        for (String same : List.of("alert_code", "alert_severity", "vigil.alert.id")) {
            assertEquals(raised.metric(same), cleared.metric(same), same);
        }
        assertEquals(cleared, codec.decode(codec.encode(cleared, true)));
    }

    @Test
    void everySeverityMapsToItsName() {
        for (Severity s : Severity.values()) {
            Alert a = new Alert("id", "a", "c", new ModelRef("tier0", "1.0.0"), s, AlertState.RAISED, 1, 1, 0, 0, 0,
                    "m");
            assertEquals(s.name(), KuraMetrics.alert(a).stringMetric("alert_severity").orElseThrow());
        }
        assertEquals(List.of("CRITICAL", "MAJOR", "MINOR", "WARNING"),
                List.of(Severity.values()).stream().map(Enum::name).toList(), "the documented mapping covers the enum");
    }

    @Test
    void brokenModelScoreTravelsAsNaN() {
        Map<String, Object[]> wire = onTheWire(KuraMetrics.alert(alert(AlertState.RAISED, Double.NaN)), false);
        assertTrue(Double.isNaN((Double) wire.get("vigil.score")[1]));
    }

    @Test
    void birthCertificateInKuraNamesAllStrings() throws Exception {
        KuraPosition site = KuraPosition.builder(46.05, 14.5).altitude(295).build();
        KuraPayload birth = KuraMetrics.birth()
                .displayName("Pump station 7")
                .hardware("Gateway X1", "X1-EU", null, "SN-0042", "fw 3.2", null)
                .os("Linux", "6.1.0", "aarch64")
                .jvm("OpenJDK 64-Bit Server VM", "17.0.15+6")
                .vigilVersion("0.1.0")
                .osgiFramework("Eclipse", "1.10.0")
                .connection("eth0", "10.1.2.3")
                .applicationIds(List.of("VIGIL-V1", "DEPLOY-V2"))
                .resources(4, 262_144)
                .position(site)
                .build(3_600_000, 1_700_000_000_000L);

        assertEquals(1_700_000_000_000L, birth.timestampEpochMillis().getAsLong());
        assertEquals(site, birth.position().orElseThrow());
        Map<String, Object[]> wire = onTheWire(birth, false);
        // part_number and bios_version are unknown, so absent, as Kura leaves out what it does not know
        assertEquals(List.of("uptime", "display_name", "model_name", "model_id", "serial_number", "firmware_version",
                "os", "os_version", "os_arch", "jvm_name", "jvm_version", "application_framework",
                "application_framework_version", "osgi_framework", "osgi_framework_version", "connection_interface",
                "connection_ip", "accept_encoding", "application_ids", "available_processors", "total_memory"),
                List.copyOf(wire.keySet()));
        for (Map.Entry<String, Object[]> e : wire.entrySet()) {
            assertEquals(STRING, e.getValue()[0], e.getKey() + " is a STRING, as back ends expect");
        }
        assertWire(wire, "uptime", STRING, "3600000");
        assertWire(wire, "display_name", STRING, "Pump station 7");
        assertWire(wire, "application_framework", STRING, "Vigil");
        assertWire(wire, "application_framework_version", STRING, "0.1.0");
        assertWire(wire, "application_ids", STRING, "VIGIL-V1,DEPLOY-V2");
        assertWire(wire, "accept_encoding", STRING, "gzip");
        assertWire(wire, "available_processors", STRING, "4");
        assertWire(wire, "total_memory", STRING, "262144");
        assertFalse(wire.containsKey("kura_version"), "Vigil does not claim to be Kura");
        assertEquals(birth, codec.decode(codec.encode(birth, false)));
    }

    @Test
    void birthFillsOsAndJvmFromTheRunningProcess() {
        KuraPayload birth = KuraMetrics.birth().displayName("gw").vigilVersion("0.1.0")
                .osgiFramework("Apache Software Foundation", "1.10.0").applicationIds(List.of()).build(1, 2);
        assertEquals(System.getProperty("os.name"), birth.stringMetric("os").orElseThrow());
        assertEquals(System.getProperty("java.vm.name"), birth.stringMetric("jvm_name").orElseThrow());
        assertEquals(Integer.toString(Runtime.getRuntime().availableProcessors()),
                birth.stringMetric("available_processors").orElseThrow());
        assertEquals("", birth.stringMetric("application_ids").orElseThrow(), "no apps yet is an empty list");
        assertTrue(birth.position().isEmpty());
    }

    @Test
    void birthNeedsTheFactsABackEndPlacesAGatewayBy() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KuraMetrics.birth().displayName("gw").build(1, 2));
        assertEquals("birth certificate lacks vigilVersion, applicationIds, osgiFramework", e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> KuraMetrics.birth().applicationIds(List.of("A,B")));
        assertTrue(bad.getMessage().contains("app id 'A,B'"), bad.getMessage());
    }

    @Test
    void disconnectAndLastWillCarryUptimeAndDisplayName() {
        for (KuraPayload p : List.of(KuraMetrics.disconnect("Pump station 7", 90_000, 1_700_000_000_000L),
                KuraMetrics.lastWill("Pump station 7", 90_000, 1_700_000_000_000L))) {
            Map<String, Object[]> wire = onTheWire(p, false);
            assertEquals(List.of("uptime", "display_name"), List.copyOf(wire.keySet()));
            assertWire(wire, "uptime", STRING, "90000");
            assertWire(wire, "display_name", STRING, "Pump station 7");
            assertEquals(1_700_000_000_000L, p.timestampEpochMillis().getAsLong());
        }
    }

    @Test
    void messageIdIsAnInt64MetricThatReplacesAnEarlierOne() {
        KuraPayload alert = KuraMetrics.alert(alert(AlertState.RAISED, 2.1));
        assertTrue(KuraMetrics.messageId(alert).isEmpty());
        KuraPayload withId = KuraMetrics.withMessageId(alert, 987_654_321_012L);
        assertEquals(987_654_321_012L, KuraMetrics.messageId(withId).getAsLong());
        KuraPayload again = KuraMetrics.withMessageId(withId, 5);
        assertEquals(5, KuraMetrics.messageId(again).getAsLong());
        assertEquals(alert.metrics().size() + 1, again.metrics().size());

        Map<String, Object[]> wire = onTheWire(withId, false);
        assertWire(wire, "vigil.msg.id", INT64, 987_654_321_012L);
        // a STRING id is not an id
        assertTrue(KuraMetrics.messageId(KuraPayload.builder().metric("vigil.msg.id", "7").build()).isEmpty());
    }

    @Test
    void requestMetricsAreReadAsStrings() {
        KuraPayload request = KuraPayload.builder().metric(KuraMetrics.REQUEST_ID, "17")
                .metric(KuraMetrics.REQUESTER_CLIENT_ID, "console-1").metric("other", 5L).build();
        assertEquals("17", request.stringMetric("request.id").orElseThrow());
        assertEquals("console-1", request.stringMetric("requester.client.id").orElseThrow());
        assertTrue(request.stringMetric("other").isEmpty(), "not a string");
        assertTrue(request.stringMetric("absent").isEmpty());
        assertNull(request.metrics().get("absent"));
    }

    private static void assertWire(Map<String, Object[]> wire, String name, long type, Object value) {
        Object[] tv = wire.get(name);
        assertTrue(tv != null, name + " missing from " + wire.keySet());
        assertEquals(type, tv[0], name + " type");
        assertEquals(value, tv[1], name);
    }
}
