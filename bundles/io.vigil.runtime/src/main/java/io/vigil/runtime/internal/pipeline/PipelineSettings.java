package io.vigil.runtime.internal.pipeline;

import org.osgi.framework.VersionRange;

import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.ChannelSpec;

/**
 * Validated per-asset pipeline settings, from {@link AssetPipelineConfig}.
 *
 * @param vibrationWindow samples per vibration window
 * @param vibrationHop samples between the starts of consecutive vibration windows
 * @param scalarWindow samples per scalar window
 * @param scalarHop samples between scalar windows
 * @param commissioningSeconds how long each channel learns its baseline
 * @param minCommissioningWindows lower bound on the windows learned, whatever the duration
 * @param targetFalseAlarmRate per-window false-alarm rate the tier-0 threshold is set for
 * @param minRelativeScale floor of feature scales relative to their medians
 * @param raiseAfter anomalous windows in a row that raise an alert
 * @param clearAfter normal windows in a row that clear it
 * @param maxBadFraction fraction of replaced samples above which a window is not scored
 * @param stallTimeoutSeconds silence after which a channel counts as stalled
 * @param modelName the tier-1 model's name, empty for none
 * @param modelVersions the version range of the tier-1 model
 * @param modelMode which windows the tier-1 model scores
 */
public record PipelineSettings(int vibrationWindow, int vibrationHop, int scalarWindow, int scalarHop,
        double commissioningSeconds, int minCommissioningWindows, double targetFalseAlarmRate,
        double minRelativeScale, int raiseAfter, int clearAfter, double maxBadFraction, double stallTimeoutSeconds,
        String modelName, VersionRange modelVersions, Tier1Mode modelMode) {

    public PipelineSettings {
        checkWindow("vibration", vibrationWindow, vibrationHop);
        checkWindow("scalar", scalarWindow, scalarHop);
        if (!(commissioningSeconds >= 0)) {
            throw new IllegalArgumentException("commissioning.seconds must be >= 0, got " + commissioningSeconds);
        }
        if (!(maxBadFraction >= 0 && maxBadFraction <= 1)) {
            throw new IllegalArgumentException("max.bad.fraction must lie in [0, 1], got " + maxBadFraction);
        }
        if (!(stallTimeoutSeconds > 0)) {
            throw new IllegalArgumentException("stall.timeout.seconds must be > 0, got " + stallTimeoutSeconds);
        }
        if (raiseAfter < 1 || clearAfter < 1) {
            throw new IllegalArgumentException("raise.after and clear.after must be >= 1 window, got "
                    + raiseAfter + " and " + clearAfter);
        }
        // checked here, before a configuration is applied, rather than when the detectors are built mid-rebuild
        if (minCommissioningWindows < 20) {
            throw new IllegalArgumentException("min.commissioning.windows must be >= 20 (200 or more holds the "
                    + "false-alarm rate), got " + minCommissioningWindows);
        }
        if (!(targetFalseAlarmRate > 0 && targetFalseAlarmRate < 0.5)) {
            throw new IllegalArgumentException("target.false.alarm.rate must lie in (0, 0.5), e.g. 0.001, got "
                    + targetFalseAlarmRate);
        }
        if (!(minRelativeScale >= 0)) {
            throw new IllegalArgumentException("min.relative.scale must be >= 0, got " + minRelativeScale);
        }
        modelName = modelName == null ? "" : modelName.trim();
    }

    /** @throws IllegalArgumentException naming the PID, the asset and the bad property, before anything changes */
    public static PipelineSettings from(AssetPipelineConfig c) {
        try {
            return new PipelineSettings(c.vibration_window(), c.vibration_hop(), c.scalar_window(), c.scalar_hop(),
                    c.commissioning_seconds(), c.min_commissioning_windows(), c.target_false_alarm_rate(),
                    c.min_relative_scale(), c.raise_after(), c.clear_after(), c.max_bad_fraction(),
                    c.stall_timeout_seconds(), c.model_name(), versions(c.model_versions()), c.model_mode());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(AssetPipeline.PID + " for asset '" + c.vigil_asset() + "': "
                    + e.getMessage() + "; the configuration is refused and the pipeline keeps its settings", e);
        }
    }

    private static VersionRange versions(String range) {
        try {
            return VersionRange.valueOf(range.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model.versions '" + range + "' is not an OSGi version range such "
                    + "as 1.0.0 or [1.0,2.0)", e);
        }
    }

    private static void checkWindow(String kind, int window, int hop) {
        if (window < 2) {
            throw new IllegalArgumentException(kind + ".window must be >= 2 samples, got " + window);
        }
        if (hop < 1 || hop > window) {
            throw new IllegalArgumentException(kind + ".hop must lie in [1, " + kind + ".window=" + window
                    + "], got " + hop);
        }
    }

    public int windowSize(ChannelKind kind) {
        return kind == ChannelKind.VIBRATION ? vibrationWindow : scalarWindow;
    }

    public int hop(ChannelKind kind) {
        return kind == ChannelKind.VIBRATION ? vibrationHop : scalarHop;
    }

    /** Windows learned on a channel: the commissioning period in windows, at least the minimum. */
    public int commissioningWindows(ChannelSpec spec) {
        double windowsPerSecond = spec.sampleRateHz() / hop(spec.kind());
        return Math.max(minCommissioningWindows, (int) Math.ceil(commissioningSeconds * windowsPerSecond));
    }

    /** Whether changing from this to {@code next} needs the channels rebuilt (and recommissioned). */
    public boolean needsRecommissioning(PipelineSettings next) {
        return vibrationWindow != next.vibrationWindow || vibrationHop != next.vibrationHop
                || scalarWindow != next.scalarWindow || scalarHop != next.scalarHop
                || commissioningSeconds != next.commissioningSeconds
                || minCommissioningWindows != next.minCommissioningWindows
                || targetFalseAlarmRate != next.targetFalseAlarmRate || minRelativeScale != next.minRelativeScale
                || maxBadFraction != next.maxBadFraction;
    }
}
