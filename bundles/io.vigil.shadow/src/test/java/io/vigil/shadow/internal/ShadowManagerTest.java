package io.vigil.shadow.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigil.api.asset.AssetStatus;
import io.vigil.api.asset.ChannelStatus;
import io.vigil.api.asset.PipelineStatus;
import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.detect.ModelRef;
import io.vigil.api.detect.ScoredWindow;
import io.vigil.api.feature.FeatureVector;
import io.vigil.api.model.Model;
import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.model.ModelException;
import io.vigil.api.model.TensorSpec;
import io.vigil.api.model.TensorType;
import io.vigil.api.sensor.InputFault;
import io.vigil.api.shadow.ShadowEvents;
import io.vigil.api.shadow.ShadowException;
import io.vigil.api.shadow.ShadowReport;
import io.vigil.api.shadow.ShadowState;

/**
 * The shadow manager and its comparisons without a container: the windows are built here, the models are
 * formulas (the ONNX engine behind real candidates is exercised by the itests), the live-model switch records
 * what it is asked.
 */
class ShadowManagerTest {

    private static final List<String> FEATURES = List.of("rms", "kurtosis");
    private static final ModelRef LIVE = new ModelRef("bearing-fault", "1.0.0");

    @TempDir
    Path dir;

    private final List<String> topics = new CopyOnWriteArrayList<>();
    private final List<String> switched = new CopyOnWriteArrayList<>();
    private final AtomicLong clock = new AtomicLong();
    private volatile ShadowException switchFailure;
    private List<String> channelFeatures = FEATURES;
    private String liveModel = LIVE.toString();
    private volatile boolean assetConfigured = true;
    private volatile LiveModelSwitch.Selection selection = new LiveModelSwitch.Selection("bearing-fault",
            "[1.0,2.0)");
    private ShadowManager manager;
    private long seq;

    /** A candidate scoring by a formula of its features. */
    static final class FormulaModel implements Model {
        final ModelDescriptor descriptor;
        final ToDoubleFunction<FeatureVector> formula;

        FormulaModel(String name, String version, List<String> features, ToDoubleFunction<FeatureVector> f) {
            double[] ones = new double[features.size()];
            Arrays.fill(ones, 1);
            descriptor = new ModelDescriptor(name, version, "binary-fault-score",
                    new TensorSpec("input", TensorType.FLOAT, new long[] { -1, features.size() }),
                    new TensorSpec("output", TensorType.FLOAT, new long[] { -1, 1 }), features,
                    new double[features.size()], ones, 0.5);
            formula = f;
        }

        @Override public ModelDescriptor descriptor() { return descriptor; }

        @Override public double[] score(List<FeatureVector> batch) throws ModelException {
            double[] out = new double[batch.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = formula.applyAsDouble(batch.get(i));
            }
            return out;
        }
    }

    private final PipelineStatus pipelines = new PipelineStatus() {
        @Override public List<AssetStatus> assets() { return List.of(asset()); }
        @Override public Optional<AssetStatus> asset(String id) {
            return id.equals("pump-1") && assetConfigured ? Optional.of(asset()) : Optional.empty();
        }
        private AssetStatus asset() {
            Map<InputFault, Long> none = new EnumMap<>(InputFault.class);
            return new AssetStatus("pump-1", 1, List.of(new ChannelStatus("vibration", 0, 0, 0, none, false,
                    DetectorState.ARMED, 1, 0.001, 0, false, liveModel, 0, 0, channelFeatures)));
        }
    };

    private ShadowManager manager(GateSettings gate) throws Exception {
        manager = new ShadowManager(gate, new ReportStore(dir), pipelines, new LiveModelSwitch() {
            @Override
            public Selection switchTo(String asset, Selection to) throws ShadowException {
                if (switchFailure != null) {
                    throw switchFailure;
                }
                switched.add(asset + " " + describe(to));
                Selection before = selection;
                selection = to;
                return before;
            }

            @Override
            public Selection current(String asset) {
                return selection;
            }
        }, (topic, props) -> topics.add(topic + " " + props.get(ShadowEvents.ASSET)), clock::get);
        return manager;
    }

    /** {@code name:version} for a pinned selection, as promotions write them; else the selection itself. */
    private static String describe(LiveModelSwitch.Selection s) {
        String v = s.versions();
        int comma = v.indexOf(',');
        boolean pinned = v.startsWith("[") && v.endsWith("]") && comma > 0 && v.substring(1, comma).equals(
                v.substring(comma + 1, v.length() - 1));
        return s.name().isEmpty() ? "tier0" : pinned ? s.name() + ":" + v.substring(1, comma) : s.toString();
    }

    private static GateSettings gate(int minWindows, Promotion promotion, int queue) {
        return new GateSettings(minWindows, 0, 0.05, 0.05, 0.05, 0.9, 1000, 1, 0, promotion, queue, 60);
    }

