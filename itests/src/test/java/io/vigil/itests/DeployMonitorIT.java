package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.deploy.MonitorEvents;
import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectionListener;
import io.vigil.api.detect.WindowListener;

/**
 * Post-deployment monitoring on the real gateway: an asset replays a healthy CWRU recording on the bearing-fault
 * model 1.0.0 of the signed package from features/, which finds nothing wrong in it; then version 3.0.0 of the
 * package brings a model that calls every window anomalous. With action REVIEW the watch waits in PENDING_REVIEW
 * (event, Gogo, REST) until an operator rolls back over REST; with action ROLLBACK the monitor rolls back by
 * itself. Small baseline and watch lengths keep the test short; the statistics are the gateway's.
 */
public class DeployMonitorIT extends VigilTestSupport {

    private static final String PACKAGE = MODEL_PACKAGE;
    private static final String MONITOR_PID = "io.vigil.deploy.monitor";
    private static final String ALARMIST_BSN = "io.vigil.model.bearing.alarmist";
    /** 48 kHz healthy recording, decimated to the model's 12 kHz: the 1.0.0 model finds nothing wrong in it. */
    private static final String NORMAL = "cwru/1797_Normal.npz";
    private static final int BASELINE = 200;
    private static final String REQUIRE_EXTENDER = "osgi.extender;filter:=\"(&(osgi.extender=vigil.model)"
            + "(version>=1.0.0)(!(version>=2.0.0)))\"";

    private DeploymentService deployments;
    private final List<Detection> detections = new CopyOnWriteArrayList<>();
    private ServiceRegistration<DetectionListener> listener;

    @Before
    public void trustTheBuildsKeyAndServeV1() throws Exception {
        deployments = trustTheBuildsKey(20);
        listener = context.registerService(DetectionListener.class, detections::add, null);
        var installed = deployments.packages().get(PACKAGE);
        if (installed == null || !installed.version().equals("1.0.0")) {
            try (InputStream in = Files.newInputStream(dp("1.0.0"))) {
                deployments.install(in, "itest", dp("1.0.0").toString(), true);
            }
        }
    }

    @After
    public void stopListening() {
        listener.unregister();
    }

    private void monitor(String action) throws IOException {
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration(MONITOR_PID, "?");
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("action", action);
        p.put("baseline.windows", String.valueOf(BASELINE));
        p.put("min.baseline.windows", "100");
        p.put("watch.windows", "400");
        c.update(p);
        // the configuration reaches the component asynchronously; its service properties show when it has
        awaitService(WindowListener.class, "(&(service.pid=" + MONITOR_PID + ")(action=" + action + ")"
                + "(watch.windows=400))");
    }

    /** An asset on model bearing-fault (any version: the highest installed serves) replaying the healthy file. */
    private void asset(String asset) throws IOException {
        factoryConfig("io.vigil.runtime.asset", Map.of("vigil.asset", asset, "commissioning.seconds", "0",
                "min.commissioning.windows", "20", "model.name", "bearing-fault", "model.mode", "EVERY_WINDOW"));
        factoryConfig("io.vigil.driver.replay", Map.of("vigil.asset", asset, "file", Path.of(System.getProperty(
                "vigil.data.dir"), NORMAL).toString(), "sample.rate.hz", "48000", "decimate", "4", "speed", "4",
                "loop", "true"));
    }

    private long verdicts(String asset, String version) {
        return detections.stream().filter(d -> d.assetId().equals(asset) && d.source().name().equals("bearing-fault")
                && d.source().version().equals(version)).count();
    }

    /** A baseline's worth of 1.0.0 windows and more, then the alarmist 3.0.0 installed over it. */
    private void baselineThenAlarmist(String asset) throws Exception {
        asset(asset);
        await().atMost(Duration.ofSeconds(60)).until(() -> verdicts(asset, "1.0.0") >= BASELINE + 50);
        long anomalous = detections.stream().filter(d -> d.assetId().equals(asset) && d.anomalous()
                && d.source().name().equals("bearing-fault")).count();
        assertTrue("1.0.0 finds the healthy recording healthy: " + anomalous + " anomalous windows",
                anomalous <= verdicts(asset, "1.0.0") / 20);
        Path alarmist = alarmistPackage();
        try (InputStream in = Files.newInputStream(alarmist)) {
            DeploymentRecord r = deployments.install(in, "itest", alarmist.toString(), false);
            assertEquals("UPDATE", r.operation());
            assertEquals(r.message(), "COMMITTED", r.result());
        }
    }

