package io.vigil.runtime.internal.detect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.commons.math3.distribution.NormalDistribution;

import io.vigil.api.detect.DetectorState;

/**
 * Streaming tier-0 detector for one channel of one machine: learns that machine's own baseline during
 * commissioning, then scores every window against it with a threshold set for a target false-alarm rate.
 *
 * <p>Commissioning windows are split in two. The first part fits a robust baseline per feature (median and
 * MAD, so a few odd windows do not skew it); the second part, unseen by the fit, gives the distribution of
 * scores on this healthy machine, from which the threshold is set. A fixed threshold would need hand-tuning on
 * every machine; calibrating to a false-alarm rate lets the same settings hold on two "identical" machines
 * whose vibration levels differ.
 *
 * <p>The score is the largest absolute robust z-score across features, so a fault that moves one feature
 * (kurtosis for impulsive bearing damage, one band for a resonance) is not diluted by the others.
 *
 * <p>Commissioning rarely yields the 1/α windows an empirical (1−α) quantile needs, so the threshold comes
 * from a peaks-over-threshold fit: scores above the calibration set's 80th percentile are modelled with an
 * exponential tail (generalised Pareto with shape 0) and the threshold is the tail quantile for α.
 *
 * <p>The threshold is never below what independent Gaussian features at their learned spreads would exceed with
 * probability α: on a signal that barely moved while commissioning the calibration scores collapse to zero, and
 * the scale floor is then the only spread known.
 *
 * <p>Few commissioning windows leave few tail scores to fit, and the threshold then scatters from machine to
 * machine: with 40 windows the false-alarm rate averages a few times the target, from about 200 it holds it
 * (measured, docs/tier0-detection.md). Hence the default minimum of 200 windows.
 *
 * <p>Not thread-safe: one instance per channel pipeline, called under its lock.
 */
public final class Tier0Detector {

    /** Quantile above which the calibration scores are treated as the tail. */
    static final double TAIL_QUANTILE = 0.8;

    private final int commissioningWindows;
    private final int fitWindows;
    private final double targetFalseAlarmRate;
    private final double minRelativeScale;

    private final List<double[]> commissioning = new ArrayList<>();
    private double[] median;
    private double[] scale;
    private double threshold = Double.NaN;
    private long armedWindows;
    private long armedAnomalies;

    /**
     * @param commissioningWindows windows learned before arming, at least 20
     * @param targetFalseAlarmRate per-window probability of a false anomaly on a healthy machine, in (0, 0.5)
     * @param minRelativeScale floor of each feature's scale relative to its median, so features that barely
     *        vary during commissioning (temperature over a few minutes) do not alarm on harmless drift
     */
    public Tier0Detector(int commissioningWindows, double targetFalseAlarmRate, double minRelativeScale) {
        if (commissioningWindows < 20) {
            throw new IllegalArgumentException("commissioning needs at least 20 windows to calibrate, got "
                    + commissioningWindows + "; lengthen the commissioning period or shorten the window hop");
        }
        if (!(targetFalseAlarmRate > 0 && targetFalseAlarmRate < 0.5)) {
            throw new IllegalArgumentException("target false-alarm rate must lie in (0, 0.5), got "
                    + targetFalseAlarmRate);
        }
        if (!(minRelativeScale >= 0)) {
            throw new IllegalArgumentException("minimum relative scale must be >= 0, got " + minRelativeScale);
        }
        this.commissioningWindows = commissioningWindows;
        this.fitWindows = commissioningWindows / 2;
        this.targetFalseAlarmRate = targetFalseAlarmRate;
        this.minRelativeScale = minRelativeScale;
    }

    /** The verdict on one window. */
    public record Verdict(DetectorState state, double score, double threshold, boolean anomalous) {
    }

