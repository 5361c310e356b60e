package io.vigil.cloud.mqtt.testing;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.IntStream;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import io.vigil.cloud.mqtt.testing.KuraTestSubscriber.Received;

/** The harness itself against a real mosquitto: exchange, persistence across a restart, TLS, failure messages. */
class MosquittoHarnessTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** A plain Paho client with a clean session, standing in for the gateway. */
    private static MqttClient publisher(String url, MqttConnectOptions options) throws MqttException {
        MqttClient client = new MqttClient(url, "publisher-" + System.nanoTime(), new MemoryPersistence());
        options.setCleanSession(true);
        // Paho frees an in-flight slot a moment after it completes the publish token, so back-to-back synchronous
        // publishes can exceed the default of 10 and fail with "Too many publishes in progress (32202)"
        options.setMaxInflight(1000);
        client.connect(options);
        return client;
    }

    private static MqttClient publisher(String url) throws MqttException {
        return publisher(url, new MqttConnectOptions());
    }

    private static void publishNumbered(MqttClient publisher, String topic, int count) throws MqttException {
        for (int i = 0; i < count; i++) {
            publisher.publish(topic, Integer.toString(i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
    }

    private static List<String> payloads(List<Received> messages) {
        return messages.stream().map(Received::payloadAsString).toList();
    }

    private static List<String> numbers(int count) {
        return IntStream.range(0, count).mapToObj(Integer::toString).toList();
    }

    @Test
    void qos1MessagesFromAPlainPublisherArriveInOrder() throws MqttException {
        try (MosquittoBroker broker = MosquittoBroker.start();
                KuraTestSubscriber backend = KuraTestSubscriber.connect(broker.url(), "backend-exchange", "vigil/+/alerts",
                        "other/#")) {
            assertEquals("tcp://127.0.0.1:" + broker.port(), broker.url());
            MqttClient gateway = publisher(broker.url());
            publishNumbered(gateway, "vigil/gw1/alerts", 50);
            gateway.publish("other/x", new byte[] { 1 }, 1, false);
            gateway.publish("ignored/x", new byte[] { 2 }, 1, false);
            gateway.disconnect();
            gateway.close();

            backend.awaitCount("vigil/#", 50, WAIT);
            backend.awaitOne("other/x", WAIT);
            List<Received> alerts = backend.on("vigil/gw1/alerts");
            assertEquals(numbers(50), payloads(alerts), () -> "broker log:\n" + broker.log());
            assertAll(alerts.stream().map(r -> () -> {
                assertEquals(1, r.qos(), r::toString);
                assertFalse(r.retained(), r::toString);
            }));
            assertTrue(backend.on("ignored/#").isEmpty(), () -> backend.received().toString());
        }
    }

    @Test
    void queuedMessagesSurviveARestartAndArriveInOrder() throws MqttException {
        // more than mosquitto's default max_queued_messages (1000), which would drop the rest
        int count = 2500;
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            KuraTestSubscriber.connect(broker.url(), "backend-offline", "vigil/#").close();

            MqttClient gateway = publisher(broker.url());
            publishNumbered(gateway, "vigil/gw1/data", count);
            gateway.disconnect();
            gateway.close();

            int port = broker.port();
            broker.stop();
            assertFalse(broker.running());
            broker.startAgain();
            assertTrue(broker.running());
            assertEquals(port, broker.port());

            try (KuraTestSubscriber backend = KuraTestSubscriber.connect(broker.url(), "backend-offline", "vigil/#")) {
                backend.awaitCount("vigil/gw1/data", count, WAIT);
                assertEquals(numbers(count), payloads(backend.received()), () -> "broker log:\n" + broker.log());
            }
        }
    }

    @Test
    void aConnectedSubscriberReconnectsByItselfAfterARestart() throws MqttException {
        try (MosquittoBroker broker = MosquittoBroker.start();
                KuraTestSubscriber backend = KuraTestSubscriber.connect(broker.url(), "backend-reconnect", "vigil/#")) {
            broker.restart();
            backend.awaitConnected(WAIT);

            MqttClient gateway = publisher(broker.url());
            publishNumbered(gateway, "vigil/gw1/data", 10);
            gateway.disconnect();
            gateway.close();

            backend.awaitCount("vigil/#", 10, WAIT);
            assertEquals(numbers(10), payloads(backend.on("vigil/gw1/data")));
        }
    }

    @Test
    void theSubscriberPublishesAndDecodesKurapayload() {
        try (MosquittoBroker broker = MosquittoBroker.start();
                KuraTestSubscriber backend = KuraTestSubscriber.connect(broker.url(), "backend-decode", "$EDC/#")) {
            // kurapayload with only field 1 (timestamp, varint) = 300: key 0x08, varint 0xAC 0x02
            backend.publish("$EDC/acme/gw1/CONF-V1/GET/configurations", new byte[] { 0x08, (byte) 0xAC, 0x02 }, 1);
            Received request = backend.awaitOne("$EDC/+/gw1/#", WAIT);
            assertEquals(300L, backend.decode(request).timestamp());

            backend.clear();
            assertTrue(backend.received().isEmpty());
            backend.publish("$EDC/acme/gw1/not-kura", new byte[] { 0x07 }, 0);
            AssertionError notKura = assertThrows(AssertionError.class,
                    () -> backend.decode(backend.awaitOne("$EDC/acme/gw1/not-kura", WAIT)));
            assertTrue(notKura.getMessage().contains("$EDC/acme/gw1/not-kura"), notKura::getMessage);
        }
    }

    @Test
    void aTimeoutSaysHowManyArrived() {
        try (MosquittoBroker broker = MosquittoBroker.start();
                KuraTestSubscriber backend = KuraTestSubscriber.connect(broker.url(), "backend-timeout", "vigil/#")) {
            backend.publish("vigil/one", new byte[0], 1);
            AssertionError e = assertThrows(AssertionError.class,
                    () -> backend.awaitCount("vigil/#", 2, Duration.ofMillis(500)));
            assertTrue(e.getMessage().contains("received 1 of 2"), e::getMessage);
        }
    }

    @Test
    void theTlsListenerServesClientsThatTrustItsCa() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.startTls();
                KuraTestSubscriber backend = KuraTestSubscriber.connect(broker.tlsUrl(), "backend-tls",
                        options -> options.setSocketFactory(broker.tlsSocketFactory()), "vigil/#")) {
            assertEquals("ssl://127.0.0.1:" + broker.tlsPort(), broker.tlsUrl());

            // the trust store file, as a gateway's keystore configuration would use it
            MqttConnectOptions viaTrustStore = new MqttConnectOptions();
            Properties ssl = new Properties();
            ssl.setProperty("com.ibm.ssl.trustStore", broker.trustStore().toString());
            ssl.setProperty("com.ibm.ssl.trustStorePassword", broker.trustStorePassword());
            ssl.setProperty("com.ibm.ssl.trustStoreType", "PKCS12");
            viaTrustStore.setSSLProperties(ssl);
            MqttClient gateway = publisher(broker.tlsUrl(), viaTrustStore);
            publishNumbered(gateway, "vigil/gw1/tls", 3);
            gateway.disconnect();
            gateway.close();

            backend.awaitCount("vigil/gw1/tls", 3, WAIT);
            assertEquals(numbers(3), payloads(backend.received()));

            // a client that trusts only the JDK's CAs is refused
            MqttConnectOptions defaultTrust = new MqttConnectOptions();
            defaultTrust.setConnectionTimeout(10);
            assertThrows(MqttException.class, () -> publisher(broker.tlsUrl(), defaultTrust).close());
        }
    }

    @Test
    void stopStartAgainAndCloseManageTheProcessAndItsDirectory() {
        Path directory;
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            directory = broker.directory();
            assertTrue(broker.running());
            assertTrue(broker.log().contains("mosquitto version"), broker::log);
            assertThrows(IllegalStateException.class, broker::startAgain);
            assertThrows(IllegalStateException.class, broker::tlsUrl);
            broker.stop();
            broker.stop();
            assertFalse(broker.running());
            assertTrue(Files.exists(directory.resolve("mosquitto.db")), "persistence file saved on stop");
            broker.kill(); // nothing to kill: a no-op
            broker.startAgain();
            assertTrue(broker.running());
        }
        assertFalse(Files.exists(directory), directory + " left behind");
    }

    @Test
    void aMissingBinaryFailsWithAClearMessage() {
        Path missing = Path.of("/nonexistent/bin/mosquitto");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MosquittoBroker.start(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e::getMessage);
        assertTrue(e.getMessage().contains("run-tests.sh"), e::getMessage);
    }

    @Test
    void aBinaryThatIsNotMosquittoFailsWithItsOutput() {
        // /bin/false exits at once: the harness must say so with the log, not wait a minute
        Path notMosquitto = Path.of("/bin/false");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MosquittoBroker.start(notMosquitto));
        assertTrue(e.getMessage().contains("exit code 1"), e::getMessage);
    }

    @Test
    void topicFiltersMatchAsMqttSays() {
        assertAll(
                () -> assertTrue(KuraTestSubscriber.matches("a/b/c", "a/b/c")),
                () -> assertFalse(KuraTestSubscriber.matches("a/b/c", "a/b/cd")),
                () -> assertFalse(KuraTestSubscriber.matches("a/b", "a/b/c")),
                () -> assertFalse(KuraTestSubscriber.matches("a/b/c", "a/b")),
                () -> assertTrue(KuraTestSubscriber.matches("a/+/c", "a/b/c")),
                () -> assertTrue(KuraTestSubscriber.matches("a/+/c", "a//c")),
                () -> assertFalse(KuraTestSubscriber.matches("a/+", "a")),
                () -> assertTrue(KuraTestSubscriber.matches("a/+", "a/")),
                () -> assertTrue(KuraTestSubscriber.matches("+/+", "/")),
                () -> assertTrue(KuraTestSubscriber.matches("a/#", "a")),
                () -> assertTrue(KuraTestSubscriber.matches("a/#", "a/b/c")),
                () -> assertFalse(KuraTestSubscriber.matches("a/#", "ab")),
                () -> assertTrue(KuraTestSubscriber.matches("#", "a/b")),
                () -> assertFalse(KuraTestSubscriber.matches("#", "$SYS/broker")),
                () -> assertFalse(KuraTestSubscriber.matches("+/broker", "$SYS/broker")),
                () -> assertTrue(KuraTestSubscriber.matches("$SYS/#", "$SYS/broker")),
                () -> assertTrue(KuraTestSubscriber.matches("$EDC/+/gw1/#", "$EDC/acme/gw1/CONF-V1/GET")),
                () -> assertThrows(IllegalArgumentException.class, () -> KuraTestSubscriber.matches("a/#/b", "a")),
                () -> assertThrows(IllegalArgumentException.class, () -> KuraTestSubscriber.matches("a/b+", "a")),
                () -> assertThrows(IllegalArgumentException.class, () -> KuraTestSubscriber.matches("", "a")));
    }
}
