package io.vigil.runtime.internal.pipeline;

import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.vigil.api.alert.Alert;
import io.vigil.api.detect.Detection;
import io.vigil.api.detect.ScoredWindow;
import io.vigil.api.feature.FeatureExtractor;
import io.vigil.api.feature.FeatureVector;
import io.vigil.api.feature.Window;
import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.InputFault;

/** Small windows, quick commissioning and recording outputs for pipeline tests. */
final class TestSupport {

    private TestSupport() {
    }

    /** An asset configuration with small windows so tests need few samples. */
    static class Config implements AssetPipelineConfig {
        String asset = "pump-1";
        int raiseAfter = 3;
        int clearAfter = 3;
        double stallTimeout = 5;
        int window = 64;
        double targetFalseAlarmRate = 0.001;
        String modelName = "";
        String modelVersions = "0";
        Tier1Mode modelMode = Tier1Mode.ESCALATED;

        @Override public Class<? extends Annotation> annotationType() { return AssetPipelineConfig.class; }
        @Override public String vigil_asset() { return asset; }
        @Override public int vibration_window() { return window; }
        @Override public int vibration_hop() { return window / 2; }
        @Override public int scalar_window() { return 4; }
        @Override public int scalar_hop() { return 1; }
        @Override public double commissioning_seconds() { return 0; }
        @Override public int min_commissioning_windows() { return 20; }
        @Override public double target_false_alarm_rate() { return targetFalseAlarmRate; }
        @Override public double min_relative_scale() { return 0; }
        @Override public int raise_after() { return raiseAfter; }
        @Override public int clear_after() { return clearAfter; }
        @Override public double max_bad_fraction() { return 0.25; }
        @Override public double stall_timeout_seconds() { return stallTimeout; }
        @Override public String model_name() { return modelName; }
        @Override public String model_versions() { return modelVersions; }
        @Override public Tier1Mode model_mode() { return modelMode; }
    }

    /** RMS and peak: enough for the pipeline's mechanics; the real extractors are tested in their bundle. */
    static final FeatureExtractor RMS_PEAK = new FeatureExtractor() {
        @Override public ChannelKind kind() { return ChannelKind.VIBRATION; }
        @Override public List<String> featureNames(int windowSize, double rate) { return List.of("rms", "peak"); }
        @Override public FeatureVector extract(Window w) {
            double sum = 0;
            double peak = 0;
            for (double v : w.samples()) {
                sum += v * v;
                peak = Math.max(peak, Math.abs(v));
            }
            return new FeatureVector(List.of("rms", "peak"), new double[] { Math.sqrt(sum / w.samples().length), peak });
        }
    };

    static final class Recorder implements ChannelPipeline.Output {
        final List<Detection> detections = new CopyOnWriteArrayList<>();
        final List<FeatureVector> features = new CopyOnWriteArrayList<>();
        final List<Window> windows = new ArrayList<>();
        final List<Alert> alerts = new CopyOnWriteArrayList<>();
        final List<ScoredWindow> scored = new CopyOnWriteArrayList<>();
        final Map<InputFault, AtomicLong> faults = new ConcurrentHashMap<>();

        @Override public void detection(Detection d, FeatureVector f) {
            detections.add(d);
            features.add(f);
        }
        @Override public void alert(Alert a) { alerts.add(a); }
        @Override public void window(ScoredWindow w) { scored.add(w); }
        @Override public void fault(String asset, String channel, InputFault fault, Supplier<String> detail) {
            if (fault != null) {
                faults.computeIfAbsent(fault, k -> new AtomicLong()).incrementAndGet();
            }
        }
    }
}
