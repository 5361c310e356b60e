package io.vigil.runtime.internal.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

import org.junit.jupiter.api.Test;

import io.vigil.api.alert.AlertState;
import io.vigil.api.detect.Detection;
import io.vigil.api.detect.ScoredWindow;
import io.vigil.api.feature.FeatureVector;
import io.vigil.api.model.Model;
import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.model.ModelException;
import io.vigil.api.model.TensorSpec;
import io.vigil.api.model.TensorType;
import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.ChannelSpec;
import io.vigil.api.sensor.SampleBlock;

/**
 * The tier-1 path of a channel: which windows a model scores, how its verdict replaces tier-0's, and swaps at
 * window boundaries. The models here are plain {@link Model} implementations scoring by a formula; the ONNX
 * engine behind the real ones is tested in its own bundle and in the itests.
 */
class Tier1Test {

    private static final ChannelSpec SPEC = new ChannelSpec("vibration", ChannelKind.VIBRATION, "g", 1000, 32,
            -10, 10);

    /** A model scoring a window by a function of its features. */
    static final class FormulaModel implements Model {
        final ModelDescriptor descriptor;
        final ToDoubleFunction<FeatureVector> formula;
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean closed;

        FormulaModel(String version, List<String> features, double threshold, ToDoubleFunction<FeatureVector> f) {
            double[] zeros = new double[features.size()];
            double[] ones = new double[features.size()];
            java.util.Arrays.fill(ones, 1);
            descriptor = new ModelDescriptor("bearing-fault", version, "binary-fault-score",
                    new TensorSpec("input", TensorType.FLOAT, new long[] { -1, features.size() }),
                    new TensorSpec("output", TensorType.FLOAT, new long[] { -1, 1 }), features, zeros, ones,
                    threshold);
            formula = f;
        }

        @Override public ModelDescriptor descriptor() { return descriptor; }

        @Override public double[] score(List<FeatureVector> batch) throws ModelException {
            calls.incrementAndGet();
            if (closed) {
                throw new ModelException(ModelException.Reason.CLOSED, "session closed");
            }
            return batch.stream().mapToDouble(formula).toArray();
        }
    }

    private final Random random = new Random(5);
    private final TestSupport.Recorder out = new TestSupport.Recorder();
    private final AtomicReference<Model> serving = new AtomicReference<>();
    private long next = 1_700_000_000_000_000_000L;

    private ChannelPipeline channel(Tier1Mode mode) {
        TestSupport.Config config = new TestSupport.Config();
        config.modelMode = mode;
        return new ChannelPipeline("pump-1", SPEC, PipelineSettings.from(config), kind -> TestSupport.RMS_PEAK,
                serving::get, out, System.nanoTime());
    }

    private void feed(ChannelPipeline c, int blocks, double amplitude) {
        for (int b = 0; b < blocks; b++) {
            double[] v = new double[32];
            for (int i = 0; i < v.length; i++) {
                v[i] = amplitude * random.nextGaussian();
            }
            SampleBlock block = new SampleBlock("pump-1", "vibration", next, 1000, v);
            next = block.nextStartNanos();
            c.onSamples(block, System.nanoTime());
        }
    }

    private List<Detection> bySource(String version) {
        return out.detections.stream().filter(d -> d.source().name().equals("bearing-fault")
                && d.source().version().equals(version)).toList();
    }

