package io.vigil.runtime.internal.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.vigil.api.alert.AlertState;
import io.vigil.api.asset.ChannelStatus;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.feature.FeatureExtractor;
import io.vigil.api.feature.FeatureVector;
import io.vigil.api.feature.Window;
import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.ChannelSpec;
import io.vigil.api.sensor.InputFault;
import io.vigil.api.sensor.SampleBlock;

class ChannelPipelineTest {

    private static final double RATE = 1000;
    private static final int BLOCK = 32; // one hop: each block after the first window completes a window
    private static final ChannelSpec SPEC = new ChannelSpec("vibration", ChannelKind.VIBRATION, "g", RATE, BLOCK,
            -10, 10);

    private final Random random = new Random(11);
    private TestSupport.Recorder out;
    private ChannelPipeline pipeline;
    private long nextStart;

    @BeforeEach
    void setUp() {
        out = new TestSupport.Recorder();
        pipeline = new ChannelPipeline("pump-1", SPEC, PipelineSettings.from(new TestSupport.Config()),
                kind -> TestSupport.RMS_PEAK, () -> null, out, System.nanoTime());
        nextStart = 1_700_000_000_000_000_000L;
    }

    private SampleBlock block(double amplitude) {
        double[] v = new double[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            v[i] = amplitude * random.nextGaussian();
        }
        return blockAt(nextStart, v);
    }

    private SampleBlock blockAt(long start, double[] values) {
        SampleBlock b = new SampleBlock("pump-1", "vibration", start, RATE, values);
        nextStart = b.nextStartNanos();
        return b;
    }

    private void feed(int blocks, double amplitude) {
        for (int i = 0; i < blocks; i++) {
            pipeline.onSamples(block(amplitude), System.nanoTime());
        }
    }

    private long count(InputFault f) {
        return pipeline.status().faults().get(f);
    }

    @Test
    void windowsOverlapByHopWithContiguousSequenceNumbers() {
        feed(10, 1);
        // 64-sample windows every 32 samples: the first after 2 blocks, then one per block
        assertEquals(9, out.detections.size());
        for (int i = 0; i < out.detections.size(); i++) {
            assertEquals(i, out.detections.get(i).windowSeq());
        }
        assertEquals(10 * BLOCK, pipeline.status().samples());
    }

    @Test
    void commissionsThenRaisesAndClearsWithHysteresis() {
        feed(21, 1); // 20 windows learned
        assertEquals(DetectorState.ARMED, pipeline.status().detectorState());
        feed(20, 1);
        assertTrue(out.alerts.isEmpty(), "healthy data after commissioning: " + out.alerts);
        feed(6, 8); // a fault: 8x the vibration
        assertEquals(1, out.alerts.size());
        assertEquals(AlertState.RAISED, out.alerts.get(0).state());
        assertTrue(pipeline.status().alertActive());
        feed(6, 1);
        assertEquals(2, out.alerts.size());
        assertEquals(AlertState.CLEARED, out.alerts.get(1).state());
        assertFalse(pipeline.status().alertActive());
    }

    @ParameterizedTest
    @EnumSource(names = { "NAN", "INFINITE", "OUT_OF_RANGE" })
    void invalidSamplesAreCountedAndReplacedAndTheChannelGoesOn(InputFault kind) {
        feed(4, 1);
        int before = out.detections.size();
        SampleBlock bad = block(1);
        double value = switch (kind) {
        case NAN -> Double.NaN;
        case INFINITE -> Double.NEGATIVE_INFINITY;
        default -> 1e6;
        };
        bad.values()[3] = value;
        bad.values()[17] = value;
        pipeline.onSamples(bad, System.nanoTime());
        feed(4, 1);
        assertEquals(2, count(kind));
        assertEquals(before + 5, out.detections.size(), "every window still scored");
        assertEquals(2, out.faults.get(kind).get(), "each bad sample reported for the rate-limited log");
        for (var f : out.features) {
            for (double x : f.values()) {
                assertTrue(Double.isFinite(x) && Math.abs(x) < 10, "a replaced sample never reaches the features as "
                        + value + ": " + f);
            }
        }
    }

    @Test
    void windowMostlyBadIsDiscardedNotScored() {
        feed(4, 1);
        double[] nan = new double[BLOCK];
        java.util.Arrays.fill(nan, Double.NaN);
        pipeline.onSamples(blockAt(nextStart, nan), System.nanoTime());
        ChannelStatus s = pipeline.status();
        assertEquals(1, s.windowsDiscarded(), "the window holding 32 NaN of 64 samples");
        assertEquals(BLOCK, s.faults().get(InputFault.NAN));
        feed(3, 1);
        // windows containing half the NaN block are discarded (50% > 25%), then scoring resumes
        assertEquals(2, pipeline.status().windowsDiscarded());
        assertEquals(3 + 2, pipeline.status().windows());
    }

    @Test
    void gapIsCountedAndRestartsTheWindow() {
        feed(4, 1);
        long windowsBefore = pipeline.status().windows();
        nextStart += 5_000_000_000L; // 5 s of samples missing
        feed(1, 1);
        assertEquals(1, count(InputFault.GAP));
        assertEquals(windowsBefore, pipeline.status().windows(), "no window spans the gap");
        feed(2, 1);
        assertEquals(windowsBefore + 2, pipeline.status().windows(), "windows resume after the gap");
        assertEquals(0, count(InputFault.TIME_REVERSAL));
    }

