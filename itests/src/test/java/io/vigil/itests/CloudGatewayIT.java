package io.vigil.itests;

import static io.vigil.itests.support.LaunchedGateway.read;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;

import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.kura.KuraPayloadCodec;
import io.vigil.cloud.mqtt.testing.IndependentWireReader;
import io.vigil.cloud.mqtt.testing.KuraTestSubscriber;
import io.vigil.cloud.mqtt.testing.MosquittoBroker;
import io.vigil.itests.support.LaunchedGateway;

/**
 * The cloud connection of the real gateway (bin/vigil) against a real mosquitto on a loopback port, read by an
 * independent subscriber and decoder: store-and-forward through a broker outage during which the gateway is
 * killed and restarted, the last will, and remote management over Kura's request/response convention.
 */
public class CloudGatewayIT {

    private static final String ACCOUNT = "acme";
    private static final String CLIENT = "gw-it";
    private static final String REQUESTER = "backend";
    private static final String PASSWORD = "cloud-itest";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static MosquittoBroker broker;

    private LaunchedGateway gateway;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeClass
    public static void startBroker() {
        broker = MosquittoBroker.start();
    }

    @AfterClass
    public static void stopBroker() {
        broker.close();
    }

    @Before
    public void configure() throws IOException {
        gateway = LaunchedGateway.copyDistribution().env("VIGIL_CONSOLE_PASSWORD", PASSWORD);
        Files.writeString(gateway.resolve("etc/io.vigil.cloud.mqtt.cfg"), String.join("\n",
                "broker.url=" + broker.url(), "client.id=" + CLIENT, "account.name=" + ACCOUNT,
                "metrics.interval.seconds=1", "reconnect.min.delay.seconds=0.2", "reconnect.max.delay.seconds=1",
                "remote.allowed.requesters=" + REQUESTER, ""));
    }

