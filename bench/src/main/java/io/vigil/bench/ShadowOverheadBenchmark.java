package io.vigil.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectionListener;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.model.Model;
import io.vigil.api.shadow.ShadowException;
import io.vigil.api.shadow.ShadowReport;
import io.vigil.api.shadow.ShadowService;
import io.vigil.api.shadow.ShadowState;
import io.vigil.runtime.internal.pipeline.AssetPipelineConfig;

/**
 * What shadow mode costs the live path: the latency of the live model's verdict on each window, with a candidate
 * shadowing it and without, on the gateway's own bundle set.
 *
 * <p>Setup (per trial) starts a real Felix with the gateway's bundle set ({@link BenchGateway}), installs and
 * starts the model bundles {@code bearing-fault} 1.0.0 and 2.0.0, and configures one asset whose tier-1 model is
 * pinned to 1.0.0 ({@code model.versions=[1.0.0,1.0.0]}) and decides every window ({@code EVERY_WINDOW}), fed by
 * the replay driver with a CWRU recording (12 kHz, looping) at {@code speed} times real time: at the default speed
 * 4 a window (hop 1024 samples) completes every 21.3 ms, 47 a second, the window rate of four 12 kHz vibration
 * channels, so a phase of a few thousand windows takes minutes rather than the better part of an hour, while the
 * threads still idle between windows (a block of 256 samples every 5.3 ms) as they do on a gateway. The gate of
 * the shadow manager (PID {@code io.vigil.shadow}) gets {@code min.windows} = 2 000 000 000, so that it never
 * decides and never promotes; everything else keeps its defaults (queue capacity 256, report written every 10 s).
 *
 * <p>What is measured: for every tier-1 verdict of 1.0.0 that reaches a {@link DetectionListener} registered
 * here, {@code decisionNanoTime - ingestNanoTime}, i.e. from the moment the driver's block that completed the
 * window entered the pipeline to the moment the live model's score was back (features, tier-0, the model).
 * Split into ingest to tier-0 verdict and tier-0 verdict to model verdict from the tier-0 detection of the same
 * window.
 *
 * <p>Each JMH iteration is one phase of {@code phaseWindows} live verdicts (default 600, 12.8 s at speed 4), either
 * with shadow off (no comparison running; the shadow bundle is active and its window listener bound, as on a gateway
 * that has shadow mode but does not use it) or on ({@code ShadowService.start} of 2.0.0 in the iteration's setup,
 * {@code stop} in its teardown, so each phase is a fresh comparison, with its own thread). The phases alternate off,
 * on, on, off, off, on, ... (ABBA, so that a drift over the run weighs on both sides alike) in the same JVM: 8 warm-up
 * phases first (not counted: about 4 900 windows, 100 s, so that what runs once per window is compiled by C2 on both
 * sides before anything counts), then 32 measured ones, 16 a side, about 9 600 windows each; 9 minutes in all at the
 * defaults. The first {@value #SETTLE_WINDOWS} verdicts of each phase are kept apart (reported, not counted in the
 * phase), so that the switch itself (start() writing the first report to disk, the comparison's thread created on its
 * first window; stop() waiting for that thread to end) does not land in the side it happens to start. JMH's own score
 * is the phase's wall time, a check that the replay kept its pace and nothing more; the latencies are printed at the
 * end of the trial, with the ratio on/off of their percentiles, a bootstrap interval of the ratio over phases (how
 * much of a difference the phase-to-phase noise alone makes) and the ratios within pairs of neighbouring phases.
 *
 * <p>At the end of each "on" phase the benchmark reads the comparison's report: windows compared and skipped
 * (the candidate fell a whole queue behind; read before stop(), which counts the windows still in flight as
 * skipped too) and the candidate's own inference latency. Paths and the recording are resolved as
 * {@link BenchGateway} says.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 8)
@Measurement(iterations = 32)
@State(Scope.Thread)
public class ShadowOverheadBenchmark {

    static final String ASSET = "bench";
    static final String MODEL = "bearing-fault";
    static final String LIVE = "1.0.0";
    static final String CANDIDATE = "2.0.0";
    static final String RECORDING = "cwru/1797_IR_7_DE12.npz";
    /** The recording's sampling rate (CWRU "DE12": drive end, 12 kHz), which the replay driver's default matches. */
    static final double RECORDING_RATE_HZ = 12_000;
    /** Large enough that the gate never matures, so it never decides nor promotes during the run. */
    static final String GATE_MIN_WINDOWS = "2000000000";
    /** Verdicts right after each switch, kept apart from the phase's figures. */
    static final int SETTLE_WINDOWS = 10;
    static final int BOOTSTRAP_RESAMPLES = 2000;

    /** Replay speed, times real time. */
    @Param("4")
    public double speed;

    /** Live verdicts counted per phase (after the settling ones). */
    @Param("600")
    public int phaseWindows;

    private BenchGateway gateway;
    private ShadowService shadow;
    private final Watch watch = new Watch();
    private double windowMillis;

    private final Side off = new Side("shadow off");
    private final Side on = new Side("shadow on");
    private int warmupPhases;
    private int measuredPhases;
    /** Per measured phase, by index: its p50 and p99 in microseconds, and whether shadow was on. */
    private double[] phaseP50;
    private double[] phaseP99;
    private boolean[] phaseOn;

    // the phase in progress, set by the iteration's setup and the benchmark method
    private boolean measuring;
    private boolean shadowOn;
    private int phaseIndex;
    private Phase phase;
    private long gcCountAtStart;
    private long gcMillisAtStart;
    private long cpuNanosAtStart;

    // ------------------------------------------------------------------ trial

    @Setup(Level.Trial)
    public void startGateway(BenchmarkParams params) throws Exception {
        if (phaseWindows < 100) {
            throw new IllegalArgumentException("phaseWindows " + phaseWindows + " is too few for a phase's p99; "
                    + "use 100 or more");
        }
        int measured = params.getMeasurement().getCount();
        if (measured % 4 != 0) {
            System.out.printf("%nwarning: %d measured phases is not a multiple of 4; off and on are balanced "
                    + "(ABBA) only over multiples of 4%n", measured);
        }
        Path root = BenchGateway.reactorRoot();
        Path recording = BenchGateway.recording(root, RECORDING);
        Object hop = ConfigDefaults.of(AssetPipelineConfig.class).get("vibration_hop");
        windowMillis = ((Number) hop).intValue() * 1e3 / RECORDING_RATE_HZ / speed;
        off.reserve(measured, phaseWindows);
        on.reserve(measured, phaseWindows);
        phaseP50 = new double[measured];
        phaseP99 = new double[measured];
        phaseOn = new boolean[measured];

        gateway = BenchGateway.start(root, "shadow-overhead");
        gateway.configure("io.vigil.shadow", Map.of("min.windows", GATE_MIN_WINDOWS));
        shadow = gateway.service(ShadowService.class, null);
        awaitGateConfigured();

        gateway.context.registerService(DetectionListener.class, watch, null);
        gateway.configureFactory("io.vigil.runtime.asset", ASSET, Map.of("vigil.asset", ASSET,
                "commissioning.seconds", "0", "min.commissioning.windows", "20", "model.name", MODEL,
                "model.versions", "[" + LIVE + "," + LIVE + "]", "model.mode", "EVERY_WINDOW"));
        gateway.configureFactory("io.vigil.driver.replay", ASSET, Map.of("vigil.asset", ASSET, "file",
                recording.toString(), "speed", String.valueOf(speed), "loop", "true"));
        for (String module : List.of("io.vigil.model.bearing.v1", "io.vigil.model.bearing.v2")) {
            Bundle b = gateway.context.installBundle(gateway.moduleJarLocation(module));
            b.start();
        }
        gateway.service(Model.class, "(" + Model.NAME + "=" + MODEL + ")(" + Model.VERSION + "=" + CANDIDATE + ")");
        BenchGateway.await(watch.liveServing, "a window scored by " + MODEL + ":" + LIVE + "; model bundles "
                + "rejected: " + gateway.rejectedModels());
        BenchGateway.await(watch.tier0Armed, "tier-0 to finish commissioning");
        System.out.printf("%s:%s serves asset %s, %s:%s installed; replay of %s at speed %s, a window every "
                + "%.1f ms; phases of %d + %d settling windows, ABBA from off%n", MODEL, LIVE, ASSET, MODEL,
                CANDIDATE, recording.getFileName(), fmt(speed), windowMillis, phaseWindows, SETTLE_WINDOWS);
    }

    /** The gate's configuration must have reached the manager before the first comparison takes it. */
    private void awaitGateConfigured() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BenchGateway.TIMEOUT_SECONDS);
        while (true) {
            ServiceReference<ShadowService> ref = gateway.context.getServiceReference(ShadowService.class);
            if (ref != null && GATE_MIN_WINDOWS.equals(String.valueOf(ref.getProperty("min.windows")))) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the shadow manager's service does not show min.windows = "
                        + GATE_MIN_WINDOWS + " after " + BenchGateway.TIMEOUT_SECONDS + " s; its properties: "
                        + (ref == null ? "(no service)" : Arrays.toString(ref.getPropertyKeys())));
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    @TearDown(Level.Trial)
    public void stopGateway() throws Exception {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            printSummary();
        }
    }

    // ------------------------------------------------------------------ one phase

    @Setup(Level.Iteration)
    public void switchShadow(IterationParams params) throws ShadowException {
        measuring = params.getType() == IterationType.MEASUREMENT;
        phaseIndex = measuring ? measuredPhases++ : warmupPhases++;
        // off, on, on, off, off, on, on, off, ...
        shadowOn = ((phaseIndex + 1) / 2) % 2 == 1;
        if (shadowOn) {
            ShadowReport r = shadow.start(ASSET, MODEL, CANDIDATE);
            if (r.state() != ShadowState.SHADOWING) {
                throw new IllegalStateException("the comparison started " + r.state() + ": " + r.reason());
            }
        }
    }

    /** Waits for a phase's live verdicts; returns the phase, with its latencies. */
    @Benchmark
    public Phase livePhase() throws InterruptedException {
        Phase p = new Phase(phaseWindows, SETTLE_WINDOWS);
        gcCountAtStart = gcCount();
        gcMillisAtStart = gcMillis();
        cpuNanosAtStart = processCpuNanos();
        p.startNanos = System.nanoTime();
        phase = p;
        watch.current = p;
        long timeoutMillis = (long) (2 * (phaseWindows + SETTLE_WINDOWS) * windowMillis)
                + TimeUnit.SECONDS.toMillis(BenchGateway.TIMEOUT_SECONDS);
        if (!p.done.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("a phase of " + (phaseWindows + SETTLE_WINDOWS) + " live verdicts took "
                    + "more than " + timeoutMillis + " ms; " + p.recorded + " arrived");
        }
        p.endNanos = System.nanoTime();
        return p;
    }

    @TearDown(Level.Iteration)
    public void endPhase() throws ShadowException {
        watch.current = null;
        Phase p = phase;
        phase = null;
        ShadowReport report = null;
        long skippedRunning = 0;
        if (shadowOn) {
            // windows in flight when stop() ends the comparison count as skipped too; read the skips of the run
            // itself first
            skippedRunning = shadow.report(ASSET).map(ShadowReport::windowsSkipped).orElse(-1L);
            try {
                report = shadow.stop(ASSET);
            } catch (ShadowException e) {
                // the gate ended it (it must not: min.windows), or the candidate went away; say what happened
                throw new IllegalStateException("the comparison did not run through the phase: " + e.getMessage(),
                        e);
            }
            if (report.windowsCompared() == 0) {
                throw new IllegalStateException("the comparison compared no window: " + report);
            }
        }
        if (p == null || p.endNanos == 0) {
            return; // the phase failed and said why
        }
        long gcCount = gcCount() - gcCountAtStart;
        long gcMillis = gcMillis() - gcMillisAtStart;
        double cpu = (processCpuNanos() - cpuNanosAtStart) / (double) (p.endNanos - p.startNanos);
        long[] sorted = Arrays.copyOf(p.total, p.recorded);
        Arrays.sort(sorted);
        System.out.printf("  %s phase %d, shadow %s: %d windows in %.1f s, p50 %.1f, p99 %.1f, max %.1f us; "
                + "gaps %d; GC %d (%d ms); CPU %.1f %% of one core%s%n", measuring ? "measured" : "warm-up",
                phaseIndex, shadowOn ? "on " : "off", p.recorded, (p.endNanos - p.startNanos) / 1e9,
                LatencyRecorder.pct(sorted, 0.5), LatencyRecorder.pct(sorted, 0.99),
                LatencyRecorder.pct(sorted, 1), p.gaps, gcCount, gcMillis, 100 * cpu,
                report == null ? "" : "; " + shadowText(report, skippedRunning));
        if (measuring) {
            (shadowOn ? on : off).add(p, gcCount, gcMillis, cpu, report, skippedRunning);
            phaseP50[phaseIndex] = LatencyRecorder.pct(sorted, 0.5);
            phaseP99[phaseIndex] = LatencyRecorder.pct(sorted, 0.99);
            phaseOn[phaseIndex] = shadowOn;
        }
    }

    // ------------------------------------------------------------------ what the pipeline tells

    /** The live verdicts of one phase, written on the pipeline's thread only, read after {@link #done}. */
    public static final class Phase {
        final int settle;
        final long[] settling;
        final long[] total;
        final long[] toTier0;
        final long[] tier0ToModel;
        final CountDownLatch done = new CountDownLatch(1);
        int settled;
        int recorded;
        int gaps;
        long lastSeq = -1;
        long startNanos;
        long endNanos;

        Phase(int windows, int settle) {
            this.settle = settle;
            this.settling = new long[settle];
            this.total = new long[windows];
            this.toTier0 = new long[windows];
            this.tier0ToModel = new long[windows];
        }

        /** @param tier0DecisionNanos the tier-0 verdict's stamp on the same window, or -1 when it was not seen */
        void offer(Detection verdict, long tier0DecisionNanos) {
            if (recorded == total.length) {
                return;
            }
            if (lastSeq >= 0 && verdict.windowSeq() != lastSeq + 1) {
                gaps += (int) (verdict.windowSeq() - lastSeq - 1);
            }
            lastSeq = verdict.windowSeq();
            long latency = verdict.decisionNanoTime() - verdict.ingestNanoTime();
            if (settled < settle) {
                settling[settled++] = latency;
                return;
            }
            total[recorded] = latency;
            toTier0[recorded] = tier0DecisionNanos < 0 ? -1 : tier0DecisionNanos - verdict.ingestNanoTime();
            tier0ToModel[recorded] = tier0DecisionNanos < 0 ? -1 : verdict.decisionNanoTime() - tier0DecisionNanos;
            if (++recorded == total.length) {
                done.countDown();
            }
        }
    }

    /** The detection listener: every verdict of the asset, on the pipeline's thread. */
    final class Watch implements DetectionListener {
        final CountDownLatch liveServing = new CountDownLatch(1);
        final CountDownLatch tier0Armed = new CountDownLatch(1);
        volatile Phase current;
        /** Verdicts by another version than the pinned live one: must stay 0. */
        volatile long foreignVerdicts;
        // pipeline thread only
        private long tier0Seq = -1;
        private long tier0DecisionNanos;

        @Override
        public void onDetection(Detection d) {
            if (!ASSET.equals(d.assetId())) {
                return;
            }
            if (!MODEL.equals(d.source().name())) {
                tier0Seq = d.windowSeq();
                tier0DecisionNanos = d.decisionNanoTime();
                if (d.state() == DetectorState.ARMED) {
                    tier0Armed.countDown();
                }
                return;
            }
            if (!LIVE.equals(d.source().version())) {
                foreignVerdicts++; // a single writer, the pipeline's thread
                return;
            }
            liveServing.countDown();
            Phase p = current;
            if (p != null) {
                p.offer(d, tier0Seq == d.windowSeq() ? tier0DecisionNanos : -1);
            }
        }
    }

    // ------------------------------------------------------------------ aggregation

    /** The measured phases of one side. */
    static final class Side {
        final String name;
        LatencyRecorder total;
        LatencyRecorder toTier0;
        LatencyRecorder tier0ToModel;
        LatencyRecorder settling;
        final List<long[]> phases = new ArrayList<>();
        final List<ShadowReport> reports = new ArrayList<>();
        long skippedRunning;
        long gaps;
        long gcCount;
        long gcMillis;
        double cpuSum;
        double wallSeconds;

        Side(String name) {
            this.name = name;
        }

        void reserve(int measuredPhases, int phaseWindows) {
            int capacity = (measuredPhases / 2 + 2) * phaseWindows;
            total = new LatencyRecorder(name + ": ingest -> live verdict", capacity);
            toTier0 = new LatencyRecorder(name + ": ingest -> tier-0 verdict", capacity);
            tier0ToModel = new LatencyRecorder(name + ": tier-0 -> live verdict", capacity);
            settling = new LatencyRecorder(name + ": first " + SETTLE_WINDOWS + " after switch",
                    (measuredPhases / 2 + 2) * SETTLE_WINDOWS);
        }

        void add(Phase p, long gcCount, long gcMillis, double cpu, ShadowReport report, long skippedRunning) {
            for (int i = 0; i < p.recorded; i++) {
                total.record(p.total[i]);
                if (p.toTier0[i] >= 0) {
                    toTier0.record(p.toTier0[i]);
                    tier0ToModel.record(p.tier0ToModel[i]);
                }
            }
            for (int i = 0; i < p.settled; i++) {
                settling.record(p.settling[i]);
            }
            phases.add(Arrays.copyOf(p.total, p.recorded));
            gaps += p.gaps;
            this.gcCount += gcCount;
            this.gcMillis += gcMillis;
            cpuSum += cpu;
            wallSeconds += (p.endNanos - p.startNanos) / 1e9;
            if (report != null) {
                reports.add(report);
                this.skippedRunning += skippedRunning;
            }
        }
    }

    private void printSummary() {
        System.out.printf("%nShadow mode overhead on the live path: %s:%s, asset %s, replay speed %s (a window every "
                + "%.1f ms); %d measured phases (ABBA) of %d windows, after %d warm-up phases%n", MODEL, LIVE, ASSET,
                fmt(speed), windowMillis, off.phases.size() + on.phases.size(), phaseWindows, warmupPhases);
        System.out.println("Per window, us (nearest-rank percentiles):");
        for (Side s : List.of(off, on)) {
            System.out.println("  " + s.total.summary());
        }
        if (off.total.isEmpty() || on.total.isEmpty()) {
            return;
        }
        System.out.printf("ratio on/off: p50 %.3f, p90 %.3f, p99 %.3f, p99.9 %.3f%n", ratio(0.5), ratio(0.9),
                ratio(0.99), ratio(0.999));
        double[] p50 = bootstrapRatio(0.5);
        double[] p99 = bootstrapRatio(0.99);
        System.out.printf("bootstrap over phases (%d resamples of %d off and %d on phases), 95 %% interval of the "
                + "ratio: p50 [%.3f, %.3f], p99 [%.3f, %.3f]%n", BOOTSTRAP_RESAMPLES, off.phases.size(),
                on.phases.size(), p50[0], p50[1], p99[0], p99[1]);
        System.out.println(paired("p50", phaseP50));
        System.out.println(paired("p99", phaseP99));
        System.out.println("Stages, us:");
        for (Side s : List.of(off, on)) {
            System.out.println("  " + s.toTier0.summary());
            System.out.println("  " + s.tier0ToModel.summary());
        }
        System.out.println("Kept apart, the first " + SETTLE_WINDOWS + " verdicts of each phase, us:");
        for (Side s : List.of(off, on)) {
            System.out.println("  " + s.settling.summary());
        }
        for (Side s : List.of(off, on)) {
            System.out.printf("%s: %d phases, %.0f s; missing live verdicts (gaps) %d; GC %d collections, %d ms; "
                    + "process CPU %.1f %% of one core (mean over phases)%n", s.name, s.phases.size(), s.wallSeconds,
                    s.gaps, s.gcCount, s.gcMillis, 100 * s.cpuSum / Math.max(1, s.phases.size()));
        }
        System.out.printf("verdicts by another version than %s: %d%n", LIVE, watch.foreignVerdicts);
        List<ShadowReport> reports = on.reports;
        if (!reports.isEmpty()) {
            double[] candP50 = reports.stream().mapToDouble(r -> r.candidateLatency().p50Micros()).sorted().toArray();
            double[] candP99 = reports.stream().mapToDouble(r -> r.candidateLatency().p99Micros()).sorted().toArray();
            double[] liveP50 = reports.stream().mapToDouble(r -> r.liveLatency().p50Micros()).sorted().toArray();
            double[] liveP99 = reports.stream().mapToDouble(r -> r.liveLatency().p99Micros()).sorted().toArray();
            long skipped = reports.stream().mapToLong(ShadowReport::windowsSkipped).sum();
            System.out.printf("Shadow reports of the %d measured comparisons (each a phase plus its settling "
                    + "windows): seen %d, compared %d, skipped %d while running (+ %d in flight when stopped), "
                    + "candidate errors %d%n", reports.size(),
                    reports.stream().mapToLong(ShadowReport::windowsSeen).sum(),
                    reports.stream().mapToLong(ShadowReport::windowsCompared).sum(), on.skippedRunning,
                    skipped - on.skippedRunning, reports.stream().mapToLong(ShadowReport::candidateErrors).sum());
            System.out.printf("  candidate %s:%s inference, us: p50 median %.1f (%.1f-%.1f), p99 median %.1f "
                    + "(%.1f-%.1f) over the comparisons, %d timed windows each at most%n", MODEL, CANDIDATE,
                    median(candP50), candP50[0], candP50[candP50.length - 1], median(candP99), candP99[0],
                    candP99[candP99.length - 1], reports.stream().mapToLong(r -> r.candidateLatency().samples())
                            .max().orElse(0));
            System.out.printf("  live %s:%s inference as the report sees it, us: p50 median %.1f (%.1f-%.1f), p99 "
                    + "median %.1f (%.1f-%.1f)%n", MODEL, LIVE, median(liveP50), liveP50[0],
                    liveP50[liveP50.length - 1], median(liveP99), liveP99[0], liveP99[liveP99.length - 1]);
        }
    }

    /**
     * Phases 2k and 2k + 1 are one off and one on phase whatever k (ABBA), next to each other in time: their ratio
     * leaves out what drifts over minutes (a busy neighbour on the host), which the pooled figures keep.
     */
    private String paired(String what, double[] perPhase) {
        int pairs = measuredPhases / 2;
        if (pairs == 0) {
            return "no pair of phases";
        }
        double[] ratios = new double[pairs];
        int onHigher = 0;
        for (int k = 0; k < pairs; k++) {
            int a = 2 * k;
            int b = a + 1;
            double onValue = phaseOn[a] ? perPhase[a] : perPhase[b];
            double offValue = phaseOn[a] ? perPhase[b] : perPhase[a];
            ratios[k] = onValue / offValue;
            if (onValue > offValue) {
                onHigher++;
            }
        }
        Arrays.sort(ratios);
        return String.format("paired by neighbouring phases (%d pairs), ratio on/off of the phase %s: median %.3f, "
                + "range %.3f-%.3f, on higher in %d of %d", pairs, what, median(ratios), ratios[0],
                ratios[pairs - 1], onHigher, pairs);
    }

    private double ratio(double p) {
        return on.total.percentileMicros(p) / off.total.percentileMicros(p);
    }

    /**
     * The ratio's 2.5 and 97.5 percentiles when each side's phases are resampled with replacement: phases, not
     * windows, because neighbouring windows share what slows them (a GC, a busy second of the VM).
     */
    private double[] bootstrapRatio(double p) {
        Random random = new Random(20261125);
        double[] ratios = new double[BOOTSTRAP_RESAMPLES];
        for (int b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
            ratios[b] = resampledPercentile(on.phases, p, random) / resampledPercentile(off.phases, p, random);
        }
        Arrays.sort(ratios);
        return new double[] {ratios[(int) (0.025 * BOOTSTRAP_RESAMPLES)],
                ratios[(int) Math.ceil(0.975 * BOOTSTRAP_RESAMPLES) - 1]};
    }

    private static double resampledPercentile(List<long[]> phases, double p, Random random) {
        int n = phases.stream().mapToInt(a -> a.length).sum();
        long[] all = new long[n];
        int at = 0;
        for (int i = 0; i < phases.size(); i++) {
            long[] phase = phases.get(random.nextInt(phases.size()));
            int len = Math.min(phase.length, n - at);
            System.arraycopy(phase, 0, all, at, len);
            at += len;
        }
        long[] sorted = Arrays.copyOf(all, at);
        Arrays.sort(sorted);
        return LatencyRecorder.pct(sorted, p);
    }

    private static String shadowText(ShadowReport r, long skippedRunning) {
        return String.format("shadow: seen %d, compared %d, skipped %d while running, %d in flight at stop, errors "
                + "%d, candidate p50 %.1f / p99 %.1f us (%d timed), live model p50 %.1f / p99 %.1f us, ended %s",
                r.windowsSeen(), r.windowsCompared(), skippedRunning, r.windowsSkipped() - skippedRunning,
                r.candidateErrors(), r.candidateLatency().p50Micros(),
                r.candidateLatency().p99Micros(), r.candidateLatency().samples(), r.liveLatency().p50Micros(),
                r.liveLatency().p99Micros(), r.state());
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }
}