    @Test
    void timestampsGoingBackwardsAreCountedAndTheChannelFollowsTheNewClock() {
        feed(4, 1);
        long windowsBefore = pipeline.status().windows();
        nextStart -= 60_000_000_000L; // the driver's clock jumped back a minute
        feed(3, 1);
        assertEquals(1, count(InputFault.TIME_REVERSAL));
        assertEquals(0, count(InputFault.GAP), "following the new clock is not a gap");
        assertEquals(windowsBefore + 2, pipeline.status().windows());
    }

    @Test
    void stallIsCountedOncePerEpisode() {
        long t0 = System.nanoTime();
        pipeline.onSamples(block(1), t0);
        long timeout = 1_000_000_000L;
        pipeline.checkStall(t0 + timeout / 2, timeout);
        assertFalse(pipeline.status().stalled());
        pipeline.checkStall(t0 + 2 * timeout, timeout);
        pipeline.checkStall(t0 + 3 * timeout, timeout);
        assertTrue(pipeline.status().stalled());
        assertEquals(1, count(InputFault.STALL));
        pipeline.onSamples(block(1), t0 + 4 * timeout);
        assertFalse(pipeline.status().stalled(), "data flowing again ends the stall");
        pipeline.checkStall(t0 + 6 * timeout, timeout);
        assertEquals(2, count(InputFault.STALL), "a second silence is a second stall");
    }

    @Test
    void aFailingExtractorCostsTheWindowNotTheTimeline() {
        AtomicReference<Boolean> fail = new AtomicReference<>(false);
        FeatureExtractor flaky = new FeatureExtractor() {
            @Override public ChannelKind kind() { return ChannelKind.VIBRATION; }
            @Override public List<String> featureNames(int n, double r) { return List.of("rms", "peak"); }
            @Override public FeatureVector extract(Window w) {
                if (fail.get()) {
                    throw new IllegalStateException("extractor bug");
                }
                return TestSupport.RMS_PEAK.extract(w);
            }
        };
        ChannelPipeline p = new ChannelPipeline("pump-1", SPEC, PipelineSettings.from(new TestSupport.Config()),
                kind -> flaky, () -> null, out, System.nanoTime());
        for (int i = 0; i < 3; i++) {
            p.onSamples(block(1), System.nanoTime());
        }
        fail.set(true);
        p.onSamples(block(1), System.nanoTime());
        fail.set(false);
        for (int i = 0; i < 3; i++) {
            p.onSamples(block(1), System.nanoTime());
        }
        ChannelStatus s = p.status();
        assertEquals(1, s.windowsDiscarded(), "the window the extractor failed on");
        assertEquals(5, s.windows(), "the windows before and after were scored");
        assertEquals(0, s.faults().get(InputFault.GAP), "the driver is not blamed with a gap");
        assertEquals(7 * BLOCK, s.samples(), "no sample lost");
    }

    @Test
    void endOfStreamIsNotAStall() {
        long t0 = System.nanoTime();
        pipeline.onSamples(block(1), t0);
        pipeline.endOfStream();
        long timeout = 1_000_000_000L;
        pipeline.checkStall(t0 + 5 * timeout, timeout);
        assertFalse(pipeline.status().stalled());
        assertEquals(0, count(InputFault.STALL));
        pipeline.onSamples(block(1), t0 + 6 * timeout); // data again: the stall watch resumes
        pipeline.checkStall(t0 + 8 * timeout, timeout);
        assertEquals(1, count(InputFault.STALL));
    }

    @Test
    void changedFeaturesRecommissionTheDetector() {
        AtomicReference<FeatureExtractor> current = new AtomicReference<>(TestSupport.RMS_PEAK);
        ChannelPipeline p = new ChannelPipeline("pump-1", SPEC, PipelineSettings.from(new TestSupport.Config()),
                kind -> current.get(), () -> null, out, System.nanoTime());
        for (int i = 0; i < 25; i++) {
            p.onSamples(block(1), System.nanoTime());
        }
        assertEquals(DetectorState.ARMED, p.status().detectorState());
        current.set(new FeatureExtractor() { // an updated extractor with one more feature
            @Override public ChannelKind kind() { return ChannelKind.VIBRATION; }
            @Override public List<String> featureNames(int n, double r) { return List.of("rms", "peak", "mean"); }
            @Override public FeatureVector extract(Window w) {
                double[] base = TestSupport.RMS_PEAK.extract(w).values();
                return new FeatureVector(featureNames(0, 0), new double[] { base[0], base[1], 0 });
            }
        });
        p.onSamples(block(1), System.nanoTime());
        assertEquals(DetectorState.COMMISSIONING, p.status().detectorState(), "a baseline of other features is void");
    }

    @Test
    void noExtractorMeansWindowsAreDiscardedNotLost() {
        ChannelPipeline bare = new ChannelPipeline("pump-1", SPEC, PipelineSettings.from(new TestSupport.Config()),
                kind -> null, () -> null, out, System.nanoTime());
        for (int i = 0; i < 4; i++) {
            bare.onSamples(block(1), System.nanoTime());
        }
        assertEquals(3, bare.status().windowsDiscarded());
        assertEquals(4 * BLOCK, bare.status().samples());
    }
}
