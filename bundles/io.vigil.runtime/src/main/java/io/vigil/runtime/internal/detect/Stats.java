package io.vigil.runtime.internal.detect;

import java.util.Arrays;

/** Order statistics on small arrays of commissioning data. */
final class Stats {

    private Stats() {
    }

    /** Median; sorts a copy. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return quantileSorted(sorted, 0.5);
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** Quantile by linear interpolation between order statistics (type 7, as R and NumPy default). */
    static double quantileSorted(double[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
