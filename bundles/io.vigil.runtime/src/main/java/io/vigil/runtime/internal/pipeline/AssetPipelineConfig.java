package io.vigil.runtime.internal.pipeline;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = AssetPipeline.PID, name = "Vigil asset pipeline",
        description = "Monitoring of one asset: windows of every channel its drivers deliver, tier-0 detection "
                + "calibrated on the machine itself, and alerts with hysteresis. One configuration per asset.")
public @interface AssetPipelineConfig {

    @AttributeDefinition(name = "Asset id", description = "The asset to monitor; drivers whose vigil.asset "
            + "property equals it feed this pipeline.")
    String vigil_asset();

    @AttributeDefinition(name = "Vibration window", description = "Samples per vibration window (a power of two "
            + "keeps the FFT exact).")
    int vibration_window() default 2048;

    @AttributeDefinition(name = "Vibration hop", description = "Samples between the starts of consecutive "
            + "vibration windows; half the window gives 50% overlap.")
    int vibration_hop() default 1024;

    @AttributeDefinition(name = "Scalar window", description = "Samples per window of slow channels such as "
            + "temperature.")
    int scalar_window() default 10;

    @AttributeDefinition(name = "Scalar hop", description = "Samples between scalar windows.")
    int scalar_hop() default 1;

    @AttributeDefinition(name = "Commissioning period (s)", description = "How long each channel learns this "
            + "machine's healthy baseline before it judges windows. Run it while the machine is known healthy.")
    double commissioning_seconds() default 600;

    @AttributeDefinition(name = "Minimum commissioning windows", description = "Lower bound on the windows "
            + "learned, whatever the period (at least 20). Fewer than about 200 leave the false-alarm rate "
            + "above its target.")
    int min_commissioning_windows() default 200;

    @AttributeDefinition(name = "Target false-alarm rate", description = "Per-window probability that a healthy "
            + "machine's window is judged anomalous; the threshold is set from the commissioning data to hold it.")
    double target_false_alarm_rate() default 0.001;

    @AttributeDefinition(name = "Minimum relative scale", description = "Floor of each feature's spread, "
            + "relative to its median, so features that hardly moved while commissioning do not alarm on "
            + "harmless drift.")
    double min_relative_scale() default 0.02;

    @AttributeDefinition(name = "Raise after", description = "Anomalous windows in a row that raise an alert.")
    int raise_after() default 3;

    @AttributeDefinition(name = "Clear after", description = "Normal windows in a row that clear an alert.")
    int clear_after() default 5;

    @AttributeDefinition(name = "Maximum bad fraction", description = "Fraction of invalid samples (NaN, "
            + "infinite, out of range) above which a window is not scored.")
    double max_bad_fraction() default 0.05;

    @AttributeDefinition(name = "Tier-1 model", description = "Name of the model (from a model bundle) that "
            + "scores this asset's windows beside the tier-0 detector; empty for tier-0 only.")
    String model_name() default "";

    @AttributeDefinition(name = "Tier-1 model versions", description = "OSGi version range of the model; the "
            + "highest installed version in it serves, e.g. [1.0,2.0) to stay on major version 1.")
    String model_versions() default "0.0.0";

    @AttributeDefinition(name = "Tier-1 mode", description = "ESCALATED: the model scores only the windows "
            + "tier-0 finds anomalous and decides whether they are; EVERY_WINDOW: the model scores and decides "
            + "every window.")
    Tier1Mode model_mode() default Tier1Mode.ESCALATED;

    @AttributeDefinition(name = "Stall timeout (s)", description = "Silence after which a channel whose driver "
            + "is present counts as stalled.")
    double stall_timeout_seconds() default 5;
}
