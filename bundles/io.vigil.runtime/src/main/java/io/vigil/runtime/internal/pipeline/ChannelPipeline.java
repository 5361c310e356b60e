package io.vigil.runtime.internal.pipeline;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import io.vigil.api.alert.Alert;
import io.vigil.api.asset.ChannelStatus;
import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.detect.ModelRef;
import io.vigil.api.detect.ScoredWindow;
import io.vigil.api.feature.FeatureExtractor;
import io.vigil.api.feature.FeatureVector;
import io.vigil.api.feature.Window;
import io.vigil.api.model.Model;
import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.model.ModelException;
import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.ChannelSpec;
import io.vigil.api.sensor.InputFault;
import io.vigil.api.sensor.SampleBlock;
import io.vigil.runtime.internal.alert.AlertStateMachine;
import io.vigil.runtime.internal.detect.Tier0Detector;

/**
 * One channel of one asset: checks the driver's input, cuts it into overlapping windows, extracts features,
 * scores every window with the tier-0 detector and runs the alert state machine.
 *
 * <p>Bad input never stops the channel. Invalid samples (NaN, ±Inf, out of the channel's valid range) are
 * counted and replaced by the last valid value so the window keeps its timing; a window with more than the
 * allowed fraction of replaced samples is not scored, since its features would describe the repair. A gap or
 * a backwards timestamp is counted and restarts the window at the new timestamp, because spectral features of
 * a window spanning a discontinuity are meaningless.
 *
 * <p>Thread-safe: drivers deliver on their own threads, the watchdog and status readers on others; every
 * entry point takes the channel's lock. Nothing here blocks: downstream outputs must return quickly.
 */
public final class ChannelPipeline {

    /** What the channel produces, in order: every verdict, and the alert state changes among them. */
    public interface Output {
        void detection(Detection detection, FeatureVector features);

        void alert(Alert alert);

        /** The window's final verdict, after the alert state machine took it. */
        default void window(ScoredWindow window) {
        }

        /**
         * Bad input, or with a null fault a notice about the channel. The detail is built only if it is logged:
         * a driver spewing NaN must not cost a string per sample.
         */
        void fault(String assetId, String channel, InputFault fault, Supplier<String> detail);
    }

    public static final ModelRef TIER0 = new ModelRef("tier0", "1.0.0");

    private final String assetId;
    private final ChannelSpec spec;
    private final int windowSize;
    private final int hop;
    private final double maxBadFraction;
    private final Function<ChannelKind, FeatureExtractor> extractors;
    private final Supplier<Model> tier1;
    private final Output output;
    private volatile Tier1Mode tier1Mode;
    private final PipelineSettings settings;
    private Tier0Detector detector;
    private List<String> featureNames;
    private final AlertStateMachine alerts;

    private final double[] buffer;
    private final boolean[] replaced;
    private int filled;
    private int replacedInBuffer;
    private long bufferStartNanos;
    private long expectedNextNanos = Long.MIN_VALUE;
    private double lastValid;

    private long seq;
    private long samples;
    private long windows;
    private long windowsDiscarded;
    private long windowsFailed;
    private final long[] faults = new long[InputFault.values().length];
    private long modelWindows;
    private long modelErrors;
    private String lastModel = "";
    private long lastArrivalNanoTime;
    private boolean stalled;
    private boolean ended;
    private volatile ChannelStatus published;

    /**
     * @param tier1 the tier-1 model serving the asset right now, or null; read once per window, so every window
     *        is scored by one model from start to end and a swap takes effect at a window boundary
     */
    public ChannelPipeline(String assetId, ChannelSpec spec, PipelineSettings settings,
            Function<ChannelKind, FeatureExtractor> extractors, Supplier<Model> tier1, Output output,
            long nowNanoTime) {
        this.assetId = assetId;
        this.spec = spec;
        this.windowSize = settings.windowSize(spec.kind());
        this.hop = settings.hop(spec.kind());
        this.maxBadFraction = settings.maxBadFraction();
        this.extractors = extractors;
        this.tier1 = tier1;
        this.tier1Mode = settings.modelMode();
        this.output = output;
        this.settings = settings;
        this.detector = newDetector();
        this.alerts = new AlertStateMachine(settings.raiseAfter(), settings.clearAfter());
        this.buffer = new double[windowSize];
        this.replaced = new boolean[windowSize];
        this.lastArrivalNanoTime = nowNanoTime;
        publish();
    }

    public ChannelSpec spec() {
        return spec;
    }

    /** Applies the settings that can change without recommissioning. */
    public void retune(PipelineSettings settings) {
        alerts.setHysteresis(settings.raiseAfter(), settings.clearAfter());
        tier1Mode = settings.modelMode();
    }

