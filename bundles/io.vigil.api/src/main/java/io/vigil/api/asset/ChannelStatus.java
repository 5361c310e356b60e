package io.vigil.api.asset;

import java.util.List;
import java.util.Map;

import io.vigil.api.detect.DetectorState;
import io.vigil.api.sensor.InputFault;

/**
 * A snapshot of one channel's pipeline.
 *
 * @param channel channel name
 * @param samples samples received
 * @param windows windows scored
 * @param windowsDiscarded windows not scored: too much of them was bad input, no extractor was bound, or scoring
 *        them failed (logged)
 * @param faults bad-input counts per kind (every kind present, zero when none)
 * @param stalled whether the channel is stalled right now
 * @param detectorState the tier-0 detector's state
 * @param threshold the tier-0 threshold, NaN while commissioning
 * @param targetFalseAlarmRate the per-window false-alarm rate the threshold was set for
 * @param observedAnomalyRate fraction of windows judged anomalous since the detector was armed
 * @param alertActive whether an alert is raised right now
 * @param model the tier-1 model serving the channel ({@code name:version}), empty when tier-0 alone decides
 * @param modelWindows windows the tier-1 models scored
 * @param modelErrors windows a tier-1 model failed on (error, NaN score); tier-0 decided those
 * @param features names of the features of the channel's windows, empty until the first window is scored
 */
public record ChannelStatus(String channel, long samples, long windows, long windowsDiscarded,
        Map<InputFault, Long> faults, boolean stalled, DetectorState detectorState, double threshold,
        double targetFalseAlarmRate, double observedAnomalyRate, boolean alertActive, String model,
        long modelWindows, long modelErrors, List<String> features) {

    public ChannelStatus {
        faults = Map.copyOf(faults);
        features = List.copyOf(features);
    }
}