    /**
     * Scores one window's features. While commissioning the window is learned and judged normal.
     *
     * @param features the window's features; windows with a non-finite feature are not learned
     */
    public Verdict score(double[] features) {
        if (median == null) {
            if (allFinite(features)) {
                commissioning.add(features.clone());
                if (commissioning.size() == commissioningWindows) {
                    calibrate();
                }
            }
            return new Verdict(DetectorState.COMMISSIONING, 0, Double.NaN, false);
        }
        double s = rawScore(features);
        boolean anomalous = !(s <= threshold); // a NaN score is anomalous: the features went wrong
        armedWindows++;
        if (anomalous) {
            armedAnomalies++;
        }
        return new Verdict(DetectorState.ARMED, s, threshold, anomalous);
    }

    public DetectorState state() {
        return median == null ? DetectorState.COMMISSIONING : DetectorState.ARMED;
    }

    /** @return the threshold, NaN while commissioning */
    public double threshold() {
        return threshold;
    }

    public double targetFalseAlarmRate() {
        return targetFalseAlarmRate;
    }

    /** @return the fraction of windows judged anomalous since arming, NaN before any */
    public double observedAnomalyRate() {
        return armedWindows == 0 ? Double.NaN : (double) armedAnomalies / armedWindows;
    }

    /** @return commissioning windows still to learn, 0 once armed */
    public int remainingCommissioningWindows() {
        return median == null ? commissioningWindows - commissioning.size() : 0;
    }

    private void calibrate() {
        int n = commissioning.get(0).length;
        median = new double[n];
        scale = new double[n];
        double[] column = new double[fitWindows];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < fitWindows; i++) {
                column[i] = commissioning.get(i)[j];
            }
            double m = Stats.median(column);
            for (int i = 0; i < fitWindows; i++) {
                column[i] = Math.abs(commissioning.get(i)[j] - m);
            }
            // 1.4826 * MAD estimates the standard deviation for Gaussian data; when more than half the windows
            // share one value (a quantised, steady temperature) MAD is 0 and the mean absolute deviation,
            // scaled to a standard deviation the same way, still sees the rest
            double robust = 1.4826 * Stats.median(column);
            if (robust == 0) {
                robust = 1.2533 * Stats.mean(column);
            }
            scale[j] = Math.max(Math.max(robust, minRelativeScale * Math.abs(m)), 1e-12);
            median[j] = m;
        }
        double[] scores = new double[commissioning.size() - fitWindows];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = rawScore(commissioning.get(fitWindows + i));
        }
        threshold = Math.max(tailQuantile(scores, targetFalseAlarmRate), gaussianFloor(targetFalseAlarmRate, n));
        commissioning.clear();
    }

    private double rawScore(double[] features) {
        double max = 0;
        for (int j = 0; j < features.length; j++) {
            double z = Math.abs(features[j] - median[j]) / scale[j];
            if (Double.isNaN(z)) {
                return Double.NaN; // a feature went wrong: whatever the others say, the window is anomalous
            }
            max = Math.max(max, z);
        }
        return max;
    }

    /**
     * The score exceeded with probability {@code alpha} on the calibration distribution, extrapolated past the
     * sample with an exponential tail when {@code alpha} is smaller than the sample resolves.
     */
    static double tailQuantile(double[] scores, double alpha) {
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        double tailProbability = 1 - TAIL_QUANTILE;
        if (alpha >= tailProbability) {
            return Stats.quantileSorted(sorted, 1 - alpha);
        }
        double u = Stats.quantileSorted(sorted, TAIL_QUANTILE);
        double excess = 0;
        int count = 0;
        for (double s : sorted) {
            if (s > u) {
                excess += s - u;
                count++;
            }
        }
        // all tail scores equal to u (a degenerate, perfectly steady signal): keep a margin above it
        double meanExcess = count == 0 ? Math.max(u * 0.1, 1e-9) : excess / count;
        return u + meanExcess * Math.log(tailProbability / alpha);
    }

    /**
     * The threshold that independent Gaussian features, each at its learned spread, would exceed with
     * probability {@code alpha}: the score is the largest of {@code features} two-sided z-scores, so each may
     * exceed it with probability 1 − (1 − α)^(1/k) (Šidák).
     */
    static double gaussianFloor(double alpha, int features) {
        double perFeature = -Math.expm1(Math.log1p(-alpha) / features);
        return new NormalDistribution().inverseCumulativeProbability(1 - perFeature / 2);
    }

    private static boolean allFinite(double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }
}