    private static List<Event> of(List<Event> events, String asset, String topic) {
        return events.stream().filter(e -> asset.equals(e.getProperty(MonitorEvents.ASSET))
                && topic.equals(e.getTopic())).toList();
    }

    private JsonObject watchOverRest(String asset, String toVersion) throws IOException {
        HttpResult r = rest("GET", "/deploy/watches", null);
        assertEquals(r.body(), 200, r.status());
        for (JsonElement e : JsonParser.parseString(r.body()).getAsJsonArray()) {
            JsonObject w = e.getAsJsonObject();
            if (w.get("assetId").getAsString().equals(asset) && w.get("toVersion").getAsString().equals(toVersion)) {
                return w;
            }
        }
        throw new AssertionError("no watch of " + asset + " after the deployment of " + toVersion + " in " + r.body());
    }

    /** Runs a Gogo command function of the monitor the way Gogo does: on its service object. */
    private String gogo(String function, String... args) throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(&(osgi.command.scope=vigil)"
                + "(osgi.command.function=" + function + "))");
        assertTrue("no vigil:" + function + " command", refs != null && refs.length == 1);
        Object commands = context.getService(refs[0]);
        try {
            Method m = commands.getClass().getMethod(function, String[].class);
            return (String) m.invoke(commands, (Object) args);
        } finally {
            context.ungetService(refs[0]);
        }
    }

    private void awaitServing(String asset, String version) {
        int from = detections.size();
        await().atMost(Duration.ofSeconds(60)).until(() -> detections.stream().skip(from).filter(d -> d.assetId()
                .equals(asset) && d.source().name().equals("bearing-fault") && d.source().version().equals(version))
                .count() >= 5);
    }

    @Test
    public void withActionReviewAShiftWaitsForAnOperatorWhoRollsBackOverRest() throws Exception {
        String asset = "dm-review";
        monitor("REVIEW");
        List<Event> events = collectEvents(MonitorEvents.TOPIC_PREFIX + "*");
        baselineThenAlarmist(asset);

        await().atMost(Duration.ofSeconds(60)).until(() -> !of(events, asset, MonitorEvents.TOPIC_PENDING_REVIEW)
                .isEmpty());
        Event pending = of(events, asset, MonitorEvents.TOPIC_PENDING_REVIEW).get(0);
        assertEquals(PACKAGE, pending.getProperty(MonitorEvents.PACKAGE));
        assertEquals("1.0.0", pending.getProperty(MonitorEvents.FROM_VERSION));
        assertEquals("3.0.0", pending.getProperty(MonitorEvents.TO_VERSION));
        assertEquals("INCREASE", pending.getProperty(MonitorEvents.SIGNAL));
        assertTrue((double) pending.getProperty(MonitorEvents.CUSUM)
                > (double) pending.getProperty(MonitorEvents.THRESHOLD));
        assertTrue((double) pending.getProperty(MonitorEvents.OBSERVED_RATE) > 0.9);
        assertEquals("the monitor waits for a person", "3.0.0", deployments.packages().get(PACKAGE).version());

        awaitRest("/deploy/watches", 200);
        JsonObject w = watchOverRest(asset, "3.0.0");
        assertEquals("PENDING_REVIEW", w.get("state").getAsString());
        assertEquals(BASELINE, w.get("baselineWindows").getAsInt());
        assertTrue(w.get("cusumIncrease").getAsDouble() > w.get("thresholdIncrease").getAsDouble());
        String listed = gogo("watch");
        assertTrue(listed, listed.contains("PENDING_REVIEW") && listed.contains("asset " + asset));

        // bad requests change nothing
        assertEquals("a command must be JSON", 415, rest("POST", "/deploy/watches/" + PACKAGE + "/rollback", null)
                .status());
        HttpResult unknown = rest("POST", "/deploy/watches/io.vigil.nope/keep", "{}");
        assertEquals(unknown.body(), 404, unknown.status());
        assertTrue(unknown.body(), unknown.body().contains("io.vigil.nope") && unknown.body().contains(
                "UNKNOWN_PACKAGE"));
        assertEquals("3.0.0", deployments.packages().get(PACKAGE).version());

        HttpResult rolledBack = rest("POST", "/deploy/watches/" + PACKAGE + "/rollback", "{}");
        assertEquals(rolledBack.body(), 200, rolledBack.status());
        JsonArray ended = JsonParser.parseString(rolledBack.body()).getAsJsonArray();
        JsonObject mine = ended.asList().stream().map(JsonElement::getAsJsonObject).filter(x -> x.get("assetId")
                .getAsString().equals(asset)).findFirst().orElseThrow(() -> new AssertionError(rolledBack.body()));
        assertEquals("ROLLED_BACK", mine.get("state").getAsString());
        assertEquals("rest:" + USER, mine.get("decidedBy").getAsString());

        assertEquals("1.0.0", deployments.packages().get(PACKAGE).version());
        List<DeploymentRecord> h = deployments.history();
        DeploymentRecord last = h.get(h.size() - 1);
        assertEquals("ROLLBACK", last.operation());
        assertEquals("rest:" + USER, last.requestedBy());
        awaitServing(asset, "1.0.0");
        await().atMost(Duration.ofSeconds(10)).until(() -> !of(events, asset, MonitorEvents.TOPIC_ROLLED_BACK)
                .isEmpty());
        assertEquals("ROLLED_BACK", watchOverRest(asset, "3.0.0").get("state").getAsString());

        // the rollback is watched in turn, against 1.0.0's own windows from before the update
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> watchOverRest(asset, "1.0.0")
                .get("state").getAsString(), s -> s.equals("WATCHING") || s.equals("OK"));
        assertEquals(w.get("baselineSource").getAsString(), watchOverRest(asset, "1.0.0").get("baselineSource")
                .getAsString());
        String refused = gogo("review", PACKAGE, "keep");
        assertTrue(refused, refused.startsWith("refused (NOT_PENDING)") && refused.contains(asset));
    }

    @Test
    public void withActionRollbackTheSameShiftIsRolledBackAutomatically() throws Exception {
        String asset = "dm-rollback";
        monitor("ROLLBACK");
        List<Event> events = collectEvents(MonitorEvents.TOPIC_PREFIX + "*");
        baselineThenAlarmist(asset);

        await().atMost(Duration.ofSeconds(60)).until(() -> !of(events, asset, MonitorEvents.TOPIC_ROLLED_BACK)
                .isEmpty());
        Event rolledBack = of(events, asset, MonitorEvents.TOPIC_ROLLED_BACK).get(0);
        assertEquals("3.0.0", rolledBack.getProperty(MonitorEvents.TO_VERSION));
        assertEquals("monitor", rolledBack.getProperty(MonitorEvents.DECIDED_BY));
        assertEquals("INCREASE", rolledBack.getProperty(MonitorEvents.SIGNAL));
        assertTrue("no person was asked", of(events, asset, MonitorEvents.TOPIC_PENDING_REVIEW).isEmpty());

        await().atMost(Duration.ofSeconds(30)).until(() -> deployments.packages().get(PACKAGE).version(),
                "1.0.0"::equals);
        List<DeploymentRecord> rollbacks = deployments.history().stream().filter(r -> r.operation().equals(
                "ROLLBACK") && r.requestedBy().equals("monitor")).toList();
        assertEquals("rolled back once", 1, rollbacks.size());
        assertEquals("COMMITTED", rollbacks.get(0).result());
        assertEquals("3.0.0", rollbacks.get(0).fromVersion());
        awaitServing(asset, "1.0.0");
        awaitRest("/deploy/watches", 200);
        JsonObject w = watchOverRest(asset, "3.0.0");
        assertEquals("ROLLED_BACK", w.get("state").getAsString());
        assertEquals("monitor", w.get("decidedBy").getAsString());
        String shown = gogo("watch", asset);
        assertTrue(shown, shown.contains("ROLLED_BACK") && shown.contains("rolled back automatically"));
    }

    // --- the alarmist package

    /**
     * Version 3.0.0 of the model package: the 1.0.0 model bundle's model and descriptor with the threshold at -1, so
     * every window scores above it, as model bearing-fault 3.0.0 in bundle {@value #ALARMIST_BSN}; signed with the
     * build's test key.
     */
    private static Path alarmistPackage() throws Exception {
        byte[] model = null;
        String descriptor = null;
        try (JarFile v1 = new JarFile(dp("1.0.0").toFile())) {
            JarEntry bundle = v1.stream().filter(e -> e.getName().endsWith(".jar")).findFirst().orElseThrow();
            try (JarInputStream jar = new JarInputStream(v1.getInputStream(bundle))) {
                for (JarEntry e; (e = jar.getNextJarEntry()) != null;) {
                    if (e.getName().equals("model/model.onnx")) {
                        model = jar.readAllBytes();
                    } else if (e.getName().equals("model/descriptor.json")) {
                        descriptor = new String(jar.readAllBytes(), StandardCharsets.UTF_8);
                    }
                }
            }
        }
        assertTrue("the 1.0.0 bundle carries its model and descriptor", model != null && descriptor != null);
        String alarmist = descriptor.replaceFirst("\"version\": \"1.0.0\"", "\"version\": \"3.0.0\"")
                .replaceFirst("\"threshold\": 0.5", "\"threshold\": -1.0");
        assertTrue("descriptor rewritten", alarmist.contains("\"threshold\": -1.0")
                && alarmist.contains("\"version\": \"3.0.0\""));

        Manifest bm = new Manifest();
        Attributes a = bm.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", ALARMIST_BSN);
        a.putValue("Bundle-Version", "3.0.0");
        a.putValue("Require-Capability", REQUIRE_EXTENDER);
        a.putValue("Vigil-Model", "bearing-fault;version=3.0.0;model=model/model.onnx;"
                + "descriptor=model/descriptor.json");
        ByteArrayOutputStream bundle = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bundle, bm)) {
            entry(jar, "model/model.onnx", model);
            entry(jar, "model/descriptor.json", alarmist.getBytes(StandardCharsets.UTF_8));
        }

        String name = ALARMIST_BSN + "_3.0.0.jar";
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("DeploymentPackage-SymbolicName", PACKAGE);
        m.getMainAttributes().putValue("DeploymentPackage-Version", "3.0.0");
        m.getMainAttributes().putValue("DeploymentPackage-Name", "Vigil bearing-fault model (alarmist, itest)");
        Attributes section = new Attributes();
        section.putValue("Bundle-SymbolicName", ALARMIST_BSN);
        section.putValue("Bundle-Version", "3.0.0");
        m.getEntries().put(name, section);
        Path dp = Files.createTempFile("alarmist-", ".dp");
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(dp), m)) {
            entry(jar, name, bundle.toByteArray());
        }
        sign(dp);
        return dp;
    }

    private static void entry(JarOutputStream jar, String name, byte[] data) throws IOException {
        jar.putNextEntry(new JarEntry(name));
        jar.write(data);
        jar.closeEntry();
    }

    /** Signs in place with the key features/ generated for this build, with the JDK's jarsigner. */
    private static void sign(Path dp) throws Exception {
        Path jarsigner = Path.of(System.getProperty("java.home"), "bin", "jarsigner");
        Process p = new ProcessBuilder(jarsigner.toString(), "-keystore",
                packages().resolve("vigil-test-signing.p12").toString(), "-storepass", "vigil-test", "-keypass",
                "vigil-test", "-sigalg", "SHA256withECDSA", "-digestalg", "SHA-256", dp.toString(), "vigil-test")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals("jarsigner: " + out, 0, p.waitFor());
    }
}