    @Test
    void everyWindowModeScoresEachWindowOnceAndSwapsAtAWindowBoundary() {
        ChannelPipeline c = channel(Tier1Mode.EVERY_WINDOW);
        FormulaModel v1 = new FormulaModel("1.0.0", List.of("rms"), 5, f -> f.get("rms"));
        FormulaModel v2 = new FormulaModel("2.0.0", List.of("rms", "peak"), 5, f -> f.get("peak"));
        serving.set(v1);
        feed(c, 11, 1); // 10 windows
        serving.set(v2); // a new bundle started: the next window is v2's
        feed(c, 10, 1);
        serving.set(null); // uninstalled: tier-0 alone
        feed(c, 5, 1);

        List<Long> tier0 = out.detections.stream().filter(d -> d.source().equals(ChannelPipeline.TIER0))
                .map(Detection::windowSeq).toList();
        List<Long> one = bySource("1.0.0").stream().map(Detection::windowSeq).toList();
        List<Long> two = bySource("2.0.0").stream().map(Detection::windowSeq).toList();
        assertEquals(25, tier0.size(), "tier-0 sees every window");
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), one);
        assertEquals(List.of(10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L), two, "none dropped, none twice");
        assertEquals(20, c.status().modelWindows());
        assertEquals("", c.status().model(), "tier-0 only after the uninstall");
    }

    @Test
    void everyWindowIsHandedOnOnceWithTheVerdictTheAlertsActedOn() {
        ChannelPipeline c = channel(Tier1Mode.ESCALATED);
        FormulaModel model = new FormulaModel("1.0.0", List.of("rms"), 0.5, f -> 0.9);
        serving.set(model);
        feed(c, 41, 1); // 40 windows: commissioning and healthy, none escalated
        feed(c, 6, 8); // escalated, confirmed by the model

        List<Long> tier0 = out.detections.stream().filter(d -> d.source().equals(ChannelPipeline.TIER0))
                .map(Detection::windowSeq).toList();
        assertEquals(tier0, out.scored.stream().map(w -> w.verdict().windowSeq()).toList(),
                "every scored window handed on once, in order (windows with too much bad input are not scored)");
        for (ScoredWindow w : out.scored) {
            assertEquals(w.tier0().windowSeq(), w.verdict().windowSeq());
            assertEquals(w.tier0().anomalous(), w.escalated(), "escalated exactly when tier-0 flags, in this mode");
            if (w.escalated()) {
                assertEquals("bearing-fault", w.verdict().source().name(), "the model's verdict is the one acted on");
                assertTrue(w.modelNanos() >= 0);
            } else {
                assertSame(w.tier0(), w.verdict());
                assertEquals(-1, w.modelNanos(), "no model ran");
            }
            assertEquals(List.of("rms", "peak"), w.features().names());
        }
        assertTrue(out.scored.stream().anyMatch(ScoredWindow::escalated));
        assertEquals(List.of("rms", "peak"), c.status().features());
    }

    @Test
    void escalatedModeConfirmsOrDismissesTier0() {
        ChannelPipeline c = channel(Tier1Mode.ESCALATED);
        AtomicReference<Double> verdict = new AtomicReference<>(0.0);
        FormulaModel model = new FormulaModel("1.0.0", List.of("rms"), 0.5, f -> verdict.get());
        serving.set(model);
        feed(c, 41, 1); // commission on 20 windows, then 20 healthy armed windows
        assertEquals(0, model.calls.get(), "healthy windows are not escalated");

        feed(c, 6, 8); // tier-0 flags them; the model says they are fine
        assertTrue(model.calls.get() >= 3);
        assertTrue(out.alerts.isEmpty(), "dismissed by tier-1: " + out.alerts);

        verdict.set(0.9);
        feed(c, 6, 8);
        assertEquals(1, out.alerts.size());
        assertEquals(AlertState.RAISED, out.alerts.get(0).state());
        assertEquals("bearing-fault", out.alerts.get(0).source().name(), "the model raised it");
    }

    @Test
    void modelClosedUnderTheWindowIsReplacedByTheServingOne() {
        FormulaModel old = new FormulaModel("1.0.0", List.of("rms"), 5, f -> 0.1);
        FormulaModel fresh = new FormulaModel("2.0.0", List.of("rms"), 5, f -> 0.2);
        old.closed = true; // withdrawn between the read and the run
        AtomicInteger reads = new AtomicInteger();
        TestSupport.Config config = new TestSupport.Config();
        config.modelMode = Tier1Mode.EVERY_WINDOW;
        ChannelPipeline swapping = new ChannelPipeline("pump-1", SPEC, PipelineSettings.from(config),
                kind -> TestSupport.RMS_PEAK, () -> reads.getAndIncrement() == 0 ? old : fresh, out,
                System.nanoTime());
        feed(swapping, 2, 1); // one window
        assertEquals(1, old.calls.get(), "the closed session was tried");
        assertEquals(List.of(0L), bySource("2.0.0").stream().map(Detection::windowSeq).toList(),
                "scored once, by the model serving now");
        assertTrue(bySource("1.0.0").isEmpty());
        assertEquals(0, swapping.status().modelErrors());
    }

    @Test
    void nanScoreIsCountedAndTier0Decides() {
        ChannelPipeline c = channel(Tier1Mode.EVERY_WINDOW);
        serving.set(new FormulaModel("1.0.0", List.of("rms"), 5, f -> Double.NaN));
        feed(c, 3, 1);
        assertEquals(2, c.status().modelErrors());
        assertEquals(0, c.status().modelWindows());
        assertTrue(bySource("1.0.0").isEmpty());
    }

    @Test
    void modelForOtherFeaturesIsNotApplied() {
        ChannelPipeline c = channel(Tier1Mode.EVERY_WINDOW);
        FormulaModel temperatureModel = new FormulaModel("1.0.0", List.of("slope"), 5, f -> 0);
        serving.set(temperatureModel);
        feed(c, 3, 1);
        assertEquals(0, temperatureModel.calls.get());
        assertEquals(0, c.status().modelErrors());
    }

    @Test
    void pipelineServesTheHighestVersionInRangeAndFallsBackToTier0() throws InterruptedException {
        TestSupport.Config config = new TestSupport.Config();
        config.modelName = "bearing-fault";
        config.modelVersions = "[1.0,2.0)";
        AssetPipeline p = new AssetPipeline(config, a -> { });
        try {
            FormulaModel v1 = new FormulaModel("1.0.0", List.of("rms"), 5, f -> 0);
            FormulaModel v15 = new FormulaModel("1.5.0", List.of("rms"), 5, f -> 0);
            FormulaModel v2 = new FormulaModel("2.0.0", List.of("rms"), 5, f -> 0);
            p.bindModel(v1, Map.of(Model.VERSION, "1.0.0"));
            p.bindModel(v2, Map.of(Model.VERSION, "2.0.0"));
            assertSame(v1, p.tier1(), "2.0.0 is outside [1.0,2.0)");
            p.bindModel(v15, Map.of(Model.VERSION, "1.5.0"));
            assertSame(v15, p.tier1());
            p.unbindModel(v15);
            assertSame(v1, p.tier1(), "back to v1");
            p.unbindModel(v1);
            assertNull(p.tier1(), "tier-0 only");
        } finally {
            p.deactivate();
        }
    }
}
