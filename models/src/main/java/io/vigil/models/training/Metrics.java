package io.vigil.models.training;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a model with its threshold does on a set of windows. A window alerts when its fault score is above the
 * threshold; "detected" is an alerting fault window.
 */
record Metrics(int normal, int normalAlerts, int fault, int faultDetected, Map<String, int[]> perRecording,
        double maxNormalScore, double minFaultScore) {

    static Metrics of(FaultModel model, List<LabelledWindow> windows) {
        return of(model, windows, model.threshold());
    }

    static Metrics of(FaultModel model, List<LabelledWindow> windows, double threshold) {
        int normal = 0;
        int normalAlerts = 0;
        int fault = 0;
        int detected = 0;
        double maxNormal = Double.NaN;
        double minFault = Double.NaN;
        Map<String, int[]> per = new LinkedHashMap<>();
        for (LabelledWindow w : windows) {
            double s = model.score(w);
            boolean alert = s > threshold;
            int[] r = per.computeIfAbsent(w.recording(), k -> new int[2]);
            r[0]++;
            if (alert) {
                r[1]++;
            }
            if (w.fault()) {
                fault++;
                detected += alert ? 1 : 0;
                minFault = Double.isNaN(minFault) ? s : Math.min(minFault, s);
            } else {
                normal++;
                normalAlerts += alert ? 1 : 0;
                maxNormal = Double.isNaN(maxNormal) ? s : Math.max(maxNormal, s);
            }
        }
        return new Metrics(normal, normalAlerts, fault, detected, per, maxNormal, minFault);
    }

    double accuracy() {
        return (double) (normal - normalAlerts + faultDetected) / (normal + fault);
    }

    /** Mean of the two recalls: plain accuracy is dominated by the ~12 times more numerous fault windows. */
    double balancedAccuracy() {
        return (recallNormal() + recallFault()) / 2;
    }

    double recallNormal() {
        return 1 - normalAlertRate();
    }

    double recallFault() {
        return (double) faultDetected / fault;
    }

    /** Per-window alert rate on normal windows: the false-alarm rate before any raise_after. */
    double normalAlertRate() {
        return (double) normalAlerts / normal;
    }
}