    @After
    public void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        gateway.stop();
        if (!broker.running()) {
            broker.startAgain();
        }
    }

    private KuraTestSubscriber subscriber(String clientId, String... filters) {
        KuraTestSubscriber s = KuraTestSubscriber.connect(broker.url(), clientId + "-" + System.nanoTime(), filters);
        open.add(s);
        return s;
    }

    private JsonObject cloudStatus() throws Exception {
        var r = gateway.send("GET", "/vigil/api/cloud", null, "vigil", PASSWORD);
        assertEquals(r.body(), 200, r.statusCode());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private static Map<String, IndependentWireReader.Metric> metrics(KuraTestSubscriber sub,
            KuraTestSubscriber.Received r) {
        Map<String, IndependentWireReader.Metric> m = new HashMap<>();
        sub.decode(r).metrics().forEach(x -> m.put(x.name(), x));
        return m;
    }

    private static long msgId(KuraTestSubscriber sub, KuraTestSubscriber.Received r) {
        IndependentWireReader.Metric m = metrics(sub, r).get("vigil.msg.id");
        assertEquals("vigil.msg.id is INT64", Long.valueOf(2), m.type());
        return m.only().varint();
    }

    private static String string(KuraTestSubscriber sub, KuraTestSubscriber.Received r, String name) {
        IndependentWireReader.Metric m = metrics(sub, r).get(name);
        assertTrue(name + " missing from " + r.topic(), m != null);
        return m.only().string();
    }

    private static int journalRaised(LaunchedGateway g, String asset) {
        return (int) read(g.resolve("data/alerts.jsonl")).lines().filter(l -> l.contains("\"assetId\":\"" + asset
                + "\"") && l.contains("\"state\":\"RAISED\"")).count();
    }

    @Test
    public void anOutageDuringWhichTheGatewayIsKilledLosesNothing() throws Exception {
        // pump-1's bearing fault starts 30 s after its driver (after the detector's calibration): once in each
        // of the gateway's two lives
        String data = ACCOUNT + "/" + CLIENT + "/vigil/";
        KuraTestSubscriber sub = subscriber("backend-fault", ACCOUNT + "/" + CLIENT + "/#",
                "$EDC/" + ACCOUNT + "/" + CLIENT + "/MQTT/#");

        Path first = gateway.start("first.log");
        sub.awaitOne("$EDC/" + ACCOUNT + "/" + CLIENT + "/MQTT/BIRTH", WAIT);
        sub.awaitCount(data + "assets/+", 2, WAIT);

        // the uplink goes: alerts keep firing locally while everything for the cloud is stored
        broker.stop();
        await().atMost(Duration.ofSeconds(120)).until(() -> journalRaised(gateway, "pump-1") >= 1);
        JsonObject before = cloudStatus();
        assertEquals("WAITING_TO_RECONNECT or CONNECTING while the broker is down: " + before, false,
                before.getAsJsonObject("status").get("state").getAsString().equals("CONNECTED"));
        long first1 = before.getAsJsonObject("outbox").get("firstId").getAsLong();
        long last1 = before.getAsJsonObject("outbox").get("lastId").getAsLong();
        assertTrue("messages stored during the outage: " + before,
                before.getAsJsonObject("outbox").get("messages").getAsLong() > 0);

        // killed (SIGKILL) during the outage and started again, still without uplink
        gateway.kill();
        int raisedBeforeKill = journalRaised(gateway, "pump-1");
        Path second = gateway.start("second.log");
        await().atMost(Duration.ofSeconds(120)).until(() -> journalRaised(gateway, "pump-1") > raisedBeforeKill);
        JsonObject after = await().atMost(WAIT).ignoreExceptions().until(this::cloudStatus, s -> true);
        long first2 = after.getAsJsonObject("outbox").get("firstId").getAsLong();
        long last2 = after.getAsJsonObject("outbox").get("lastId").getAsLong();
        assertTrue("the second life assigns new ids: " + after, first2 > last1 && last2 >= first2);

        // the uplink comes back: everything of both lives arrives
        broker.startAgain();
        await().atMost(WAIT).until(() -> {
            Set<Long> ids = new TreeSet<>();
            sub.on(data + "#").forEach(r -> ids.add(msgId(sub, r)));
            return ids.containsAll(range(first1, last1)) && ids.containsAll(range(first2, last2));
        });
        await().atMost(WAIT).until(() -> cloudStatus().getAsJsonObject("outbox").get("messages").getAsLong() == 0);

        // ids: every id of each life from its first to the highest delivered, none missing, none unknown
        Map<String, List<Long>> firstSeenByPriority = new HashMap<>();
        Set<Long> seen = new LinkedHashSet<>();
        for (KuraTestSubscriber.Received r : sub.on(data + "#")) {
            long id = msgId(sub, r);
            if (seen.add(id)) {
                String lane = r.topic().substring(data.length()).split("/")[0]; // alerts, events, assets
                firstSeenByPriority.computeIfAbsent(lane, k -> new ArrayList<>()).add(id);
            }
        }
        long max1 = seen.stream().filter(i -> i < first2).mapToLong(Long::longValue).max().orElseThrow();
        long max2 = seen.stream().mapToLong(Long::longValue).max().orElseThrow();
        Set<Long> expected = new TreeSet<>(range(first1, max1));
        expected.addAll(range(first2, max2));
        assertEquals("no id missing, none unknown", expected, new TreeSet<>(seen));
        assertTrue("the first life's messages stored after the status read arrived too: " + max1 + " >= " + last1,
                max1 >= last1);
        firstSeenByPriority.forEach((lane, ids) -> {
            List<Long> sorted = new ArrayList<>(ids);
            sorted.sort(null);
            assertEquals("in order within " + lane, sorted, ids);
        });

        // every alert of the local journal reached the cloud, as Kura alert metrics
        Set<String> journalIds = new TreeSet<>();
        read(gateway.resolve("data/alerts.jsonl")).lines().filter(l -> l.contains("\"state\":\"RAISED\""))
                .forEach(l -> journalIds.add(JsonParser.parseString(l).getAsJsonObject().get("id").getAsString()));
        Set<String> cloudIds = new TreeSet<>();
        for (KuraTestSubscriber.Received r : sub.on(data + "alerts/#")) {
            if (string(sub, r, "alert_status").equals("ACTIVE")) {
                cloudIds.add(string(sub, r, "vigil.alert.id"));
                assertEquals("VIGIL-pump-1-vibration", string(sub, r, "alert_code"));
            }
        }
        assertTrue("two lives, two raises: " + journalIds, journalIds.size() >= 2);
        assertEquals(journalIds, cloudIds);
        assertFalse(read(first).contains("Exception in thread"));

        // a death while connected: the broker publishes the last will
        gateway.kill();
        KuraTestSubscriber.Received lwt = sub.awaitOne("$EDC/" + ACCOUNT + "/" + CLIENT + "/MQTT/LWT", WAIT);
        assertEquals(CLIENT, string(sub, lwt, "display_name"));
        Matcher waiting = Pattern.compile("outbox \\S+ \\((\\d+) message\\(s\\) "
                + "waiting\\)").matcher(read(second));
        assertTrue("the restarted gateway reports its outbox: " + read(second), waiting.find());
        assertTrue("what the killed gateway had stored was found again: " + waiting.group(0),
                Long.parseLong(waiting.group(1)) > 0);
    }

    private static List<Long> range(long from, long to) {
        List<Long> l = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            l.add(i);
        }
        return l;
    }

    // --- remote management -------------------------------------------------------------------------------

    private final AtomicInteger requests = new AtomicInteger();
    private final KuraPayloadCodec codec = new KuraPayloadCodec();

    /** Sends a request as {@code requester} and returns the reply's payload. */
    private KuraTestSubscriber.Received request(KuraTestSubscriber requester, String requesterId, String app,
            String method, String resource, KuraPayload.Builder metrics) {
        String requestId = "req-" + requests.incrementAndGet();
        byte[] payload = codec.encode(metrics.metric("request.id", requestId).metric("requester.client.id",
                requesterId).build(), false);
        requester.publish("$EDC/" + ACCOUNT + "/" + CLIENT + "/" + app + "/" + method + "/" + resource, payload, 1);
        return requester.awaitOne("$EDC/" + ACCOUNT + "/" + requesterId + "/" + app + "/REPLY/" + requestId, WAIT);
    }

    private static int code(KuraTestSubscriber sub, KuraTestSubscriber.Received reply) {
        IndependentWireReader.Metric m = metrics(sub, reply).get("response.code");
        assertTrue("response.code missing", m != null);
        return (int) m.only().varint();
    }

    private static JsonObject body(KuraTestSubscriber sub, KuraTestSubscriber.Received reply) {
        return JsonParser.parseString(new String(sub.decode(reply).body(), StandardCharsets.UTF_8))
                .getAsJsonObject();
    }

    /** How often the gateway's log says pump-2's tier-1 model became {@code model}. */
    private static long switchesTo(Path log, String model) {
        return read(log).lines().filter(l -> l.contains("asset pump-2: tier-1 model now " + model + " ")).count();
    }

    @Test
    public void remoteInstallShadowPromoteAndRollbackOverMqtt() throws Exception {
        Files.writeString(gateway.resolve("etc/io.vigil.deploy.cfg"), String.join("\n",
                "trust.store=" + Path.of(System.getProperty("vigil.packages.dir"), "vigil-trust.p12"),
                "trust.store.password=vigil-trust", ""));
        Path dp = Path.of(System.getProperty("vigil.packages.dir"), "io.vigil.model.bearing-2.0.0.dp");
        byte[] bytes = Files.readAllBytes(dp);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/bearing-2.0.0.dp", ex -> {
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        });
        http.start();
        open.add(() -> http.stop(0));
        String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/bearing-2.0.0.dp";

        KuraTestSubscriber backend = subscriber("backend", "$EDC/" + ACCOUNT + "/" + REQUESTER + "/#",
                "$EDC/" + ACCOUNT + "/" + CLIENT + "/+/NOTIFY/#", ACCOUNT + "/" + CLIENT + "/vigil/events/#",
                "$EDC/" + ACCOUNT + "/" + CLIENT + "/MQTT/#");
        KuraTestSubscriber intruder = subscriber("intruder", "$EDC/" + ACCOUNT + "/intruder/#");
        Path log = gateway.start("gateway.log");
        backend.awaitOne("$EDC/" + ACCOUNT + "/" + CLIENT + "/MQTT/BIRTH", WAIT);
        await().atMost(WAIT).until(() -> switchesTo(log, "bearing-fault:1.0.0"), equalTo(1L));
        KuraTestSubscriber.Received asset = request(backend, REQUESTER, "VIGIL-ASSET-V1", "GET", "assets/pump-2",
                KuraPayload.builder());
        assertEquals(200, code(backend, asset));
        assertEquals("pump-2", body(backend, asset).get("assetId").getAsString());

        // a requester not on the allow-list: 403, nothing installed
        KuraTestSubscriber.Received refused = request(intruder, "intruder", "VIGIL-DEPLOY-V1", "EXEC", "install",
                KuraPayload.builder().metric("dp.uri", url).metric("dp.sha256", sha).metric("job.id", 1L));
        assertEquals(403, code(intruder, refused));

        // install 2.0.0 from an HTTP server, its hash required; progress and completion notified
        KuraTestSubscriber.Received accepted = request(backend, REQUESTER, "VIGIL-DEPLOY-V1", "EXEC", "install",
                KuraPayload.builder().metric("dp.uri", url).metric("dp.sha256", sha).metric("job.id", 7L));
        assertEquals(200, code(backend, accepted));
        await().atMost(WAIT).until(() -> backend.on("$EDC/" + ACCOUNT + "/" + CLIENT + "/VIGIL-DEPLOY-V1/NOTIFY/"
                + REQUESTER + "/#").stream().anyMatch(r -> string(backend, r, "dp.install.status")
                        .equals("COMPLETED")));
        KuraTestSubscriber.Received packages = request(backend, REQUESTER, "VIGIL-DEPLOY-V1", "GET", "packages",
                KuraPayload.builder());
        assertEquals(200, code(backend, packages));
        assertTrue(new String(backend.decode(packages).body(), StandardCharsets.UTF_8).contains("2.0.0"));

        // shadow 2.0.0 beside pump-2's live 1.0.0, promote it (forced: the default gate wants an hour), roll back
        KuraTestSubscriber.Received started = request(backend, REQUESTER, "VIGIL-SHADOW-V1", "EXEC", "start",
                KuraPayload.builder().metric("asset", "pump-2").metric("model.name", "bearing-fault")
                        .metric("model.version", "2.0.0"));
        assertEquals(200, code(backend, started));
        KuraTestSubscriber.Received notReady = request(backend, REQUESTER, "VIGIL-SHADOW-V1", "EXEC", "promote",
                KuraPayload.builder().metric("asset", "pump-2"));
        assertEquals(409, code(backend, notReady));
        KuraTestSubscriber.Received promoted = request(backend, REQUESTER, "VIGIL-SHADOW-V1", "EXEC", "promote",
                KuraPayload.builder().metric("asset", "pump-2").metric("force", true));
        assertEquals(200, code(backend, promoted));
        await().atMost(WAIT).until(() -> switchesTo(log, "bearing-fault:2.0.0"), equalTo(1L));
        KuraTestSubscriber.Received rolledBack = request(backend, REQUESTER, "VIGIL-SHADOW-V1", "EXEC", "rollback",
                KuraPayload.builder().metric("asset", "pump-2"));
        assertEquals(200, code(backend, rolledBack));
        await().atMost(WAIT).until(() -> switchesTo(log, "bearing-fault:1.0.0"), equalTo(2L));
        KuraTestSubscriber.Received report = request(backend, REQUESTER, "VIGIL-SHADOW-V1", "GET", "reports/pump-2",
                KuraPayload.builder());
        assertEquals("ROLLED_BACK", body(backend, report).get("state").getAsString());

        // the events of the round trip went to the cloud too
        for (String event : List.of("deploy/COMMITTED", "shadow/STARTED", "shadow/PROMOTED", "shadow/ROLLED_BACK")) {
            backend.awaitOne(ACCOUNT + "/" + CLIENT + "/vigil/events/" + event, WAIT);
        }
        // the intruder's request executed nothing
        assertFalse(read(log), read(log).contains("job 1 "));
    }
}
