package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.service.event.Event;

import io.vigil.api.asset.ChannelStatus;
import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectionListener;
import io.vigil.api.model.ModelCatalog;
import io.vigil.api.rest.RestApi;
import io.vigil.api.shadow.ShadowEvents;
import io.vigil.api.shadow.ShadowException;
import io.vigil.api.shadow.ShadowReport;
import io.vigil.api.shadow.ShadowService;
import io.vigil.api.shadow.ShadowState;

/**
 * Shadow mode on real parts: the reference model bundles on the real ONNX engine, a real CWRU recording replayed
 * through the real pipeline, the gate's decision, and promotion through the asset's configuration.
 */
public class ShadowIT extends VigilTestSupport {

    /** 48 kHz healthy recording, decimated to the models' 12 kHz: the models should find nothing wrong in it. */
    private static final String NORMAL = "cwru/1797_Normal.npz";

    @Inject
    ShadowService shadows;

    @Inject
    ModelCatalog catalog;

    private final List<Detection> detections = new CopyOnWriteArrayList<>();

    @Before
    public void modelsAndGate() throws Exception {
        for (String property : List.of("vigil.model.v1", "vigil.model.v2")) {
            String location = new File(System.getProperty(property)).toURI().toString();
            if (context.getBundle(location) == null) {
                context.installBundle(location).start();
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> catalog.served().size() >= 2);
        // a gate that decides within the 5 s recording (58 windows): 40 windows, no minimum duration. The latency bound is wide
        // because both models run in microseconds on a shared 2-core machine, where scheduling noise dominates
        // the 99th percentile; the benchmark measures latency, this test the decisions
        org.osgi.service.cm.Configuration gate = configAdmin.getConfiguration("io.vigil.shadow", "?");
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("min.windows", "40");
        p.put("min.duration.seconds", "0");
        // 40 windows bound a rate difference to about +-0.05 and agreement from 0.91 up, at 95 %
        p.put("max.alert.rate.increase", "0.05");
        p.put("max.alert.rate.decrease", "0.05");
        p.put("min.agreement", "0.9");
        p.put("min.latency.samples", "20");
        // 1000, not less: with 20-40 timed runs the 99th percentile is the slowest single run, and one JIT or GC
        // pause of the candidate on a loaded CI machine gave a ratio above 50 (REJECTED after 40 windows)
        p.put("max.latency.ratio", "1000");
        p.put("queue.capacity", "100000");
        p.put("promotion", "OPERATOR");
        gate.update(p);
        // configuration reaches the component asynchronously; its service properties show when it has
        awaitService(ShadowService.class, "(&(min.windows=40)(queue.capacity=100000))");
        context.registerService(DetectionListener.class, detections::add, null);
    }

    /** An asset on v1 alone (pinned: v2 is installed too) deciding every window with the model. */
    private void assetOnV1(String asset) throws Exception {
        factoryConfig("io.vigil.runtime.asset", Map.of("vigil.asset", asset, "commissioning.seconds", "0",
                "min.commissioning.windows", "20", "model.name", "bearing-fault", "model.versions",
                "[1.0.0,1.0.0]", "model.mode", "EVERY_WINDOW"));
        await().atMost(Duration.ofSeconds(30)).until(() -> pipelines.asset(asset).isPresent());
    }

    private org.osgi.service.cm.Configuration replay(String asset, boolean loop) throws Exception {
        Path file = Path.of(System.getProperty("vigil.data.dir"), NORMAL);
        return factoryConfig("io.vigil.driver.replay", Map.of("vigil.asset", asset, "file", file.toString(),
                "sample.rate.hz", "48000", "decimate", "4", "speed", loop ? "2" : "0", "loop",
                String.valueOf(loop)));
    }

    private ShadowReport awaitState(String asset, ShadowState state) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> shadows.report(asset).orElseThrow(),
                r -> r.state() == state);
    }

    private List<Detection> modelVerdicts(String asset) {
        return detections.stream().filter(d -> d.assetId().equals(asset) && d.source().name().equals(
                "bearing-fault")).toList();
    }

    @Test
    public void v2ShadowsV1CountsEveryWindowPassesTheGateIsPromotedAndRolledBackWithoutLosingAWindow()
            throws Exception {
        String asset = "shadow-good";
        List<Event> events = collectEvents(ShadowEvents.TOPIC_PREFIX + "*");
        assetOnV1(asset);
        shadows.start(asset, "bearing-fault", "2.0.0"); // before the first window: every window is compared
        org.osgi.service.cm.Configuration once = replay(asset, false);

        // the whole recording, once: the comparison saw exactly the windows the pipeline scored
        ChannelStatus ch = await().atMost(Duration.ofSeconds(60)).until(() -> pipelines.asset(asset)
                .flatMap(a -> a.channels().stream().findFirst()).orElse(null), c -> c != null && c.windows() > 0
                        && c.windows() == (c.samples() - 2048) / 1024 + 1);
        ShadowReport report = await().atMost(Duration.ofSeconds(60)).until(() -> shadows.report(asset)
                .orElseThrow(), r -> r.windowsSeen() == ch.windows());
        assertEquals("every window of the recording was scored", (ch.samples() - 2048) / 1024 + 1, ch.windows());
        assertEquals(0, ch.windowsDiscarded());
        assertEquals("compared: every window", ch.windows(), report.windowsCompared());
        assertEquals(0, report.windowsSkipped());
        assertEquals(0, report.candidateErrors());
        assertEquals(ch.windows(), report.alerts().total());
        assertEquals("v1 scored each of those windows live", ch.windows(), modelVerdicts(asset).size());
        assertEquals("bearing-fault:1.0.0", report.live());
        assertEquals(report.toString(), ShadowState.READY, report.state());
        assertTrue(report.failedCriteria().toString(), report.failedCriteria().isEmpty());
        assertTrue(report.agreement() >= 0.95);
        assertEquals("every window escalated in EVERY_WINDOW mode", 0, report.windowsNotEscalated());
        assertEquals(ch.windows() - 5, report.candidateLatency().samples()); // all but the warm-up runs timed
        assertTrue(report.scores().pairs() > 0 && !Double.isNaN(report.scores().psi()));

        // promotion while data flows: from one window to the next, v1 then v2, none lost, none scored twice
        once.delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> pipelines.asset(asset).orElseThrow().drivers() == 0);
        replay(asset, true);
        int before = modelVerdicts(asset).size();
        await().atMost(Duration.ofSeconds(30)).until(() -> modelVerdicts(asset).size() > before + 10);
        ShadowReport promoted = shadows.promote(asset, false, "itest");
        assertEquals(ShadowState.PROMOTED, promoted.state());
        assertEquals("bearing-fault:1.0.0", promoted.rollbackTarget());
        await().atMost(Duration.ofSeconds(30)).until(() -> modelVerdicts(asset).stream()
                .filter(d -> d.source().version().equals("2.0.0")).count() >= 10);
        assertOneModelPerWindow(asset, List.of("1.0.0", "2.0.0"));
        assertEquals("[2.0.0,2.0.0]", assetConfig(asset).get("model.versions"));

        List<String> topics = events.stream().filter(e -> asset.equals(e.getProperty(ShadowEvents.ASSET)))
                .map(Event::getTopic).toList();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().filter(e -> asset.equals(
                e.getProperty(ShadowEvents.ASSET))).count() >= 3);
        assertEquals(List.of(ShadowEvents.TOPIC_STARTED, ShadowEvents.TOPIC_READY, ShadowEvents.TOPIC_PROMOTED),
                events.stream().filter(e -> asset.equals(e.getProperty(ShadowEvents.ASSET))).map(Event::getTopic)
                        .toList());
        assertNotNull(topics);

        // the runtime and shadow bundles restarted (as after a container restart, which GatewayLaunchIT does for
        // real): the asset comes back on the promoted model, and the promotion is on record
        Bundle runtime = installedBundle("io.vigil.runtime");
        Bundle shadow = installedBundle("io.vigil.shadow");
        runtime.stop();
        shadow.stop();
        detections.clear();
        shadow.start();
        runtime.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> modelVerdicts(asset).size() >= 5);
        assertTrue("only v2 serves after the restart", modelVerdicts(asset).stream()
                .allMatch(d -> d.source().version().equals("2.0.0")));
        ShadowService again = context.getService(awaitService(ShadowService.class, null));
        ShadowReport kept = again.report(asset).orElseThrow();
        assertEquals(ShadowState.PROMOTED, kept.state());
        assertEquals(promoted.windowsCompared(), kept.windowsCompared());

        // rollback while data flows, of the promotion on record since the restart: from one window to the next, v2
        // then v1 again, none lost, none scored twice
        int onV2 = modelVerdicts(asset).size();
        ShadowReport rolledBack = again.rollback(asset, "itest");
        assertEquals(ShadowState.ROLLED_BACK, rolledBack.state());
        assertEquals("rolled back by itest to bearing-fault:1.0.0", rolledBack.reason());
        assertEquals("[1.0.0,1.0.0]", assetConfig(asset).get("model.versions"));
        assertEquals("bearing-fault", assetConfig(asset).get("model.name"));
        await().atMost(Duration.ofSeconds(30)).until(() -> modelVerdicts(asset).stream().skip(onV2)
                .filter(d -> d.source().version().equals("1.0.0")).count() >= 10);
        assertOneModelPerWindow(asset, List.of("2.0.0", "1.0.0"));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> asset.equals(
                e.getProperty(ShadowEvents.ASSET)) && e.getTopic().equals(ShadowEvents.TOPIC_ROLLED_BACK)));
        assertEquals(List.of(ShadowEvents.TOPIC_STARTED, ShadowEvents.TOPIC_READY, ShadowEvents.TOPIC_PROMOTED,
                ShadowEvents.TOPIC_ROLLED_BACK), events.stream().filter(e -> asset.equals(e.getProperty(
                        ShadowEvents.ASSET))).map(Event::getTopic).toList());
        try {
            again.rollback(asset, "itest");
            fail("a rollback is not rolled back");
        } catch (ShadowException e) {
            assertEquals(ShadowException.Reason.WRONG_STATE, e.reason());
        }
        assertEquals(ShadowState.ROLLED_BACK, again.report(asset).orElseThrow().state());
    }

    @Test
    public void aCandidateThatAlertsOnEverythingIsRejectedAndCannotBePromotedUnlessForced() throws Exception {
        String asset = "shadow-bad";
        Path v1 = Path.of(System.getProperty("vigil.models.dir"), "bearing-fault-1.0.0");
        byte[] descriptor = new String(Files.readAllBytes(v1.resolve("descriptor.json")))
                .replaceFirst("\"name\": \"bearing-fault\"", "\"name\": \"bearing-alarmist\"")
                .replaceFirst("\"threshold\": 0.5", "\"threshold\": -1.0").getBytes();
        installModelBundle("it.model.alarmist", "bearing-alarmist;version=1.0.0;model=model/model.onnx;"
                + "descriptor=model/descriptor.json", Files.readAllBytes(v1.resolve("model.onnx")), descriptor);
        await().atMost(Duration.ofSeconds(30)).until(() -> catalog.served().stream()
                .anyMatch(d -> d.name().equals("bearing-alarmist")));
        assetOnV1(asset);
        shadows.start(asset, "bearing-alarmist", "1.0.0");
        replay(asset, true);

        ShadowReport rejected = awaitState(asset, ShadowState.REJECTED);
        assertTrue(rejected.failedCriteria().toString(), rejected.failedCriteria().contains("alert-rate-increase"));
        assertTrue(rejected.reason(), rejected.reason().contains("alert-rate-increase"));
        assertEquals(1.0, rejected.candidateAlertRate(), 0.0);
        assertTrue(rejected.liveAlertRate() < 0.05);
        assertTrue(rejected.rateDifferencePValue() < 1e-6);
        try {
            shadows.promote(asset, true, "itest");
            fail("a rejected candidate cannot be promoted, even forced");
        } catch (ShadowException e) {
            assertEquals(ShadowException.Reason.WRONG_STATE, e.reason());
        }
        // the live model never stopped serving
        int before = modelVerdicts(asset).size();
        await().atMost(Duration.ofSeconds(30)).until(() -> modelVerdicts(asset).size() > before + 5);
        assertTrue(modelVerdicts(asset).stream().allMatch(d -> d.source().version().equals("1.0.0")));

        // not READY yet: refused, unless forced by an operator
        shadows.start(asset, "bearing-alarmist", "1.0.0");
        try {
            shadows.promote(asset, false, "itest");
            fail("promotion of a SHADOWING candidate must be refused");
        } catch (ShadowException e) {
            assertEquals(ShadowException.Reason.WRONG_STATE, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("not READY"));
        }
        ShadowReport forced = shadows.promote(asset, true, "itest");
        assertTrue(forced.forced());
        await().atMost(Duration.ofSeconds(30)).until(() -> detections.stream().anyMatch(d -> d.assetId().equals(
                asset) && d.source().name().equals("bearing-alarmist")));
    }

    @Test
    public void aCandidateForOtherFeaturesIsRefusedAndAnUninstalledOneEndsCleanly() throws Exception {
        String asset = "shadow-edge";
        assetOnV1(asset);
        replay(asset, true);
        await().atMost(Duration.ofSeconds(30)).until(() -> modelVerdicts(asset).size() > 3);

        Path v1 = Path.of(System.getProperty("vigil.models.dir"), "bearing-fault-1.0.0");
        String json = new String(Files.readAllBytes(v1.resolve("descriptor.json")))
                .replaceFirst("\"name\": \"bearing-fault\"", "\"name\": \"bearing-envelope\"")
                .replaceFirst("\"band_7\"", "\"envelope_bpfo\"");
        Bundle other = installModelBundle("it.model.envelope", "bearing-envelope;version=1.0.0;"
                + "model=model/model.onnx;descriptor=model/descriptor.json", Files.readAllBytes(v1.resolve(
                        "model.onnx")), json.getBytes());
        await().atMost(Duration.ofSeconds(30)).until(() -> catalog.served().stream()
                .anyMatch(d -> d.name().equals("bearing-envelope")));
        try {
            shadows.start(asset, "bearing-envelope", "1.0.0");
            fail("a candidate for features the asset does not produce must be refused");
        } catch (ShadowException e) {
            assertEquals(ShadowException.Reason.INPUT_MISMATCH, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("envelope_bpfo"));
        }
        assertFalse(shadows.report(asset).isPresent());
        other.uninstall();

        // the candidate's bundle goes away mid-comparison: the comparison ends with its report
        Bundle v2 = context.getBundle(new File(System.getProperty("vigil.model.v2")).toURI().toString());
        shadows.start(asset, "bearing-fault", "2.0.0");
        await().atMost(Duration.ofSeconds(30)).until(() -> shadows.report(asset).orElseThrow()
                .windowsCompared() >= 5);
        v2.uninstall();
        ShadowReport stopped = awaitState(asset, ShadowState.STOPPED);
        assertTrue(stopped.reason(), stopped.reason().contains("withdrawn"));
        assertEquals(stopped.windowsSeen(), stopped.windowsCompared() + stopped.windowsSkipped()
                + stopped.candidateErrors());
        int before = modelVerdicts(asset).size();
        await().atMost(Duration.ofSeconds(30)).until(() -> modelVerdicts(asset).size() > before + 5);
        assertTrue("v1 keeps serving", modelVerdicts(asset).stream().skip(before)
                .allMatch(d -> d.source().version().equals("1.0.0")));
    }

    @Test
    public void theRestApiStartsReportsAndRefusesWithTheConsoleCredentials() throws Exception {
        String asset = "shadow-rest";
        assetOnV1(asset);
        replay(asset, true);
        awaitRest("/shadow", 200);

        assertEquals(401, restAnonymous("POST", "/shadow/" + asset + "/start", "{}").status());
        HttpResult unknownAsset = rest("POST", "/shadow/pump-9/start", "{\"model\":\"bearing-fault\","
                + "\"version\":\"2.0.0\"}");
        assertEquals(404, unknownAsset.status());
        assertTrue(unknownAsset.body(), unknownAsset.body().contains("UNKNOWN_ASSET")
                && unknownAsset.body().contains("pump-9"));
        HttpResult malformed = rest("POST", "/shadow/" + asset + "/start", "{\"model\": ");
        assertEquals(400, malformed.status());
        assertTrue(malformed.body(), malformed.body().contains("not valid JSON"));
        assertEquals(404, rest("POST", "/shadow/" + asset + "/start", "{\"model\":\"bearing-fault\","
                + "\"version\":\"9.0.0\"}").status());
        assertEquals(409, rest("POST", "/shadow/" + asset + "/promote", "{}").status());
        HttpResult oversize = rest("POST", "/shadow/" + asset + "/start", "{\"model\":\"" + "x".repeat(20_000)
                + "\"}");
        assertEquals(oversize.body(), 413, oversize.status());
        assertEquals(404, rest("POST", "/shadow/" + asset + "/launch", "{}").status());
        HttpResult notJson = http(USER, PASSWORD, "POST", RestApi.CONTEXT_PATH + "/shadow/" + asset + "/start",
                null);
        assertEquals("a command without Content-Type: application/json (a forged form) is refused", 415,
                notJson.status());
        assertFalse("nothing started by the refused requests", shadows.report(asset).isPresent());

        HttpResult started = rest("POST", "/shadow/" + asset + "/start", "{\"model\":\"bearing-fault\","
                + "\"version\":\"2.0.0\"}");
        assertEquals(started.body(), 201, started.status());
        assertTrue(started.body(), started.body().contains("\"state\":\"SHADOWING\""));
        await().atMost(Duration.ofSeconds(30)).until(() -> shadows.report(asset).orElseThrow().windowsCompared() > 3);
        HttpResult report = rest("GET", "/shadow/" + asset, null);
        assertEquals(200, report.status());
        com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(report.body()).getAsJsonObject();
        assertEquals("bearing-fault:2.0.0", json.get("candidate").getAsString());
        assertTrue(json.get("windowsCompared").getAsLong() > 3);
        assertTrue(json.getAsJsonObject("alerts").has("candidateOnly"));
        assertEquals(409, rest("POST", "/shadow/" + asset + "/promote", "{\"force\":false}").status());
        HttpResult badForce = rest("POST", "/shadow/" + asset + "/promote", "{\"force\":\"yes\"}");
        assertEquals(400, badForce.status());

        HttpResult rejected = rest("POST", "/shadow/" + asset + "/reject", "{\"reason\":\"not this week\"}");
        assertEquals(200, rejected.status());
        ShadowReport r = shadows.report(asset).orElseThrow();
        assertEquals(ShadowState.REJECTED, r.state());
        assertTrue(r.reason(), r.reason().contains(USER) && r.reason().contains("not this week"));
        assertTrue(modelVerdicts(asset).stream().allMatch(d -> d.source().version().equals("1.0.0")));

        // rollback: only of a promotion, and only once
        HttpResult notPromoted = rest("POST", "/shadow/" + asset + "/rollback", "{}");
        assertEquals(notPromoted.body(), 409, notPromoted.status());
        assertTrue(notPromoted.body(), notPromoted.body().contains("WRONG_STATE")
                && notPromoted.body().contains("REJECTED"));
        HttpResult neverCompared = rest("POST", "/shadow/pump-9/rollback", "{}");
        assertEquals(neverCompared.body(), 404, neverCompared.status());
        assertTrue(neverCompared.body(), neverCompared.body().contains("UNKNOWN_ASSET"));
        assertEquals(201, rest("POST", "/shadow/" + asset + "/start", "{\"model\":\"bearing-fault\","
                + "\"version\":\"2.0.0\"}").status());
        assertEquals(200, rest("POST", "/shadow/" + asset + "/promote", "{\"force\":true}").status());
        assertEquals("[2.0.0,2.0.0]", assetConfig(asset).get("model.versions"));
        HttpResult rolledBack = rest("POST", "/shadow/" + asset + "/rollback", "{}");
        assertEquals(rolledBack.body(), 200, rolledBack.status());
        assertTrue(rolledBack.body(), rolledBack.body().contains("\"state\":\"ROLLED_BACK\""));
        assertTrue(rolledBack.body(), rolledBack.body().contains("rolled back by ") && rolledBack.body()
                .contains(USER) && rolledBack.body().contains(" to bearing-fault:1.0.0"));
        assertEquals("[1.0.0,1.0.0]", assetConfig(asset).get("model.versions"));
        assertEquals(409, rest("POST", "/shadow/" + asset + "/rollback", "{}").status());
    }

    private Map<String, Object> assetConfig(String asset) throws Exception {
        org.osgi.service.cm.Configuration[] cs = configAdmin.listConfigurations(
                "(&(service.factoryPid=io.vigil.runtime.asset)(vigil.asset=" + asset + "))");
        assertEquals(1, cs.length);
        Map<String, Object> map = new java.util.HashMap<>();
        var props = cs[0].getProperties();
        for (var keys = props.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            map.put(k, props.get(k));
        }
        return map;
    }

    /** From the first model verdict on, each window was scored by exactly one model, switching as expected. */
    private void assertOneModelPerWindow(String asset, List<String> expectedRuns) {
        TreeMap<Long, List<String>> scorers = new TreeMap<>();
        for (Detection d : modelVerdicts(asset)) {
            scorers.computeIfAbsent(d.windowSeq(), k -> new ArrayList<>()).add(d.source().version());
        }
        for (long seq = scorers.firstKey(); seq <= scorers.lastKey(); seq++) {
            List<String> by = scorers.get(seq);
            assertTrue("window " + seq + " scored by " + by + ": exactly one model expected", by != null
                    && by.size() == 1);
        }
        List<String> runs = new ArrayList<>();
        scorers.values().forEach(v -> {
            if (runs.isEmpty() || !runs.get(runs.size() - 1).equals(v.get(0))) {
                runs.add(v.get(0));
            }
        });
        assertEquals(expectedRuns, runs);
    }
}