    /**
     * Takes one block from a driver.
     *
     * @param ingestNanoTime {@link System#nanoTime()} when the block entered the pipeline
     */
    public synchronized void onSamples(SampleBlock block, long ingestNanoTime) {
        lastArrivalNanoTime = ingestNanoTime;
        ended = false;
        if (stalled) {
            stalled = false;
            output.fault(assetId, spec.name(), null, () -> "data flowing again");
        }
        checkTimeline(block);
        double[] values = block.values();
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            InputFault fault = classify(v);
            boolean bad = fault != null;
            if (bad) {
                double value = v;
                int index = i;
                tally(fault, () -> value + " at sample " + index + " of block starting " + block.startEpochNanos()
                        + " ns");
                v = lastValid;
            } else {
                lastValid = v;
            }
            if (filled == 0) {
                bufferStartNanos = block.timestampNanos(i);
            }
            buffer[filled] = v;
            replaced[filled] = bad;
            if (bad) {
                replacedInBuffer++;
            }
            filled++;
            if (filled == windowSize) {
                try {
                    emitWindow(block.sampleRateHz(), ingestNanoTime);
                } catch (RuntimeException e) {
                    // a bug in an extractor, a model or a listener costs this window, not the channel's timeline
                    windowsFailed++;
                    output.fault(assetId, spec.name(), null, () -> "window " + (seq - 1) + " failed and was not "
                            + "scored: " + e);
                }
                slide(block.sampleRateHz());
            }
        }
        samples += values.length;
        expectedNextNanos = block.nextStartNanos();
        publish();
    }

    private void checkTimeline(SampleBlock block) {
        if (expectedNextNanos == Long.MIN_VALUE) {
            return;
        }
        long tolerance = Math.round(0.5e9 / block.sampleRateHz());
        long delta = block.startEpochNanos() - expectedNextNanos;
        if (delta > tolerance) {
            tally(InputFault.GAP, () -> String.format("%.3f s of samples missing before %d ns", delta / 1e9,
                    block.startEpochNanos()));
            restartWindow();
        } else if (delta < -tolerance) {
            tally(InputFault.TIME_REVERSAL, () -> String.format("block starts %.3f s before the previous one ended",
                    -delta / 1e9));
            restartWindow();
        }
    }

    private InputFault classify(double v) {
        if (Double.isNaN(v)) {
            return InputFault.NAN;
        }
        if (Double.isInfinite(v)) {
            return InputFault.INFINITE;
        }
        if (v < spec.minValid() || v > spec.maxValid()) {
            return InputFault.OUT_OF_RANGE;
        }
        return null;
    }

    private void emitWindow(double sampleRateHz, long ingestNanoTime) {
        long windowSeq = seq++;
        FeatureExtractor extractor = extractors.apply(spec.kind());
        if (replacedInBuffer > maxBadFraction * windowSize || extractor == null) {
            windowsDiscarded++;
            return;
        }
        Window window = new Window(assetId, spec.name(), windowSeq, bufferStartNanos, sampleRateHz,
                Arrays.copyOf(buffer, windowSize));
        FeatureVector features = extractor.extract(window);
        if (!features.names().equals(featureNames)) {
            if (featureNames != null) {
                // a reconfigured or updated extractor: the learned baseline describes other features
                List<String> before = featureNames;
                output.fault(assetId, spec.name(), null, () -> "features changed from " + before + " to "
                        + features.names() + "; recommissioning the tier-0 detector");
                detector = newDetector();
            }
            featureNames = features.names();
        }
        Tier0Detector.Verdict v = detector.score(features.values());
        Detection detection = new Detection(assetId, spec.name(), windowSeq, window.endEpochNanos(), TIER0,
                v.state(), v.score(), v.threshold(), v.anomalous(), ingestNanoTime, System.nanoTime());
        windows++;
        output.detection(detection, features);
        Detection verdict = detection;
        boolean escalated = v.anomalous() || tier1Mode == Tier1Mode.EVERY_WINDOW;
        long modelNanos = -1;
        if (escalated) {
            long start = System.nanoTime();
            Detection modelVerdict = scoreWithModel(window, features, ingestNanoTime);
            if (modelVerdict != null) {
                modelNanos = modelVerdict.decisionNanoTime() - start;
                output.detection(modelVerdict, features);
                verdict = modelVerdict;
            }
        }
        alerts.onDetection(verdict, window.endEpochNanos() / 1_000_000).ifPresent(output::alert);
        output.window(new ScoredWindow(detection, verdict, features, escalated, modelNanos));
    }

    /**
     * The tier-1 verdict on a window, or null when no model serves this channel or the model failed on it (then
     * tier-0 decides, and the failure is counted and logged). A model withdrawn between the read and the run
     * (its session closed) is replaced by whichever model serves now, so the window is still scored once.
     */
    private Detection scoreWithModel(Window window, FeatureVector features, long ingestNanoTime) {
        for (int attempt = 0; attempt < 2; attempt++) {
            Model model = tier1.get();
            if (model == null) {
                lastModel = "";
                return null;
            }
            ModelDescriptor d = model.descriptor();
            if (!features.names().containsAll(d.features())) {
                return null; // a model for other features (a vibration model on the temperature channel)
            }
            try {
                double score = model.score(List.of(features))[0];
                lastModel = d.id();
                if (Double.isNaN(score)) {
                    modelErrors++;
                    output.fault(assetId, spec.name(), null, () -> "model " + d.id() + " scored window "
                            + window.seq() + " NaN; tier-0 decided it");
                    return null;
                }
                modelWindows++;
                return new Detection(assetId, spec.name(), window.seq(), window.endEpochNanos(),
                        new ModelRef(d.name(), d.version()), DetectorState.ARMED, score, d.threshold(),
                        score > d.threshold(), ingestNanoTime, System.nanoTime());
            } catch (ModelException e) {
                if (e.reason() == ModelException.Reason.CLOSED && attempt == 0) {
                    continue;
                }
                modelErrors++;
                output.fault(assetId, spec.name(), null, () -> "model " + d.id() + " failed on window "
                        + window.seq() + ": " + e.getMessage() + "; tier-0 decided it");
                return null;
            }
        }
        return null;
    }

    private Tier0Detector newDetector() {
        return new Tier0Detector(settings.commissioningWindows(spec), settings.targetFalseAlarmRate(),
                settings.minRelativeScale());
    }

    private void slide(double sampleRateHz) {
        int keep = windowSize - hop;
        for (int i = 0; i < hop; i++) {
            if (replaced[i]) {
                replacedInBuffer--;
            }
        }
        System.arraycopy(buffer, hop, buffer, 0, keep);
        System.arraycopy(replaced, hop, replaced, 0, keep);
        filled = keep;
        bufferStartNanos += Math.round(hop * 1e9 / sampleRateHz);
    }

    private void restartWindow() {
        filled = 0;
        replacedInBuffer = 0;
    }

    /**
     * A driver (re)starts delivering: its first block starts a new timeline rather than counting as a gap, and
     * the stall clock restarts. The learned baseline is kept.
     */
    public synchronized void resume() {
        expectedNextNanos = Long.MIN_VALUE;
        restartWindow();
        lastArrivalNanoTime = System.nanoTime();
        stalled = false;
        publish();
    }

    /** Counts a fault reported from outside the sample stream (driver errors). */
    public synchronized void count(InputFault fault, Supplier<String> detail) {
        tally(fault, detail);
        publish();
    }

    private void tally(InputFault fault, Supplier<String> detail) {
        faults[fault.ordinal()]++;
        output.fault(assetId, spec.name(), fault, detail);
    }

    /** Clears an active alert because this channel is being discarded; see AlertStateMachine#abandon. */
    public synchronized void abandon(String why) {
        alerts.abandon(why, System.currentTimeMillis()).ifPresent(output::alert);
        publish();
    }

    /** The driver says the data has ended (a finished replay): the silence that follows is not a stall. */
    public synchronized void endOfStream() {
        ended = true;
        long s = samples;
        long w = windows;
        output.fault(assetId, spec.name(), null, () -> "end of stream: " + s + " samples in " + w + " windows");
        publish();
    }

    /** Marks the channel stalled, once per stall, when nothing arrived for {@code timeoutNanos}. */
    public synchronized void checkStall(long nowNanoTime, long timeoutNanos) {
        if (!stalled && !ended && nowNanoTime - lastArrivalNanoTime > timeoutNanos) {
            stalled = true;
            long silence = nowNanoTime - lastArrivalNanoTime;
            tally(InputFault.STALL, () -> String.format("no data for %.1f s", silence / 1e9));
            publish();
        }
    }

    /**
     * The channel's status as of its last change. Read without the channel's lock, so a status page or a
     * listener asking for it never waits on (or deadlocks with) a channel busy scoring a window.
     */
    public ChannelStatus status() {
        return published;
    }

    /** Called under the lock at the end of every change. */
    private void publish() {
        Map<InputFault, Long> counts = new EnumMap<>(InputFault.class);
        for (InputFault f : InputFault.values()) {
            counts.put(f, faults[f.ordinal()]);
        }
        published = new ChannelStatus(spec.name(), samples, windows, windowsDiscarded + windowsFailed, counts,
                stalled, detector.state(), detector.threshold(), detector.targetFalseAlarmRate(),
                detector.observedAnomalyRate(), alerts.active(), lastModel, modelWindows, modelErrors,
                featureNames == null ? List.of() : featureNames);
    }
}