    @AfterEach
    void stop() throws Exception {
        if (manager != null) {
            manager.deactivate();
        }
    }

    /** A window the live side decided: score above 0.5 is anomalous, escalated to the live model. */
    private ScoredWindow window(double liveScore, double rms) {
        return window(liveScore, rms, true);
    }

    private ScoredWindow window(double liveScore, double rms, boolean escalated) {
        long s = seq++;
        Detection tier0 = new Detection("pump-1", "vibration", s, s, new ModelRef("tier0", "1.0.0"),
                DetectorState.ARMED, 1, 5, false, 0, 0);
        Detection verdict = escalated ? new Detection("pump-1", "vibration", s, s, LIVE, DetectorState.ARMED,
                liveScore, 0.5, liveScore > 0.5, 0, 0) : tier0;
        return new ScoredWindow(tier0, verdict, new FeatureVector(FEATURES, new double[] { rms, 3 }), escalated,
                escalated ? 1000 : -1);
    }

    /** Waits until the candidate has caught up with {@code windows} windows handed to it. */
    private ShadowReport awaitCompared(long windows) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> manager.report("pump-1").orElseThrow(),
                r -> r.windowsSeen() == windows && r.windowsCompared() + r.windowsNotEscalated() + r.windowsSkipped()
                        + r.candidateErrors() == windows);
    }

    private ShadowReport awaitState(ShadowState state) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> manager.report("pump-1").orElseThrow(),
                r -> r.state() == state);
    }

    private static Model agreeing() {
        return new FormulaModel("bearing-fault", "2.0.0", FEATURES, f -> f.get("rms") > 1 ? 0.9 : 0.1);
    }

    @Test
    void countsAndTableMatchTheWindowsFed() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 10_000));
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        // live: anomalous on rms > 1 except every 10th; candidate: rms > 1
        int expectedBoth = 0;
        int expectedLiveOnly = 0;
        int expectedCandidateOnly = 0;
        for (int i = 0; i < 200; i++) {
            double rms = i % 4 == 0 ? 2 : 0.5;
            boolean live = rms > 1 ? i % 10 != 0 : i % 7 == 0;
            boolean candidate = rms > 1;
            expectedBoth += live && candidate ? 1 : 0;
            expectedLiveOnly += live && !candidate ? 1 : 0;
            expectedCandidateOnly += !live && candidate ? 1 : 0;
            manager.onWindow(window(live ? 0.8 : 0.2, rms));
        }
        ShadowReport r = awaitCompared(200);
        assertEquals(200, r.windowsCompared() + r.windowsSkipped() + r.candidateErrors());
        assertEquals(200, r.windowsCompared(), "nothing skipped with a large queue");
        assertEquals(expectedBoth, r.alerts().both());
        assertEquals(expectedLiveOnly, r.alerts().liveOnly());
        assertEquals(expectedCandidateOnly, r.alerts().candidateOnly());
        assertEquals(200, r.alerts().total());
        assertEquals((r.alerts().both() + r.alerts().neither()) / 200.0, r.agreement(), 1e-12);
        assertEquals(r.candidateAlertRate() - r.liveAlertRate(), r.rateDifference(), 1e-12);
        assertTrue(r.rateDifferenceLow() <= r.rateDifference() && r.rateDifference() <= r.rateDifferenceHigh());
        assertEquals(200, r.scores().pairs());
        assertEquals(ShadowState.SHADOWING, r.state(), "below the gate's minimum windows");
        assertEquals("bearing-fault:1.0.0", r.live());
    }

    @Test
    void windowsOfOtherChannelsAreNotCounted() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        Detection t = new Detection("pump-1", "temperature", 0, 0, new ModelRef("tier0", "1.0.0"),
                DetectorState.ARMED, 1, 5, false, 0, 0);
        manager.onWindow(new ScoredWindow(t, t, new FeatureVector(List.of("mean"), new double[] { 40 }), false, -1));
        manager.onWindow(window(0.2, 0.5));
        ShadowReport r = awaitCompared(1);
        assertEquals(1, r.windowsCompared());
    }

    @Test
    void aSlowCandidateSkipsWindowsAndNeverHoldsTheLivePathBack() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        manager(gate(1000, Promotion.OPERATOR, 2));
        manager.bindModel(new FormulaModel("bearing-fault", "2.0.0", FEATURES, f -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0.1;
        }), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        for (int i = 0; i < 50; i++) {
            manager.onWindow(window(0.2, 0.5)); // returns although the candidate is stuck on the first window
        }
        release.countDown();
        ShadowReport r = awaitCompared(50);
        assertEquals(50, r.windowsCompared() + r.windowsSkipped());
        assertTrue(r.windowsSkipped() >= 47, "one running, two queued, the rest skipped: " + r.windowsSkipped());
    }

    @Test
    void aGoodCandidateBecomesReadyAndIsPromotedByTheOperator() throws Exception {
        manager(gate(50, Promotion.OPERATOR, 1000));
        manager.bindModel(new FormulaModel("bearing-fault", "1.0.0", FEATURES, f -> 0), Map.of());
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        ShadowException early = assertThrows(ShadowException.class, () -> manager.promote("pump-1", false, "ann"));
        assertEquals(ShadowException.Reason.WRONG_STATE, early.reason());
        assertTrue(early.getMessage().contains("SHADOWING, not READY"), early.getMessage());
        for (int i = 0; i < 60; i++) {
            manager.onWindow(window(i % 3 == 0 ? 0.9 : 0.1, i % 3 == 0 ? 2 : 0.5));
        }
        ShadowReport ready = await().atMost(Duration.ofSeconds(10)).until(() -> manager.report("pump-1")
                .orElseThrow(), r -> r.state() == ShadowState.READY);
        assertTrue(ready.failedCriteria().isEmpty());
        assertTrue(ready.criteria().stream().anyMatch(c -> c.name().equals(PromotionGate.AGREEMENT)));
        assertTrue(topics.contains(ShadowEvents.TOPIC_READY + " pump-1"), topics.toString());
        assertTrue(switched.isEmpty(), "operator promotion: nothing switched yet");

        ShadowReport promoted = manager.promote("pump-1", false, "ann");
        assertEquals(ShadowState.PROMOTED, promoted.state());
        assertEquals(List.of("pump-1 bearing-fault:2.0.0"), switched);
        assertEquals("bearing-fault:1.0.0", promoted.rollbackTarget());
        assertEquals("ann", promoted.promotedBy());
        assertFalse(promoted.forced());
        assertTrue(promoted.endedEpochMillis() > 0);
        assertEquals(List.of(ShadowEvents.TOPIC_STARTED + " pump-1", ShadowEvents.TOPIC_READY + " pump-1",
                ShadowEvents.TOPIC_PROMOTED + " pump-1"), topics);
        manager.onWindow(window(0.1, 0.5));
        assertEquals(promoted.windowsSeen(), manager.report("pump-1").orElseThrow().windowsSeen(),
                "a promoted comparison takes no more windows");
    }

    @Test
    void automaticPromotionFollowsTheGate() throws Exception {
        manager(gate(50, Promotion.AUTOMATIC, 1000)); // 50 agreeing windows bound the difference within +-0.04
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        for (int i = 0; i < 55; i++) {
            manager.onWindow(window(0.1, 0.5));
        }
        ShadowReport r = await().atMost(Duration.ofSeconds(10)).until(() -> manager.report("pump-1").orElseThrow(),
                x -> x.state() == ShadowState.PROMOTED);
        assertEquals("gate", r.promotedBy());
        assertEquals(List.of("pump-1 bearing-fault:2.0.0"), switched);
    }

    @Test
    void aCandidateThatAlertsOnEverythingIsRejectedNamingTheCriteria() throws Exception {
        manager(gate(50, Promotion.AUTOMATIC, 1000));
        manager.bindModel(new FormulaModel("alarmist", "1.0.0", FEATURES, f -> 1.0), Map.of());
        manager.start("pump-1", "alarmist", "1.0.0");
        for (int i = 0; i < 60; i++) {
            manager.onWindow(window(0.1, 0.5));
        }
        ShadowReport r = await().atMost(Duration.ofSeconds(10)).until(() -> manager.report("pump-1").orElseThrow(),
                x -> x.state() == ShadowState.REJECTED);
        assertTrue(r.failedCriteria().contains(PromotionGate.RATE_INCREASE), r.failedCriteria().toString());
        assertTrue(r.failedCriteria().contains(PromotionGate.AGREEMENT), r.failedCriteria().toString());
        assertFalse(r.failedCriteria().contains(PromotionGate.RATE_DECREASE));
        assertTrue(r.reason().contains(PromotionGate.RATE_INCREASE), r.reason());
        assertTrue(switched.isEmpty(), "never promoted");
        await().atMost(Duration.ofSeconds(10)).until(() -> topics.contains(ShadowEvents.TOPIC_REJECTED + " pump-1"));
    }

    @Test
    void aCandidateThatStopsAlertingFailsTheDecreaseCriterion() throws Exception {
        manager(gate(50, Promotion.OPERATOR, 1000));
        manager.bindModel(new FormulaModel("silent", "1.0.0", FEATURES, f -> 0.0), Map.of());
        manager.start("pump-1", "silent", "1.0.0");
        for (int i = 0; i < 60; i++) {
            manager.onWindow(window(0.9, 2));
        }
        ShadowReport r = await().atMost(Duration.ofSeconds(10)).until(() -> manager.report("pump-1").orElseThrow(),
                x -> x.state() == ShadowState.REJECTED);
        assertTrue(r.failedCriteria().contains(PromotionGate.RATE_DECREASE), r.failedCriteria().toString());
    }

    @Test
    void aCandidateThatThrowsOrScoresNanIsCountedAndRejected() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 1000));
        manager.bindModel(new FormulaModel("nan", "1.0.0", FEATURES, f -> Double.NaN), Map.of());
        manager.bindModel(new FormulaModel("thrower", "1.0.0", FEATURES, f -> {
            throw new IllegalStateException("boom");
        }), Map.of());
        manager.start("pump-1", "nan", "1.0.0");
        manager.onWindow(window(0.1, 0.5));
        ShadowReport nan = await().atMost(Duration.ofSeconds(10)).until(() -> manager.report("pump-1")
                .orElseThrow(), x -> x.state() == ShadowState.REJECTED);
        assertEquals(1, nan.candidateErrors());
        assertEquals(List.of(PromotionGate.ERRORS), nan.failedCriteria());

        manager.start("pump-1", "thrower", "1.0.0"); // a rejected comparison frees the asset
        manager.onWindow(window(0.1, 0.5));
        ShadowReport thrown = await().atMost(Duration.ofSeconds(10)).until(() -> manager.report("pump-1")
                .orElseThrow(), x -> x.state() == ShadowState.REJECTED);
        assertEquals(1, thrown.candidateErrors());
        assertEquals(1, thrown.windowsSeen());
    }

    @Test
    void forcingAPromotionIsPossibleAndRecorded() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 1000));
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        ShadowReport r = manager.promote("pump-1", true, "bob");
        assertEquals(ShadowState.PROMOTED, r.state());
        assertTrue(r.forced());
        assertTrue(r.reason().contains("forced"), r.reason());
    }

    @Test
    void aFailedSwitchLeavesTheComparisonRunning() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 1000));
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        switchFailure = new ShadowException(ShadowException.Reason.PROMOTION_FAILED, "disk full");
        ShadowException e = assertThrows(ShadowException.class, () -> manager.promote("pump-1", true, "bob"));
        assertEquals(ShadowException.Reason.PROMOTION_FAILED, e.reason());
        assertEquals(ShadowState.SHADOWING, manager.report("pump-1").orElseThrow().state());
        manager.onWindow(window(0.1, 0.5));
        awaitCompared(1);
    }

    @Test
    void aWithdrawnCandidateEndsTheComparisonWithItsReport() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 1000));
        Model candidate = agreeing();
        manager.bindModel(candidate, Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        for (int i = 0; i < 10; i++) {
            manager.onWindow(window(0.1, 0.5));
        }
        awaitCompared(10);
        manager.unbindModel(candidate);
        ShadowReport r = manager.report("pump-1").orElseThrow();
        assertEquals(ShadowState.STOPPED, r.state());
        assertEquals(10, r.windowsCompared());
        assertTrue(r.reason().contains("withdrawn"), r.reason());
        assertTrue(topics.contains(ShadowEvents.TOPIC_STOPPED + " pump-1"));
    }

    @Test
    void badRequestsAreRefusedWithTheValueNamed() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 1000));
        manager.bindModel(agreeing(), Map.of());
        manager.bindModel(new FormulaModel("other", "1.0.0", List.of("rms", "envelope_bpfo"), f -> 0), Map.of());
        manager.bindModel(new FormulaModel("bearing-fault", "1.0.0", FEATURES, f -> 0), Map.of());

        assertRefused(ShadowException.Reason.UNKNOWN_ASSET, "pump-9", () -> manager.start("pump-9",
                "bearing-fault", "2.0.0"));
        assertRefused(ShadowException.Reason.UNKNOWN_MODEL, "bearing-fault:3.0.0", () -> manager.start("pump-1",
                "bearing-fault", "3.0.0"));
        assertRefused(ShadowException.Reason.BAD_REQUEST, "two", () -> manager.start("pump-1", "bearing-fault",
                "two"));
        assertRefused(ShadowException.Reason.BAD_REQUEST, "model name", () -> manager.start("pump-1", " ", "1"));
        assertRefused(ShadowException.Reason.INPUT_MISMATCH, "envelope_bpfo", () -> manager.start("pump-1",
                "other", "1.0.0"));
        assertRefused(ShadowException.Reason.WRONG_STATE, "already the live model", () -> manager.start("pump-1",
                "bearing-fault", "1.0.0"));
        assertRefused(ShadowException.Reason.WRONG_STATE, "no comparison runs", () -> manager.stop("pump-1"));
        channelFeatures = List.of(); // no window yet: accepted, its windows will tell
        manager.start("pump-1", "bearing-fault", "2.0.0");
        assertRefused(ShadowException.Reason.WRONG_STATE, "already shadows", () -> manager.start("pump-1",
                "bearing-fault", "2.0.0"));
        assertTrue(switched.isEmpty());
    }

    @Test
    void theGateWaitsForTheMinimumDuration() throws Exception {
        manager(new GateSettings(5, 60, 0.2, 0.2, 0.05, 0.5, 1000, 1, 0, Promotion.OPERATOR, 100, 60));
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        for (int i = 0; i < 10; i++) {
            manager.onWindow(window(0.1, 0.5));
        }
        assertEquals(ShadowState.SHADOWING, awaitCompared(10).state(), "10 windows but no time has passed");
        clock.set(TimeUnit.SECONDS.toNanos(61));
        for (int i = 0; i < 6; i++) { // the gate looks again at the 16th window
            manager.onWindow(window(0.1, 0.5));
        }
        assertEquals(ShadowState.READY, await().atMost(Duration.ofSeconds(10)).until(() -> manager.report("pump-1")
                .orElseThrow().state(), s -> s == ShadowState.READY));
    }

    @Test
    void reportsSurviveARestartAndARunningOneEndsHonestly() throws Exception {
        manager(gate(5, Promotion.OPERATOR, 100));
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        for (int i = 0; i < 7; i++) {
            manager.onWindow(window(0.1, 0.5));
        }
        awaitCompared(7);
        manager.deactivate();

        manager(gate(5, Promotion.OPERATOR, 100));
        ShadowReport r = manager.report("pump-1").orElseThrow();
        assertEquals(ShadowState.STOPPED, r.state());
        assertEquals(7, r.windowsCompared());
        assertTrue(r.reason().contains("restart"), r.reason());
        assertEquals(1.0, r.liveLatency().p50Micros(), "the figures survive the JSON round trip");
        assertEquals(2, r.liveLatency().samples(), "7 windows less 5 warm-up runs");

        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        manager.promote("pump-1", true, "ann");
        manager.deactivate();
        manager(gate(5, Promotion.OPERATOR, 100));
        ShadowReport promoted = manager.report("pump-1").orElseThrow();
        assertEquals(ShadowState.PROMOTED, promoted.state(), "the promotion is on record after a restart");
        assertEquals("bearing-fault [1.0,2.0)", promoted.rollbackTarget(),
                "no installed model in the configured range: the configuration itself");
        manager.deactivate();
        manager = null;
        List<String> files = new ArrayList<>();
        try (var s = java.nio.file.Files.list(dir)) {
            s.forEach(p -> files.add(p.getFileName().toString()));
        }
        assertEquals(List.of("pump-1.json"), files, "one report per asset, no temporary files left");
    }

    @Test
    void aComparisonEndsWhenItsAssetIsRemoved() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        manager.persistRunning();
        assertEquals(ShadowState.SHADOWING, manager.report("pump-1").orElseThrow().state(), "asset still there");
        assetConfigured = false;
        manager.persistRunning();
        ShadowReport r = manager.report("pump-1").orElseThrow();
        assertEquals(ShadowState.STOPPED, r.state());
        assertTrue(r.reason().contains("configuration was removed"), r.reason());
    }

    @Test
    void startingAndEndingComparisonsLeavesNoThreadBehind() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        manager.bindModel(agreeing(), Map.of());
        for (int i = 0; i < 50; i++) {
            manager.start("pump-1", "bearing-fault", "2.0.0");
            manager.onWindow(window(0.1, 0.5));
            if (i % 2 == 0) {
                manager.stop("pump-1");
            } else {
                manager.reject("pump-1", "cycle " + i, "test");
            }
        }
        assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vigil-shadow-pump-1") && t.isAlive()).count());
    }

    @Test
    void theGogoCommandExplainsRefusalsAndUsage() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        manager.bindModel(agreeing(), Map.of());
        ShadowCommands shell = new ShadowCommands(manager);
        assertTrue(shell.shadow().startsWith("no shadow comparison yet"));
        assertTrue(shell.shadow("start", "pump-1").contains("usage:"), "missing arguments: usage");
        assertTrue(shell.shadow("frobnicate").contains("unknown sub-command 'frobnicate'"));
        String refused = shell.shadow("start", "pump-7", "bearing-fault", "2.0.0");
        assertTrue(refused.startsWith("refused (UNKNOWN_ASSET)") && refused.contains("pump-7"), refused);
        String started = shell.shadow("start", "pump-1", "bearing-fault", "2.0.0");
        assertTrue(started.contains("state      SHADOWING"), started);
        assertTrue(shell.shadow("promote", "pump-1").startsWith("refused (WRONG_STATE)"));
        assertTrue(shell.shadow().contains("pump-1"));
        String forced = shell.shadow("promote", "pump-1", "--force");
        assertTrue(forced.contains("state      PROMOTED") && forced.contains("(forced)"), forced);
        assertTrue(shell.shadow("status", "pump-1").contains("rollback"));
    }

    @Test
    void windowsTierZeroDecidedAreCountedButNotCompared() throws Exception {
        manager(gate(20, Promotion.OPERATOR, 1000));
        manager.bindModel(new FormulaModel("alarmist", "1.0.0", FEATURES, f -> 1.0), Map.of());
        manager.start("pump-1", "alarmist", "1.0.0");
        for (int i = 0; i < 100; i++) {
            manager.onWindow(window(0.1, 0.5, i % 10 == 0)); // escalated 1 in 10, as tier-0 flags them
        }
        ShadowReport r = awaitCompared(100);
        assertEquals(10, r.windowsCompared(), "only the escalated windows say anything about the candidate");
        assertEquals(90, r.windowsNotEscalated());
        assertEquals(10, r.alerts().candidateOnly());
        assertEquals(1.0, r.candidateAlertRate(), 0.0, "a candidate that alerts on everything is seen as such");
        assertEquals(ShadowState.SHADOWING, r.state(), "20 compared windows are needed, not 20 windows");
    }

    @Test
    void infiniteScoresAndLinkageErrorsAreCandidateErrors() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 1000));
        manager.bindModel(new FormulaModel("inf", "1.0.0", FEATURES, f -> Double.POSITIVE_INFINITY), Map.of());
        manager.bindModel(new FormulaModel("gone", "1.0.0", FEATURES, f -> {
            throw new NoClassDefFoundError("io/vigil/model/Gone");
        }), Map.of());
        manager.start("pump-1", "inf", "1.0.0");
        manager.onWindow(window(0.1, 0.5));
        assertEquals(1, awaitState(ShadowState.REJECTED).candidateErrors());
        manager.start("pump-1", "gone", "1.0.0");
        manager.onWindow(window(0.1, 0.5));
        manager.onWindow(window(0.1, 0.5));
        ShadowReport r = await().atMost(Duration.ofSeconds(10)).until(() -> manager.report("pump-1").orElseThrow(),
                x -> x.state() == ShadowState.REJECTED && x.windowsSeen() == x.windowsCompared()
                        + x.windowsSkipped() + x.candidateErrors());
        assertTrue(r.candidateErrors() >= 1, r.toString());
    }

    @Test
    void undecidedEvidenceKeepsShadowingInsteadOfRejecting() throws Exception {
        // 3 disagreements in 50: agreement 0.94 is below 0.95, but its interval reaches above it
        manager(new GateSettings(50, 0, 0.5, 0.5, 0.05, 0.95, 1000, 1, 0, Promotion.OPERATOR, 1000, 60));
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        for (int i = 0; i < 50; i++) {
            manager.onWindow(window(i < 3 ? 0.9 : 0.1, 0.5));
        }
        ShadowReport r = awaitCompared(50);
        assertEquals(ShadowState.SHADOWING, r.state(), r.criteria().toString());
        assertTrue(r.criteria().stream().anyMatch(c -> c.name().equals(PromotionGate.AGREEMENT)
                && c.outcome() == ShadowReport.Outcome.UNDECIDED), r.criteria().toString());
        assertTrue(r.failedCriteria().isEmpty());
    }

    @Test
    void aPromotionWrittenJustBeforeACrashIsRecognisedAtTheNextStart() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        // the configuration was switched, then the process died before the report said so
        selection = new LiveModelSwitch.Selection("bearing-fault", "[2.0.0,2.0.0]");
        manager = null; // no deactivate: a crash
        manager(gate(1000, Promotion.OPERATOR, 100));
        ShadowReport r = manager.report("pump-1").orElseThrow();
        assertEquals(ShadowState.PROMOTED, r.state(), r.reason());
    }

    /** The asset on 1.0.0 (both versions installed), 2.0.0 promoted by ann. */
    private ShadowReport promotedFromOneToTwo() throws Exception {
        manager.bindModel(new FormulaModel("bearing-fault", "1.0.0", FEATURES, f -> 0), Map.of());
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        ShadowReport promoted = manager.promote("pump-1", true, "ann");
        assertEquals("bearing-fault:1.0.0", promoted.rollbackTarget());
        return promoted;
    }

    @Test
    void aRollbackSwitchesBackToTheModelThePromotionReplaced() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        ShadowReport promoted = promotedFromOneToTwo();
        clock.addAndGet(1); // any later time
        ShadowReport r = manager.rollback("pump-1", "carl");
        assertEquals(ShadowState.ROLLED_BACK, r.state());
        assertFalse(r.state().running());
        assertEquals("rolled back by carl to bearing-fault:1.0.0", r.reason());
        assertEquals(List.of("pump-1 bearing-fault:2.0.0", "pump-1 bearing-fault:1.0.0"), switched,
                "promoted, then the model it replaced pinned as the promotion pinned the candidate");
        assertEquals(LiveModelSwitch.Selection.pinned("bearing-fault", "1.0.0"), selection);
        assertEquals("bearing-fault:1.0.0", r.rollbackTarget(), "the promotion's record is kept");
        assertEquals("ann", r.promotedBy());
        assertTrue(r.forced());
        assertEquals(promoted.endedEpochMillis(), r.endedEpochMillis(), "ended when promoted");
        assertTrue(r.updatedEpochMillis() >= promoted.updatedEpochMillis());
        assertEquals(promoted.windowsCompared(), r.windowsCompared());
        assertEquals(r, manager.report("pump-1").orElseThrow());
        assertEquals(List.of(r), manager.reports());
        assertEquals(ShadowEvents.TOPIC_PREFIX + "ROLLED_BACK", ShadowEvents.TOPIC_ROLLED_BACK);
        assertEquals(List.of(ShadowEvents.TOPIC_STARTED + " pump-1", ShadowEvents.TOPIC_PROMOTED + " pump-1",
                ShadowEvents.TOPIC_ROLLED_BACK + " pump-1"), topics);

        assertRefused(ShadowException.Reason.WRONG_STATE, "rolled back already", () -> manager.rollback("pump-1",
                "carl"));
        assertRefused(ShadowException.Reason.WRONG_STATE, "no comparison runs", () -> manager.promote("pump-1",
                true, "carl"));
        assertEquals(2, switched.size(), "refusals change nothing");
        assertEquals(3, topics.size());

        // a new comparison replaces the report, as after any ended comparison; it is not a promotion
        manager.start("pump-1", "bearing-fault", "2.0.0");
        assertEquals(ShadowState.SHADOWING, manager.report("pump-1").orElseThrow().state());
        assertRefused(ShadowException.Reason.WRONG_STATE, "shadows asset pump-1", () -> manager.rollback("pump-1",
                "carl"));
    }

    @Test
    void aRollbackRestoresTierZeroOrTheConfiguredRangeWhenThatIsWhatThePromotionReplaced() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        manager.bindModel(agreeing(), Map.of());
        // no installed model in [1.0,2.0): the target is the configuration itself, restored as it was
        manager.start("pump-1", "bearing-fault", "2.0.0");
        assertEquals("bearing-fault [1.0,2.0)", manager.promote("pump-1", true, "ann").rollbackTarget());
        ShadowReport r = manager.rollback("pump-1", "carl");
        assertEquals(new LiveModelSwitch.Selection("bearing-fault", "[1.0,2.0)"), selection);
        assertTrue(r.reason().startsWith("rolled back by carl to bearing-fault [1.0,2.0); no installed model "
                + "matches"), r.reason());

        // tier-0 only before the promotion: tier-0 only after the rollback
        selection = LiveModelSwitch.Selection.tier0();
        manager.start("pump-1", "bearing-fault", "2.0.0");
        assertEquals(ShadowManager.TIER0, manager.promote("pump-1", true, "ann").rollbackTarget());
        ShadowReport tier0 = manager.rollback("pump-1", null);
        assertEquals("rolled back by an operator to tier0", tier0.reason());
        assertEquals("", selection.name());
        assertEquals("pump-1 tier0", switched.get(switched.size() - 1));
    }

    @Test
    void onlyAPromotionCanBeRolledBack() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        manager.bindModel(agreeing(), Map.of());
        assertRefused(ShadowException.Reason.UNKNOWN_ASSET, "pump-1", () -> manager.rollback("pump-1", "carl"));
        assertRefused(ShadowException.Reason.BAD_REQUEST, "asset", () -> manager.rollback(" ", "carl"));
        manager.start("pump-1", "bearing-fault", "2.0.0");
        assertRefused(ShadowException.Reason.WRONG_STATE, "SHADOWING", () -> manager.rollback("pump-1", "carl"));
        manager.stop("pump-1");
        assertRefused(ShadowException.Reason.WRONG_STATE, "STOPPED", () -> manager.rollback("pump-1", "carl"));
        manager.start("pump-1", "bearing-fault", "2.0.0");
        manager.reject("pump-1", "no", "carl");
        assertRefused(ShadowException.Reason.WRONG_STATE, "REJECTED", () -> manager.rollback("pump-1", "carl"));
        assertTrue(switched.isEmpty());
        assertEquals(ShadowState.REJECTED, manager.report("pump-1").orElseThrow().state());
    }

    @Test
    void aFailedRollbackLeavesThePromotionInPlace() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        ShadowReport promoted = promotedFromOneToTwo();
        switchFailure = new ShadowException(ShadowException.Reason.PROMOTION_FAILED, "disk full");
        assertRefused(ShadowException.Reason.PROMOTION_FAILED, "disk full", () -> manager.rollback("pump-1",
                "carl"));
        assertEquals(promoted, manager.report("pump-1").orElseThrow());
        assertEquals(LiveModelSwitch.Selection.pinned("bearing-fault", "2.0.0"), selection);
        assertFalse(topics.contains(ShadowEvents.TOPIC_ROLLED_BACK + " pump-1"));
        manager.deactivate();
        manager(gate(1000, Promotion.OPERATOR, 100));
        assertEquals(ShadowState.PROMOTED, manager.report("pump-1").orElseThrow().state(), "nothing written");

        switchFailure = null; // fixed: the rollback can be asked again
        assertEquals(ShadowState.ROLLED_BACK, manager.rollback("pump-1", "carl").state());
    }

    @Test
    void aRollbackSurvivesARestart() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        promotedFromOneToTwo();
        ShadowReport rolledBack = manager.rollback("pump-1", "carl");
        manager.deactivate();
        manager(gate(1000, Promotion.OPERATOR, 100));
        ShadowReport kept = manager.report("pump-1").orElseThrow();
        assertEquals(ShadowState.ROLLED_BACK, kept.state());
        assertEquals(rolledBack.reason(), kept.reason());
        assertEquals(rolledBack.updatedEpochMillis(), kept.updatedEpochMillis(), "not rewritten at the start");
        assertRefused(ShadowException.Reason.WRONG_STATE, "rolled back already", () -> manager.rollback("pump-1",
                "carl"));
    }

    @Test
    void aRollbackWrittenJustBeforeACrashIsRecognisedAtTheNextStart() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        ShadowReport promoted = promotedFromOneToTwo();
        // the configuration was switched back, then the process died before the report said so
        selection = LiveModelSwitch.Selection.pinned("bearing-fault", "1.0.0");
        manager = null; // no deactivate: a crash
        manager(gate(1000, Promotion.OPERATOR, 100));
        ShadowReport r = manager.report("pump-1").orElseThrow();
        assertEquals(ShadowState.ROLLED_BACK, r.state(), r.reason());
        assertTrue(r.reason().contains("rollback target bearing-fault:1.0.0"), r.reason());
        assertEquals(promoted.endedEpochMillis(), r.endedEpochMillis());
        manager.deactivate();
        manager(gate(1000, Promotion.OPERATOR, 100));
        assertEquals(r, manager.report("pump-1").orElseThrow(), "completed once, written then");
    }

    @Test
    void aPromotionCompletedAtTheNextStartHasNoTargetAndCannotBeRolledBack() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        manager.bindModel(agreeing(), Map.of());
        manager.start("pump-1", "bearing-fault", "2.0.0");
        selection = LiveModelSwitch.Selection.pinned("bearing-fault", "2.0.0");
        manager = null; // crash between the configuration and the report
        manager(gate(1000, Promotion.OPERATOR, 100));
        assertEquals(ShadowState.PROMOTED, manager.report("pump-1").orElseThrow().state());
        assertRefused(ShadowException.Reason.WRONG_STATE, "no rollback target", () -> manager.rollback("pump-1",
                "carl"));
        assertTrue(switched.isEmpty());
    }

    @Test
    void theGogoCommandRollsBack() throws Exception {
        manager(gate(1000, Promotion.OPERATOR, 100));
        ShadowCommands shell = new ShadowCommands(manager);
        assertTrue(ShadowCommands.USAGE.contains("shadow rollback <asset>"));
        assertTrue(shell.shadow("rollback").contains("usage:"));
        assertTrue(shell.shadow("rollback", "pump-1").startsWith("refused (UNKNOWN_ASSET)"));
        promotedFromOneToTwo();
        String done = shell.shadow("rollback", "pump-1");
        assertTrue(done.contains("state      ROLLED_BACK (rolled back by console:"), done);
        assertTrue(done.contains("back on bearing-fault:1.0.0; bearing-fault:2.0.0 had been promoted by ann "
                + "(forced)"), done);
        assertTrue(shell.shadow().contains("ROLLED_BACK"));
        assertTrue(shell.shadow("rollback", "pump-1").startsWith("refused (WRONG_STATE)"));
    }

    interface Call {
        void run() throws ShadowException;
    }

    private static void assertRefused(ShadowException.Reason reason, String named, Call call) {
        ShadowException e = assertThrows(ShadowException.class, call::run);
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(named), "message names '" + named + "': " + e.getMessage());
    }
}
