package io.vigil.deploy.internal.monitor;

/**
 * The anomalous-window rates a watch compares: the baseline's, and the increased and decreased rates its two
 * CUSUMs are tuned to.
 *
 * @param p0 the baseline rate, {@code (anomalous + 1) / (windows + 2)}: Laplace's add-one estimate, which is also
 *        the mean of the posterior the thresholds are calibrated on. A baseline without a single anomalous window
 *        (a healthy machine on a good model) still gets a rate above 0, which the log-likelihood ratios need, and
 *        the longer the baseline the closer to 0 it is
 * @param increased {@code min(ratio * p0, 1 - (1 - p0) / ratio)}: the rate multiplied by the ratio, or, when
 *        that is impossible (p0 above 1/ratio), the rate of normal windows divided by it
 * @param decreased {@code max(p0 / ratio, 1 - ratio * (1 - p0))}: the mirror image
 */
record ShiftRates(double p0, double increased, double decreased) {

    static ShiftRates of(long baselineWindows, long baselineAnomalous, double ratio) {
        if (baselineWindows < 0 || baselineAnomalous < 0 || baselineAnomalous > baselineWindows) {
            throw new IllegalArgumentException("a baseline has 0 <= anomalous <= windows, got " + baselineAnomalous
                    + " anomalous of " + baselineWindows);
        }
        if (!(ratio > 1) || Double.isInfinite(ratio)) {
            throw new IllegalArgumentException("shift.ratio must be a finite number above 1 (e.g. 2.0: the rate "
                    + "doubling or halving), got " + ratio);
        }
        double p0 = (baselineAnomalous + 1.0) / (baselineWindows + 2.0);
        return new ShiftRates(p0, Math.min(ratio * p0, 1 - (1 - p0) / ratio),
                Math.max(p0 / ratio, 1 - ratio * (1 - p0)));
    }
}
