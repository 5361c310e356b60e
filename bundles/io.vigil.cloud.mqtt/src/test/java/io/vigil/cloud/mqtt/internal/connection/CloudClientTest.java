package io.vigil.cloud.mqtt.internal.connection;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.SocketFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.outbox.Kind;
import io.vigil.cloud.mqtt.internal.outbox.Outbox;
import io.vigil.cloud.mqtt.internal.outbox.OutboxConfig;
import io.vigil.cloud.mqtt.testing.IndependentWireReader;
import io.vigil.cloud.mqtt.testing.KuraTestSubscriber;
import io.vigil.cloud.mqtt.testing.MosquittoBroker;

/**
 * The connection against a real mosquitto on a loopback port, read back by an independent subscriber and
 * decoder: certificates, store-and-forward through broker outages and restarts of the client, order per
 * priority, ids, gzip, TLS, requests.
 */
class CloudClientTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static MosquittoBroker broker;

    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private int subscribers;

    @BeforeAll
    static void startBroker() {
        broker = MosquittoBroker.startTls();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        if (!broker.running()) {
            broker.startAgain();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    private String clientId() {
        return "gw-" + getClass().getSimpleName().toLowerCase() + "-" + System.nanoTime();
    }

    private static CloudClient.Settings settings(String url, String clientId, SocketFactory sf, boolean gzip) {
        return new CloudClient.Settings(url, clientId, "acme", "", "", new char[0], sf, true, 30, 5, 0.05, 0.5,
                64, gzip);
    }

    private Outbox outbox(String name) throws IOException {
        return Outbox.open(dir.resolve(name), OutboxConfig.defaults().withMaxMessageBytes(64 * 1024).withSegmentBytes(256 * 1024));
    }

    private KuraTestSubscriber subscriber(String... filters) {
        return track(KuraTestSubscriber.connect(broker.url(), "backend-" + (++subscribers) + "-" + System.nanoTime(),
                filters));
    }

    private static KuraPayload payload(String text) {
        return KuraPayload.builder().timestamp(1).metric("text", text).build();
    }

    private static Map<String, IndependentWireReader.Metric> metrics(IndependentWireReader.Kura k) {
        Map<String, IndependentWireReader.Metric> m = new LinkedHashMap<>();
        k.metrics().forEach(x -> m.put(x.name(), x));
        return m;
    }

    /** The message id (INT64, field 5) of a received message, read independently. */
    private static long id(KuraTestSubscriber sub, KuraTestSubscriber.Received r) {
        IndependentWireReader.Metric m = metrics(sub.decode(r)).get("vigil.msg.id");
        assertEquals(2L, m.type(), "vigil.msg.id is INT64 (type 2)");
        IndependentWireReader.Field f = m.only();
        assertEquals(5, f.number(), "an INT64 metric's value is long_value (5)");
        return f.varint();
    }

    private static String text(KuraTestSubscriber sub, KuraTestSubscriber.Received r) {
        return metrics(sub.decode(r)).get("text").only().string();
    }

    @Test
    void birthOnConnectThenStoredMessagesWithTheirIds() throws Exception {
        String id = clientId();
        KuraTestSubscriber sub = subscriber("$EDC/acme/" + id + "/MQTT/#", "acme/" + id + "/#");
        Outbox box = track(outbox("a"));
        CloudClient c = track(new CloudClient(settings(broker.url(), id, null, false), box, null,
                () -> KuraPayload.builder().metric("display_name", "pump house").build()));
        long first = c.publish(2, Kind.DATA, "acme/" + id + "/vigil/assets/p1", payload("one"));
        c.start();
        KuraTestSubscriber.Received birth = sub.awaitOne("$EDC/acme/" + id + "/MQTT/BIRTH", WAIT);
        assertEquals("pump house", metrics(sub.decode(birth)).get("display_name").only().string());
        long second = c.publish(2, Kind.DATA, "acme/" + id + "/vigil/assets/p1", payload("two"));
        sub.awaitCount("acme/" + id + "/vigil/assets/p1", 2, WAIT);
        List<KuraTestSubscriber.Received> got = sub.on("acme/" + id + "/vigil/assets/p1");
        assertEquals(List.of(first, second), List.of(id(sub, got.get(0)), id(sub, got.get(1))));
        assertEquals(List.of("one", "two"), List.of(text(sub, got.get(0)), text(sub, got.get(1))));
        await().atMost(WAIT).until(() -> box.size() == 0);
        assertTrue(sub.received().indexOf(birth) < sub.received().indexOf(got.get(0)),
                "the birth certificate comes before anything stored");
        assertEquals(CloudClient.State.CONNECTED, c.status().state());
    }

    @Test
    void aBrokerOutageWithTrafficFlowingLosesNothingAndKeepsOrderPerPriority() throws Exception {
        String id = clientId();
        KuraTestSubscriber sub = subscriber("acme/" + id + "/#");
        Outbox box = track(outbox("b"));
        CloudClient c = track(new CloudClient(settings(broker.url(), id, null, false), box, null,
                () -> KuraPayload.builder().build()));
        c.start();
        await().atMost(WAIT).until(() -> c.status().state() == CloudClient.State.CONNECTED);
        Map<Long, Integer> priorityOf = new LinkedHashMap<>();
        int n = 0;
        for (; n < 300; n++) {
            int p = n % 3 == 0 ? 1 : 5;
            priorityOf.put(c.publish(p, p == 1 ? Kind.ALERT : Kind.DATA, "acme/" + id + "/vigil/p" + p,
                    payload("m" + n)), p);
        }
        broker.stop();
        for (; n < 600; n++) { // published during the outage: stored, not sent
            int p = n % 3 == 0 ? 1 : 5;
            priorityOf.put(c.publish(p, p == 1 ? Kind.ALERT : Kind.DATA, "acme/" + id + "/vigil/p" + p,
                    payload("m" + n)), p);
        }
        await().atMost(WAIT).until(() -> c.status().state() != CloudClient.State.CONNECTED);
        assertTrue(box.size() >= 300, "what the outage held back stays in the outbox: " + box.size());
        broker.startAgain();
        await().atMost(WAIT).until(() -> box.size() == 0);
        checkEveryIdOnceInOrderPerPriority(sub, "acme/" + id + "/vigil/+", priorityOf);
        assertTrue(c.status().connections() >= 2, "reconnected: " + c.status());
    }

    @Test
    void whatAStoppedClientLeftIsSentByTheNextOneWithTheSameIds() throws Exception {
        String id = clientId();
        KuraTestSubscriber sub = subscriber("acme/" + id + "/#");
        broker.stop();
        Outbox box = outbox("c");
        CloudClient c = new CloudClient(settings(broker.url(), id, null, false), box, null,
                () -> KuraPayload.builder().build());
        c.start();
        Map<Long, Integer> priorityOf = new LinkedHashMap<>();
        for (int n = 0; n < 100; n++) {
            priorityOf.put(c.publish(1 + n % 2, Kind.EVENT, "acme/" + id + "/vigil/e", payload("m" + n)),
                    1 + n % 2);
        }
        await().atMost(WAIT).until(() -> c.status().failedAttempts() >= 1);
        assertEquals(CloudClient.State.WAITING_TO_RECONNECT, c.status().state());
        assertTrue(c.status().lastError().contains("MQTT reason"), c.status().lastError());
        c.close();
        box.close(); // the gateway stopped during the outage
        broker.startAgain();
        Outbox reopened = track(outbox("c"));
        assertEquals(100, reopened.size());
        CloudClient again = track(new CloudClient(settings(broker.url(), id, null, false), reopened, null,
                () -> KuraPayload.builder().build()));
        again.start();
        await().atMost(WAIT).until(() -> reopened.size() == 0);
        checkEveryIdOnceInOrderPerPriority(sub, "acme/" + id + "/vigil/e", priorityOf);
    }

    @Test
    void aCleanStopSendsTheDisconnectCertificate() throws Exception {
        String id = clientId();
        KuraTestSubscriber sub = subscriber("$EDC/acme/" + id + "/MQTT/#");
        CloudClient c = new CloudClient(settings(broker.url(), id, null, false), track(outbox("d")), null,
                () -> KuraPayload.builder().build());
        c.start();
        sub.awaitOne("$EDC/acme/" + id + "/MQTT/BIRTH", WAIT);
        c.close();
        KuraTestSubscriber.Received dc = sub.awaitOne("$EDC/acme/" + id + "/MQTT/DC", WAIT);
        Map<String, IndependentWireReader.Metric> m = metrics(sub.decode(dc));
        assertEquals(id, m.get("display_name").only().string(), "display name defaults to the client id");
        assertTrue(m.containsKey("uptime"));
        assertEquals(CloudClient.State.STOPPED, c.status().state());
        assertTrue(sub.on("$EDC/acme/" + id + "/MQTT/LWT").isEmpty(), "a clean stop is no death");
    }

    @Test
    void gzipPayloadsDecodeWithTheirIds() throws Exception {
        String id = clientId();
        KuraTestSubscriber sub = subscriber("acme/" + id + "/#");
        Outbox box = track(outbox("e"));
        CloudClient c = track(new CloudClient(settings(broker.url(), id, null, true), box, null,
                () -> KuraPayload.builder().build()));
        c.start();
        long mid = c.publish(1, Kind.ALERT, "acme/" + id + "/vigil/alerts/p1/x", payload("zipped"));
        KuraTestSubscriber.Received r = sub.awaitOne("acme/" + id + "/vigil/alerts/p1/x", WAIT);
        assertEquals(0x1f, r.payload()[0] & 0xff, "gzip magic");
        assertEquals(0x8b, r.payload()[1] & 0xff, "gzip magic");
        assertEquals(mid, id(sub, r));
        assertEquals("zipped", text(sub, r));
    }

    @Test
    void tlsConnectionTrustsTheConfiguredStoreOnly() throws Exception {
        String id = clientId();
        KuraTestSubscriber sub = subscriber("acme/" + id + "/#");
        SocketFactory sf = Tls.socketFactory(broker.trustStore(), broker.trustStorePassword().toCharArray(), null,
                null);
        Outbox box = track(outbox("f"));
        CloudClient c = track(new CloudClient(settings(broker.tlsUrl(), id, sf, false), box, null,
                () -> KuraPayload.builder().build()));
        c.start();
        c.publish(1, Kind.ALERT, "acme/" + id + "/vigil/tls", payload("over tls"));
        assertEquals("over tls", text(sub, sub.awaitOne("acme/" + id + "/vigil/tls", WAIT)));

        // the JVM's default CAs do not know the test CA: no connection, the message waits in the outbox
        String other = clientId();
        Outbox kept = track(outbox("g"));
        CloudClient untrusting = track(new CloudClient(settings(broker.tlsUrl(), other, Tls.socketFactory(null,
                new char[0], null, null), false), kept, null, () -> KuraPayload.builder().build()));
        untrusting.start();
        untrusting.publish(1, Kind.ALERT, "acme/" + other + "/vigil/tls", payload("not sent"));
        await().atMost(WAIT).until(() -> untrusting.status().failedAttempts() >= 1);
        assertEquals(1, kept.size());
        assertTrue(untrusting.status().lastError().contains("SSL") || untrusting.status().lastError()
                .contains("certif"), untrusting.status().lastError());
    }

    @Test
    void requestsReachTheInboundHandler() throws Exception {
        String id = clientId();
        List<String> topics = new CopyOnWriteArrayList<>();
        CloudClient c = track(new CloudClient(settings(broker.url(), id, null, false), track(outbox("h")),
                (topic, bytes) -> topics.add(topic), () -> KuraPayload.builder().build()));
        c.start();
        await().atMost(WAIT).until(() -> c.status().state() == CloudClient.State.CONNECTED);
        KuraTestSubscriber requester = subscriber("$EDC/acme/backend/#");
        requester.publish("$EDC/acme/" + id + "/VIGIL-ASSET-V1/GET/assets", new byte[0], 1);
        requester.publish("$EDC/acme/other-gateway/VIGIL-ASSET-V1/GET/assets", new byte[0], 1);
        await().atMost(WAIT).until(() -> topics.contains("$EDC/acme/" + id + "/VIGIL-ASSET-V1/GET/assets"));
        assertFalse(topics.stream().anyMatch(t -> t.contains("other-gateway")), topics.toString());
    }

    @Test
    void aSecondClientWithTheSameIdIsBackedOffNotFoughtEverySecond() throws Exception {
        String id = clientId();
        CloudClient c = track(new CloudClient(settings(broker.url(), id, null, false), track(outbox("i")), null,
                () -> KuraPayload.builder().build()));
        c.start();
        await().atMost(WAIT).until(() -> c.status().state() == CloudClient.State.CONNECTED);
        // a second gateway configured with the same client id: each connect of one makes the broker drop the other
        org.eclipse.paho.client.mqttv3.MqttAsyncClient twin = new org.eclipse.paho.client.mqttv3.MqttAsyncClient(
                broker.url(), id, new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        org.eclipse.paho.client.mqttv3.MqttConnectOptions o = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        o.setAutomaticReconnect(true);
        o.setMaxReconnectDelay(1000);
        twin.connect(o).waitForCompletion(10_000);
        open.add(() -> {
            twin.disconnectForcibly(0, 1000);
            twin.close(true);
        });
        // connections that end at once do not start the delays over: the attempts in a row keep counting
        await().atMost(WAIT).until(() -> c.status().failedAttempts() >= 4);
        assertTrue(c.status().connections() >= 2, "it did reconnect in between: " + c.status());
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings("http://broker:1883", "gw", null, false));
        assertTrue(e.getMessage().contains("http://broker:1883"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> settings(broker.url(), "gw/1", null, false));
        assertThrows(IllegalArgumentException.class, () -> new CloudClient.Settings(broker.url(), "gw", "acme", "",
                "", new char[0], null, true, 30, 5, 1, 0.5, 64, false));
    }

    /**
     * Every id published arrives (repeats allowed: QoS 1), and within each priority the ids arrive, first
     * occurrences counted, in the order they were published.
     */
    private static void checkEveryIdOnceInOrderPerPriority(KuraTestSubscriber sub, String filter,
            Map<Long, Integer> priorityOf) {
        // the broker has acknowledged them all; the subscriber may still be reconnecting to fetch them
        try {
            await().atMost(WAIT).until(() -> {
                Set<Long> ids = new LinkedHashSet<>();
                sub.on(filter).forEach(r -> ids.add(id(sub, r)));
                return ids.containsAll(priorityOf.keySet());
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            Set<Long> missing = new java.util.TreeSet<>(priorityOf.keySet());
            sub.on(filter).forEach(r -> missing.remove(id(sub, r)));
            String log = broker.log();
            throw new AssertionError("ids the broker acknowledged but " + sub + " never received: " + missing
                    + "\nbroker log (end):\n" + log.substring(Math.max(0, log.length() - 4000)), e);
        }
        Map<Integer, List<Long>> firstSeen = new LinkedHashMap<>();
        Set<Long> seen = new LinkedHashSet<>();
        for (KuraTestSubscriber.Received r : sub.on(filter)) {
            long id = id(sub, r);
            assertTrue(priorityOf.containsKey(id), "unexpected id " + id);
            if (seen.add(id)) {
                firstSeen.computeIfAbsent(priorityOf.get(id), p -> new ArrayList<>()).add(id);
            }
        }
        assertEquals(priorityOf.keySet(), seen, "every message delivered");
        firstSeen.forEach((p, ids) -> {
            List<Long> sorted = new ArrayList<>(ids);
            sorted.sort(null);
            assertEquals(sorted, ids, "order within priority " + p);
        });
    }
}
