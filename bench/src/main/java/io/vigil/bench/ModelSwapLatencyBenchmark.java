package io.vigil.bench;

import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;

import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectionListener;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.model.Model;
import io.vigil.runtime.internal.pipeline.AssetPipelineConfig;

/**
 * Model swap latency on the gateway's own bundle set: from {@code Bundle.start()} of the model bundle 2.0.0 to the
 * first window scored by it, while 1.0.0 serves a CWRU recording replayed in real time.
 *
 * <p>Setup (per trial) starts a real Felix with the gateway's bundle set ({@link BenchGateway}: all of
 * {@code distribution/target/vigil/bundle} but the gogo shell, with the Vigil API exported by the system bundle so
 * that the {@link DetectionListener} registered here and the {@link Detection}s it receives are the classes the
 * pipeline uses). One asset pipeline (tier-1 model {@code bearing-fault} deciding every window) is fed by the
 * replay driver at speed 1, i.e. a window completes every 1024 / 12 000 s = 85.3 ms, and the model bundle 1.0.0
 * is installed and started.
 *
 * <p>Each invocation installs 2.0.0 (untimed), waits a random fraction of a hop so that the start falls anywhere
 * between two window boundaries as it would on a gateway (without it, every start would come a fixed time after
 * the last v1 window), then times {@code start()} until a verdict by 2.0.0 has arrived at the listener. The
 * invocation's teardown uninstalls 2.0.0 and waits for 1.0.0 to score again. JMH's figure ends when the
 * benchmark thread has woken up; the benchmark also records, per measured swap, the stages from the model
 * service's registration (a {@link ServiceListener}, called on the thread that starts the bundle) and the
 * verdict's own time stamps, and prints their distribution at the end of the trial.
 *
 * <p>SingleShotTime, one swap per iteration: a swap is a discrete event of about a tenth of a second whose
 * undo (uninstall, waiting for 1.0.0) must stay outside the timing; SampleTime would sample a stream of back to
 * back invocations, which swaps are not. JMH reports the percentiles over the iterations: 10 warm-up swaps (each
 * printed, the first being the first load of 2.0.0 in the JVM) and 300 measured ones, about a minute in all,
 * started once tier-0 has finished commissioning. Paths are resolved from the working directory, or
 * {@code -Dvigil.root=<reactor>}; the recording from {@code -Dvigil.data.dir} (default
 * {@code <reactor>/../shared/data}).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 10)
@Measurement(iterations = 300)
@State(Scope.Thread)
public class ModelSwapLatencyBenchmark {

    static final String ASSET = "bench";
    static final String MODEL = "bearing-fault";
    static final String V1 = "1.0.0";
    static final String V2 = "2.0.0";
    static final String RECORDING = "cwru/1797_IR_7_DE12.npz";
    /** The recording's sampling rate (CWRU "DE12": drive end, 12 kHz), which the replay driver's default matches. */
    static final double RECORDING_RATE_HZ = 12_000;
    static final long TIMEOUT_SECONDS = BenchGateway.TIMEOUT_SECONDS;

    private BenchGateway gateway;
    private BundleContext context;
    private final Watch watch = new Watch();
    private String v2Location;
    private Bundle v2;
    private long hopNanos;
    private final Random phase = new Random(20261125);
    private boolean recording;
    private Swap swap;

    private final Stage total = new Stage("start() -> first 2.0.0 verdict (decision stamp)");
    private final Stage toRegistered = new Stage("start() -> Model 2.0.0 registered");
    private final Stage startCall = new Stage("start() call returned");
    private final Stage registeredToIngest = new Stage("registered -> ingest of that window's last block");
    private final Stage registeredToDecision = new Stage("registered -> first 2.0.0 verdict");
    private final Stage ingestToDecision = new Stage("ingest -> verdict (features, tier-0, 2.0.0)");
    private final Stage toListener = new Stage("start() -> verdict at the listener");
    private final Stage uninstallCall = new Stage("uninstall() of 2.0.0, call");
    private final Stage uninstallToV1 = new Stage("uninstall() -> first 1.0.0 verdict again");
    private int gapsAtSwap;
    private int gapsAtSwapBack;
    private int v2AfterV1Back;

    // ------------------------------------------------------------------ trial

    @Setup(Level.Trial)
    public void startGateway() throws Exception {
        Path root = BenchGateway.reactorRoot();
        Path recording = BenchGateway.recording(root, RECORDING);
        Object hop = ConfigDefaults.of(AssetPipelineConfig.class).get("vibration_hop");
        hopNanos = Math.round(((Number) hop).intValue() * 1e9 / RECORDING_RATE_HZ);
        gateway = BenchGateway.start(root, "model-swap");
        context = gateway.context;
        String v1Location = gateway.moduleJarLocation("io.vigil.model.bearing.v1");
        v2Location = gateway.moduleJarLocation("io.vigil.model.bearing.v2");

        context.registerService(DetectionListener.class, watch, null);
        context.addServiceListener(watch, "(&(" + Constants.OBJECTCLASS + "=" + Model.class.getName() + ")("
                + Model.NAME + "=" + MODEL + ")(" + Model.VERSION + "=" + V2 + "))");
        gateway.configureFactory("io.vigil.runtime.asset", ASSET, Map.of("vigil.asset", ASSET,
                "commissioning.seconds", "0", "min.commissioning.windows", "20", "model.name", MODEL, "model.mode",
                "EVERY_WINDOW"));
        gateway.configureFactory("io.vigil.driver.replay", ASSET, Map.of("vigil.asset", ASSET, "file",
                recording.toString(), "speed", "1", "loop", "true"));

        Bundle v1 = context.installBundle(v1Location);
        v1.start();
        await(watch.v1Serving, "a window scored by " + MODEL + ":" + V1 + " after installing " + v1Location);
        // tier-0 scores every window beside the model; swaps are timed once it has left commissioning
        await(watch.tier0Armed, "tier-0 to finish commissioning");
        System.out.printf("%s:%s serves asset %s (replay of %s at speed 1, a window every %.1f ms)%n", MODEL, V1,
                ASSET, recording.getFileName(), hopNanos / 1e6);
    }

    @TearDown(Level.Trial)
    public void stopGateway() throws Exception {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            System.out.printf("%nModel swap, %d measured swaps, ms (nearest-rank percentiles):%n", total.count);
            for (Stage s : List.of(total, toRegistered, startCall, registeredToIngest, registeredToDecision,
                    ingestToDecision, toListener, uninstallCall, uninstallToV1)) {
                System.out.println(s.summary());
            }
            System.out.printf("swaps whose first verdict by the new model was not on the window right after the "
                    + "old model's last: to 2.0.0 %d, back to 1.0.0 %d; 2.0.0 verdicts after 1.0.0 was back: %d%n",
                    gapsAtSwap, gapsAtSwapBack, v2AfterV1Back);
        }
    }

    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
        recording = params.getType() == IterationType.MEASUREMENT;
    }

    // ------------------------------------------------------------------ one swap

    @Setup(Level.Invocation)
    public void installV2() throws Exception {
        Detection last = watch.lastModelVerdict;
        if (last == null || !V1.equals(last.source().version())) {
            throw new IllegalStateException("before the swap " + MODEL + ":" + V1 + " should serve; last verdict "
                    + last);
        }
        v2 = context.installBundle(v2Location);
        swap = new Swap();
        watch.current = swap;
        // start anywhere between two window boundaries, uniformly, as an operator's or FileInstall's start would
        TimeUnit.NANOSECONDS.sleep((long) (phase.nextDouble() * hopNanos));
    }

    /** Starts 2.0.0 and returns its first verdict, once the listener has it. */
    @Benchmark
    public Detection swapToV2() throws Exception {
        Swap s = swap;
        s.startNanos = System.nanoTime();
        v2.start();
        s.startedNanos = System.nanoTime();
        if (!s.v2Serving.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no window scored by " + MODEL + ":" + V2 + " " + TIMEOUT_SECONDS
                    + " s after start(); bundle state " + v2.getState() + ", model bundles rejected: "
                    + gateway.rejectedModels());
        }
        return s.firstV2;
    }

    @TearDown(Level.Invocation)
    public void uninstallV2() throws Exception {
        Swap s = swap;
        s.uninstallNanos = System.nanoTime();
        s.uninstalling = true;
        v2.uninstall();
        s.uninstalledNanos = System.nanoTime();
        await(s.v1Back, "a window scored by " + MODEL + ":" + V1 + " after uninstalling " + V2);
        watch.current = null;
        if (s.firstV2 == null) {
            return; // the benchmark failed and said why
        }
        if (s.registeredNanos == 0) {
            throw new IllegalStateException(MODEL + ":" + V2 + " served, but no registration of its Model service "
                    + "was seen; the service listener's filter no longer matches the extender's properties");
        }
        if (!recording) {
            System.out.printf("  warm-up swap: start() -> registered %.1f ms, -> first 2.0.0 verdict %.1f ms%n",
                    (s.registeredNanos - s.startNanos) / 1e6, (s.firstV2.decisionNanoTime() - s.startNanos) / 1e6);
        } else {
            Detection d = s.firstV2;
            total.add(d.decisionNanoTime() - s.startNanos);
            toRegistered.add(s.registeredNanos - s.startNanos);
            startCall.add(s.startedNanos - s.startNanos);
            registeredToIngest.add(d.ingestNanoTime() - s.registeredNanos);
            registeredToDecision.add(d.decisionNanoTime() - s.registeredNanos);
            ingestToDecision.add(d.decisionNanoTime() - d.ingestNanoTime());
            toListener.add(s.firstV2SeenNanos - s.startNanos);
            uninstallCall.add(s.uninstalledNanos - s.uninstallNanos);
            uninstallToV1.add(s.firstV1Back.decisionNanoTime() - s.uninstallNanos);
        }
        if (!Swap.handedOver(s.beforeFirstV2, s.firstV2)) {
            gapsAtSwap++;
        }
        if (!Swap.handedOver(s.beforeFirstV1Back, s.firstV1Back)) {
            gapsAtSwapBack++;
        }
        v2AfterV1Back += s.v2AfterV1Back;
    }

    // ------------------------------------------------------------------ what the pipeline tells

    /** The verdicts of one swap, as the pipeline thread reports them. */
    static final class Swap {
        final CountDownLatch v2Serving = new CountDownLatch(1);
        final CountDownLatch v1Back = new CountDownLatch(1);
        volatile long startNanos;
        volatile long startedNanos;
        /** Set on the thread that starts the bundle, by the service event of the registration. */
        volatile long registeredNanos;
        volatile boolean uninstalling;
        volatile long uninstallNanos;
        volatile long uninstalledNanos;
        // written by the pipeline thread only, read after the latch that follows the write
        Detection firstV2;
        long firstV2SeenNanos;
        /** The model verdicts just before the first one of each swap direction: its window must be the previous. */
        Detection beforeFirstV2;
        Detection firstV1Back;
        Detection beforeFirstV1Back;
        int v2AfterV1Back;

        /** @param previous the model verdict before this one on the channel */
        void offer(Detection d, Detection previous) {
            String version = d.source().version();
            if (V2.equals(version)) {
                if (firstV2 == null) {
                    firstV2SeenNanos = System.nanoTime();
                    firstV2 = d;
                    beforeFirstV2 = previous;
                    v2Serving.countDown();
                }
                if (firstV1Back != null) {
                    v2AfterV1Back++;
                }
            } else if (V1.equals(version) && uninstalling && firstV1Back == null) {
                firstV1Back = d;
                beforeFirstV1Back = previous;
                v1Back.countDown();
            }
        }

        /** @return whether {@code second} is the window after {@code first}, scored by the other model */
        static boolean handedOver(Detection first, Detection second) {
            return first != null && !first.source().equals(second.source())
                    && second.windowSeq() == first.windowSeq() + 1;
        }
    }

    /** The detection listener and the service listener on the Model 2.0.0 registration. */
    final class Watch implements DetectionListener, ServiceListener {
        final CountDownLatch v1Serving = new CountDownLatch(1);
        final CountDownLatch tier0Armed = new CountDownLatch(1);
        volatile Detection lastModelVerdict;
        volatile Swap current;

        @Override
        public void onDetection(Detection d) {
            if (!ASSET.equals(d.assetId())) {
                return;
            }
            if (d.state() == DetectorState.ARMED && !MODEL.equals(d.source().name())) {
                tier0Armed.countDown();
            }
            if (!MODEL.equals(d.source().name())) {
                return;
            }
            Detection previous = lastModelVerdict;
            lastModelVerdict = d;
            if (V1.equals(d.source().version())) {
                v1Serving.countDown();
            }
            Swap s = current;
            if (s != null) {
                s.offer(d, previous);
            }
        }

        @Override
        public void serviceChanged(ServiceEvent event) {
            Swap s = current;
            if (event.getType() == ServiceEvent.REGISTERED && s != null && s.registeredNanos == 0) {
                s.registeredNanos = System.nanoTime();
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A distribution of latencies, kept in nanoseconds, printed in milliseconds. */
    static final class Stage {
        final String name;
        long[] nanos = new long[256];
        int count;

        Stage(String name) {
            this.name = name;
        }

        void add(long v) {
            if (count == nanos.length) {
                nanos = Arrays.copyOf(nanos, count * 2);
            }
            nanos[count++] = v;
        }

        String summary() {
            long[] s = Arrays.copyOf(nanos, count);
            Arrays.sort(s);
            double mean = Arrays.stream(s).average().orElse(Double.NaN) / 1e6;
            return String.format("%-52s n=%d  min=%.1f  p50=%.1f  p90=%.1f  p99=%.1f  max=%.1f  mean=%.1f", name,
                    count, pct(s, 0), pct(s, 0.5), pct(s, 0.9), pct(s, 0.99), pct(s, 1), mean);
        }

        private static double pct(long[] sorted, double p) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(p * sorted.length);
            return sorted[Math.max(rank, 1) - 1] / 1e6;
        }
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        BenchGateway.await(latch, what);
    }
}
