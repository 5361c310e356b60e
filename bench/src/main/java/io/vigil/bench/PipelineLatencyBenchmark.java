package io.vigil.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertSink;
import io.vigil.api.alert.AlertState;
import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.feature.FeatureExtractor;
import io.vigil.api.feature.FeatureVector;
import io.vigil.api.feature.Window;
import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.ChannelSpec;
import io.vigil.api.sensor.InputFault;
import io.vigil.api.sensor.SampleBlock;
import io.vigil.features.internal.VibrationFeatures;
import io.vigil.runtime.internal.alert.AlertDispatcher;
import io.vigil.runtime.internal.pipeline.AssetPipelineConfig;
import io.vigil.runtime.internal.pipeline.ChannelPipeline;
import io.vigil.runtime.internal.pipeline.PipelineSettings;

/**
 * Sample-to-alert latency through the whole pipeline of one simulated vibration channel, with the simulator and the
 * pipeline at their defaults (12 kHz in blocks of 256, windows of 2048 every 1024 samples, 600 s commissioning)
 * except hysteresis: raise after 1 and clear after 1 window, so that a single window can change the alert state.
 *
 * <p>Measured path, all real runtime code: {@link ChannelPipeline#onSamples} (input checks, windowing) →
 * {@link VibrationFeatures} → tier-0 detector → alert state machine → {@link AlertDispatcher#publish} → the
 * sink's own delivery thread (the dispatcher gives each sink one) → an {@link AlertSink} that stamps
 * {@link System#nanoTime()}. The output between pipeline and dispatcher does what {@code AssetPipeline}'s does
 * with no detection listener bound: it hands alerts to the publisher. Not included: the driver producing the
 * block and the other sinks' own work (the journal's fsync), each of which has a delivery thread of its own.
 *
 * <p>Every window overlaps the next by half, so one faulty hop makes two windows anomalous and the state can
 * change at most every second window. Hence each alert invocation feeds two hops (8 blocks, 2 windows) and the
 * second window changes the state: healthy then faulty raises, healthy then healthy clears.
 *
 * <p>JMH's time per invocation covers every block fed, so for the back-to-back benchmarks it bounds the latency
 * from above. The latency from the ingest of the block that completes the deciding window to the sink, the one
 * an operator waits for, is recorded inside the benchmark, split into its stages, and printed per trial; the
 * paced benchmark times only that block, so its JMH figure is that latency.
 *
 * <p>Back to back, the alert path runs tens of thousands of times and is JIT-compiled and cache-hot; on a gateway
 * alerts are rare and blocks come every 21 ms, so the paced benchmark is the realistic one. Two controls, as
 * forked-JVM properties ({@code -jvmArgsAppend -D...}): {@code vigil.bench.warmAlertCycles=N} runs N more cycles
 * of 64 alerts in setup, to see what a JIT-compiled alert path would give at the simulator's rate, and
 * {@code vigil.bench.paced.spin=false} lets the feeding thread go idle after the deciding block, as the
 * simulator's emitter thread does, instead of spinning for the sink (JMH then times only the pipeline's part).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class PipelineLatencyBenchmark {

    static final String ASSET = "bench-pump";

    /**
     * Hops of pre-generated signal the pipeline cycles through: generating samples is not pipeline work and must
     * stay out of the timing. A multiple of 4, the alert pattern's period in hops, so that faults always land on
     * the same hops and the verification run in setup covers every window the benchmark will ever score.
     */
    static final int RING_HOPS = 64;

    /** Room for every measured invocation of a trial, with margin: the fastest takes about 30 µs. */
    static final int RECORDER_CAPACITY = 1 << 20;

    /** Upper bound on the alert hand-off before the benchmark fails instead of spinning forever. */
    static final long SINK_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** Fixed start of the sample timeline, as the simulator's activation time would be. */
    static final long EPOCH_START_NANOS = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z

    /** Pipeline defaults, except hysteresis of one window each way. */
    static PipelineSettings settings() {
        AssetPipelineConfig c = ConfigDefaults.typed(AssetPipelineConfig.class,
                Map.of("vigil_asset", ASSET, "raise_after", 1, "clear_after", 1));
        return PipelineSettings.from(c);
    }

    /**
     * Where commissioning ends: window k ends at sample window + k * hop; windows 0 .. n-1 are learned and window
     * n is the first one scored against the learned baseline.
     */
    static long armedAt(PipelineSettings s, ChannelSpec spec) {
        return s.windowSize(spec.kind()) + (long) s.commissioningWindows(spec) * s.hop(spec.kind());
    }

    // ------------------------------------------------------------------ baseline

    /** The irreducible work: the features of one window, a healthy window of the pipeline benchmarks' ring. */
    @State(Scope.Thread)
    public static class Features {
        VibrationFeatures extractor;
        Window window;

        @Setup(Level.Trial)
        public void setUp() {
            // the ring is only known once a pipeline has been commissioned and searched for it
            Pipeline p = new Pipeline();
            p.setUp();
            double[] samples = new double[p.settings.windowSize(ChannelKind.VIBRATION)];
            p.sim.healthy.fillVibration(p.ringStartSample, samples);
            p.dispatcher.unbindSink(p.sink);
            extractor = new VibrationFeatures(8); // the default number of bands
            window = new Window(ASSET, p.sim.spec.name(), 0, EPOCH_START_NANOS, p.sim.spec.sampleRateHz(),
                    samples);
        }
    }

    @Benchmark
    public FeatureVector featuresOnly(Features f) {
        return f.extractor.extract(f.window);
    }

    // ------------------------------------------------------------------ the pipeline

    /** Alerts as the gateway's {@code AssetPipeline} passes them on, plus what the benchmark checks. */
    static final class GatewayOutput implements ChannelPipeline.Output {
        private final AlertDispatcher dispatcher;
        Detection last;
        long detections;
        long published;
        long faults;
        String lastFault;

        GatewayOutput(AlertDispatcher dispatcher) {
            this.dispatcher = dispatcher;
        }

        @Override
        public void detection(Detection detection, FeatureVector features) {
            last = detection;
            detections++;
        }

        /** When the pipeline handed over the last alert: splits the hand-off into state machine and dispatch. */
        long alertNanoTime;

        @Override
        public void alert(Alert alert) {
            alertNanoTime = System.nanoTime();
            published++;
            dispatcher.publish(alert);
        }

        @Override
        public void fault(String assetId, String channel, InputFault fault,
                java.util.function.Supplier<String> detail) {
            faults++;
            lastFault = fault + ": " + detail.get();
        }
    }

    /** Stamps the arrival on its delivery thread; the fields are published by the volatile write of the count. */
    static final class TimingSink implements AlertSink {
        private long arrivedAtNanos;
        private Alert alert;
        private volatile long delivered;

        @Override
        public void onAlert(Alert a) {
            arrivedAtNanos = System.nanoTime();
            alert = a;
            delivered = delivered + 1; // single writer: this sink's delivery thread
        }
    }

    @State(Scope.Thread)
    public static class Pipeline {
        SimulatedVibration sim;
        PipelineSettings settings;
        AlertDispatcher dispatcher;
        TimingSink sink;
        GatewayOutput output;
        ChannelPipeline channel;
        int blocksPerHop;
        long blockPeriodNanos;

        long ringStartSample;
        /** [hop][block][sample] of the ring, healthy and with the fault on, at the same sample indices. */
        double[][][] healthy;
        double[][][] faulty;
        int hop;
        long nextSample;
        boolean alertRaised;

        private long nextDueNanos = Long.MIN_VALUE;
        boolean recording;
        final LatencyRecorder toVerdict = new LatencyRecorder("last block ingest -> verdict", RECORDER_CAPACITY);
        final LatencyRecorder toDecision = new LatencyRecorder("last block ingest -> deciding verdict",
                RECORDER_CAPACITY);
        final LatencyRecorder toPublish = new LatencyRecorder("deciding verdict -> publish (state machine)",
                RECORDER_CAPACITY);
        final LatencyRecorder dispatch = new LatencyRecorder("publish -> sink (its delivery thread)",
                RECORDER_CAPACITY);
        final LatencyRecorder toSink = new LatencyRecorder("last block ingest -> sink", RECORDER_CAPACITY);

        @Setup(Level.Trial)
        public void setUp() {
            sim = SimulatedVibration.defaults(ASSET);
            settings = settings();
            ChannelSpec spec = sim.spec;
            int window = settings.windowSize(spec.kind());
            int hopSamples = settings.hop(spec.kind());
            if (hopSamples % spec.blockSize() != 0 || window % hopSamples != 0) {
                throw new IllegalStateException("benchmark assumes whole blocks per hop and hops per window; got "
                        + "block " + spec.blockSize() + ", hop " + hopSamples + ", window " + window);
            }
            blocksPerHop = hopSamples / spec.blockSize();
            blockPeriodNanos = Math.round(spec.blockSize() * 1e9 / spec.sampleRateHz());

            dispatcher = new AlertDispatcher();
            sink = new TimingSink();
            dispatcher.bindSink(sink);
            output = new GatewayOutput(dispatcher);
            VibrationFeatures features = new VibrationFeatures(8);
            channel = new ChannelPipeline(ASSET, spec, settings,
                    kind -> kind == ChannelKind.VIBRATION ? (FeatureExtractor) features : null, () -> null,
                    output, System.nanoTime());

            commission();
            findRing();
            verify();
        }

        /** Feeds healthy signal until the detector is armed, as the gateway does for the first 600 s. */
        private void commission() {
            long t0 = System.nanoTime();
            double[][] blocks = new double[blocksPerHop][];
            while (output.last == null || output.last.state() != DetectorState.ARMED) {
                for (int b = 0; b < blocksPerHop; b++) {
                    blocks[b] = sim.block(sim.healthy, nextSample + (long) b * sim.spec.blockSize());
                }
                feed(blocks, 0, blocksPerHop, false);
                checkClean("commissioning");
            }
            if (output.published != 0) {
                throw new IllegalStateException("the first armed window already raised an alert: " + output.last);
            }
            long expected = armedAt(settings, sim.spec);
            if (nextSample != expected) {
                throw new IllegalStateException("armed at sample " + nextSample + ", expected " + expected);
            }
            System.out.printf("%ncommissioned on %d windows (%.0f s of signal) in %.1f s wall; threshold %.3f%n",
                    settings.commissioningWindows(sim.spec), nextSample / sim.spec.sampleRateHz(),
                    (System.nanoTime() - t0) / 1e9, channel.status().threshold());
        }

        /**
         * Feeds more healthy signal until the last {@link #RING_HOPS} hops made windows all judged normal, and
         * makes those hops the ring. A healthy window now and then scores above the threshold (the detector is
         * calibrated for a false-alarm rate, not for none), and with raise after 1 such a window in the verdict
         * benchmark would send an alert down the path that benchmark leaves out. Which windows are false alarms
         * is a property of the data; the cost of scoring a window does not depend on its score.
         */
        private void findRing() {
            double[][] blocks = new double[blocksPerHop][];
            int normalRun = 0;
            long searched = 0;
            while (normalRun < RING_HOPS) {
                if (++searched > 100 * RING_HOPS) {
                    throw new IllegalStateException("no " + RING_HOPS + " healthy windows in a row judged normal in "
                            + searched + " hops; false-alarm rate " + channel.status().observedAnomalyRate());
                }
                for (int b = 0; b < blocksPerHop; b++) {
                    blocks[b] = sim.block(sim.healthy, nextSample + (long) b * sim.spec.blockSize());
                }
                feed(blocks, 0, blocksPerHop, false);
                checkClean("searching the ring");
                normalRun = output.last.anomalous() ? 0 : normalRun + 1;
            }
            ringStartSample = nextSample - (long) RING_HOPS * blocksPerHop * sim.spec.blockSize();
            healthy = new double[RING_HOPS][blocksPerHop][];
            faulty = new double[RING_HOPS][blocksPerHop][];
            for (int h = 0; h < RING_HOPS; h++) {
                for (int b = 0; b < blocksPerHop; b++) {
                    long first = ringStartSample + ((long) h * blocksPerHop + b) * sim.spec.blockSize();
                    healthy[h][b] = sim.block(sim.healthy, first);
                    faulty[h][b] = sim.block(sim.faulty, first);
                }
            }
        }

        /**
         * Runs both patterns twice round the ring, unmeasured: every window a benchmark will score is scored here
         * first, and the checks that guard each invocation (one window per hop, no input faults, an alert state
         * change exactly where intended) fail the setup now rather than a measurement later.
         */
        private void verify() {
            double maxHealthy = 0;
            for (int i = 0; i < 2 * RING_HOPS; i++) {
                maxHealthy = Math.max(maxHealthy, verdict().score());
            }
            double minDeciding = Double.POSITIVE_INFINITY;
            // two rounds of the ring per RING_HOPS invocations, so the ring position and alert state come back
            int alertInvocations = RING_HOPS * (1 + Integer.getInteger("vigil.bench.warmAlertCycles", 0));
            for (int i = 0; i < alertInvocations; i++) {
                boolean raising = !alertRaised;
                leadIn(false);
                trigger();
                if (raising) {
                    minDeciding = Math.min(minDeciding, output.last.score());
                }
            }
            System.out.printf("ring at sample %d (%d hops searched past commissioning); verified: healthy windows "
                    + "score <= %.3f, raising windows >= %.3f, threshold %.3f%n", ringStartSample,
                    (ringStartSample - armedAt(settings, sim.spec)) / settings.hop(sim.spec.kind()) + RING_HOPS,
                    maxHealthy, minDeciding, output.last.threshold());
        }

        @Setup(Level.Iteration)
        public void startIteration(IterationParams iteration) {
            // only measurement iterations, like JMH's own figures
            recording = iteration.getType() == IterationType.MEASUREMENT;
        }

        @TearDown(Level.Trial)
        public void report() {
            System.out.println();
            for (LatencyRecorder r : new LatencyRecorder[] { toVerdict, toDecision, toPublish, dispatch, toSink }) {
                if (!r.isEmpty()) {
                    System.out.println(r.summary());
                }
            }
            // AlertDispatcher.deactivate() is package-private: its daemon thread ends with this forked JVM
            dispatcher.unbindSink(sink);
        }

        /**
         * Feeds blocks {@code from .. to-1} of one hop with consecutive timestamps, stamping each block's ingest
         * time as the gateway's driver binding does, optionally at the simulator's real block rate.
         *
         * @return the ingest time of the last block fed
         */
        long feed(double[][] hopBlocks, int from, int to, boolean paced) {
            long ingest = 0;
            for (int b = from; b < to; b++) {
                double[] values = hopBlocks[b];
                SampleBlock block = new SampleBlock(ASSET, sim.spec.name(),
                        EPOCH_START_NANOS + Math.round(nextSample * 1e9 / sim.spec.sampleRateHz()),
                        sim.spec.sampleRateHz(), values);
                nextSample += values.length;
                if (paced) {
                    waitForBlockDue();
                }
                ingest = System.nanoTime();
                channel.onSamples(block, ingest);
            }
            return ingest;
        }

        /** Sleeps until the next block is due, one block period after the previous one, as the simulator delivers. */
        private void waitForBlockDue() {
            long now = System.nanoTime();
            if (nextDueNanos == Long.MIN_VALUE || nextDueNanos - now < -blockPeriodNanos) {
                nextDueNanos = now; // first paced block, or fallen more than a block behind: restart the clock
            }
            for (long left = nextDueNanos - now; left > 0; left = nextDueNanos - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
            nextDueNanos += blockPeriodNanos;
        }

        /** One healthy hop: exactly one window, healthy, scored. */
        Detection verdict() {
            long published = output.published;
            long windows = output.detections;
            feed(healthy[hop], 0, blocksPerHop, false);
            hop = (hop + 1) % RING_HOPS;
            Detection d = output.last;
            if (output.detections != windows + 1 || output.published != published || output.faults != 0
                    || d.state() != DetectorState.ARMED) {
                checkClean("healthy hop");
                throw new IllegalStateException("a healthy hop gave " + (output.detections - windows)
                        + " windows and " + (output.published - published) + " alert changes; last " + d);
            }
            if (recording) {
                toVerdict.record(d.decisionNanoTime() - d.ingestNanoTime());
            }
            return d;
        }

        /** Everything of an alert invocation before the block that completes the deciding window. */
        void leadIn(boolean paced) {
            long published = output.published;
            feed(healthy[hop], 0, blocksPerHop, paced);
            feed(deciding(), 0, blocksPerHop - 1, paced);
            if (output.published != published) {
                throw new IllegalStateException("the alert state changed before the deciding window (alert "
                        + (alertRaised ? "raised" : "clear") + ", ring hop " + hop + "): " + output.last);
            }
            if (paced) {
                waitForBlockDue();
            }
        }

        /** The block that completes the deciding window, and the wait until the sink has the alert. */
        Alert trigger() {
            return awaitSink(fire());
        }

        /** Ingest time of a deciding block whose alert is still to be checked at the sink; MIN_VALUE for none. */
        long pendingIngest = Long.MIN_VALUE;

        /** @return the ingest time of the block that completes the deciding window */
        long fire() {
            double[][] blocks = deciding();
            long published = output.published;
            long ingest = feed(blocks, blocksPerHop - 1, blocksPerHop, false);
            if (output.published != published + 1) {
                checkClean("deciding block");
                throw new IllegalStateException("the deciding window did not " + (alertRaised ? "clear" : "raise")
                        + " the alert (ring hop " + hop + "): " + output.last);
            }
            return ingest;
        }

        /** Spins until the sink has the alert the deciding block caused, checks and records it. */
        Alert awaitSink(long ingest) {
            long target = output.published;
            long deadline = ingest + SINK_TIMEOUT_NANOS;
            while (sink.delivered != target) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("alert not at the sink " + SINK_TIMEOUT_NANOS / 1_000_000
                            + " ms after the deciding block; sink delivery thread stuck?");
                }
                Thread.onSpinWait();
            }
            long arrived = sink.arrivedAtNanos;
            Alert alert = sink.alert;
            AlertState expected = alertRaised ? AlertState.CLEARED : AlertState.RAISED;
            if (alert.state() != expected) {
                throw new IllegalStateException("sink got " + alert.state() + ", expected " + expected);
            }
            if (recording) {
                long decided = output.last.decisionNanoTime();
                toDecision.record(decided - ingest);
                toPublish.record(output.alertNanoTime - decided);
                dispatch.record(arrived - output.alertNanoTime);
                toSink.record(arrived - ingest);
            }
            alertRaised = !alertRaised;
            hop = (hop + 2) % RING_HOPS;
            return alert;
        }

        /** The second hop of an alert invocation: faulty to raise, healthy to clear. */
        private double[][] deciding() {
            int next = (hop + 1) % RING_HOPS;
            return alertRaised ? healthy[next] : faulty[next];
        }

        private void checkClean(String where) {
            if (output.faults != 0) {
                throw new IllegalStateException(where + ": the pipeline counted " + output.faults
                        + " input faults, last " + output.lastFault + "; the timeline or data is wrong");
            }
        }
    }

    /** The alert pattern with every block delivered at the simulator's rate, one every 21.3 ms. */
    @State(Scope.Thread)
    public static class PacedPipeline extends Pipeline {
        static final boolean SPIN = Boolean.parseBoolean(System.getProperty("vigil.bench.paced.spin", "true"));

        @Setup(Level.Invocation)
        public void leadInAtSimulatorRate() {
            if (pendingIngest != Long.MIN_VALUE) {
                awaitSink(pendingIngest);
                pendingIngest = Long.MIN_VALUE;
            }
            leadIn(true);
        }
    }

    /** One hop (4 blocks) of healthy signal, back to back: the verdict on the window it completes. */
    @Benchmark
    public Detection sampleToVerdict(Pipeline p) {
        return p.verdict();
    }

    /** Two hops (8 blocks, 2 windows) back to back; the second window raises or clears; returns at the sink. */
    @Benchmark
    public Alert sampleToAlertAtSink(Pipeline p) {
        p.leadIn(false);
        return p.trigger();
    }

    /**
     * As {@link #sampleToAlertAtSink}, but every block arrives on the simulator's schedule, so the pipeline and
     * sink delivery threads idle between blocks as on a gateway. JMH times only the block that completes the
     * deciding window, through to the sink; the 7 blocks before it and the waits are fed in the invocation's setup.
     * About 6 alerts a second, hence the longer measurement.
     */
    @Benchmark
    @Warmup(iterations = 1, time = 5)
    @Measurement(iterations = 3, time = 20)
    public Object sampleToAlertAtSinkPaced(PacedPipeline p) {
        if (PacedPipeline.SPIN) {
            return p.trigger();
        }
        p.pendingIngest = p.fire();
        return p.output.last;
    }
}
