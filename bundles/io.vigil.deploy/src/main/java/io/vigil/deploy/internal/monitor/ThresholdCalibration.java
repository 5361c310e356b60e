package io.vigil.deploy.internal.monitor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.random.Well19937c;

/**
 * Sets the two CUSUM thresholds of a watch so that an unchanged rate signals during the whole watch with a chosen
 * probability.
 *
 * <p>Why this and not a fixed {@code h} or a target in-control ARL: a watch is finite (it ends OK after
 * {@code watch.windows}), so what an operator lives with is the probability that a good deployment is flagged
 * during its watch, and that is what is fixed here. The same {@code h} would give that probability a different
 * value for every baseline rate (a Bernoulli CUSUM's run length depends strongly on p0), and an ARL target would
 * still have to be turned into it. The baseline rate is itself an estimate from a few thousand windows; a CUSUM
 * tuned to an estimate that is a little low raises false alarms far more often than its nominal rate (Jones, Champ
 * and Rigdon 2004). So each simulated watch draws its true rate from the baseline's posterior, Beta(anomalous + 1,
 * normal + 1), and the thresholds are the (1 - alpha/2) quantiles of each CUSUM's largest value over the watch:
 * the false-alarm probability is alpha averaged over what the baseline leaves uncertain, split equally between
 * the two CUSUMs (Bonferroni). The watch's own CUSUMs signal when their statistic exceeds the threshold, so a
 * quantile that falls on an atom of the maximum's distribution is conservative.
 *
 * <p>A run simulates only the anomalous windows (geometric gaps between them) and moves each statistic across the
 * normal windows in between in one step: exact, because between anomalous windows the increase statistic only
 * falls (to 0 at most) and the decrease statistic only rises. Results are cached: assets with the same baseline
 * counts get the same thresholds, computed once, from a seed derived from the inputs (reproducible).
 */
final class ThresholdCalibration {

    /** 20000 runs put 100 of them beyond the 99.5 % quantile used at the default alpha of 0.01. */
    static final int RUNS = 20_000;
    /**
     * A run costs about one step per anomalous window, so a long watch on a high baseline rate would take minutes
     * on the control thread: beyond this many steps in all the number of runs shrinks, to no fewer than
     * {@link #MIN_RUNS} (a noisier threshold rather than a monitor that stops answering). At the defaults (5000
     * windows) even a baseline rate of 1 stays within it.
     */
    static final long STEP_BUDGET = 200_000_000L;
    static final int MIN_RUNS = 2_000;
    /**
     * A threshold may sit exactly on the largest value a statistic can reach (no anomalous window in the whole
     * watch); the live CUSUM sums window by window and this simulation multiplies, so they may differ in the last
     * bits. A relative tolerance keeps rounding from turning "reached the bound" into "exceeded it".
     */
    private static final double TOLERANCE = 1e-9;
    private static final int CACHE_SIZE = 256;

    private static final Map<Key, Calibration> CACHE = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Calibration> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    /**
     * @param rates the baseline rate and the two alternatives
     * @param increase threshold of the increase CUSUM
     * @param decrease threshold of the decrease CUSUM
     * @param increaseDetectable whether the increase CUSUM can exceed its threshold within the watch at all
     * @param decreaseDetectable whether the decrease CUSUM can; not when even a watch without a single anomalous
     *        window is too likely under the baseline
     */
    record Calibration(ShiftRates rates, double increase, double decrease, boolean increaseDetectable,
            boolean decreaseDetectable) {
    }

    private record Key(long windows, long anomalous, double ratio, int horizon, double alpha) {
    }

    private ThresholdCalibration() {
    }

    /** @return whether a statistic exceeds a threshold, with the rounding tolerance explained at {@link #TOLERANCE} */
    static boolean exceeds(double statistic, double threshold) {
        return statistic > threshold + TOLERANCE * Math.max(1, threshold);
    }

    /**
     * @param baselineWindows windows in the baseline
     * @param baselineAnomalous anomalous windows among them
     * @param ratio the shift worth detecting
     * @param horizon windows in the watch
     * @param alpha probability that an unchanged rate signals during the watch, either way
     */
    static Calibration calibrate(long baselineWindows, long baselineAnomalous, double ratio, int horizon,
            double alpha) {
        if (horizon < 1) {
            throw new IllegalArgumentException("a watch lasts at least 1 window, got " + horizon);
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("false.alarm.probability must be strictly between 0 and 1, got "
                    + alpha);
        }
        ShiftRates rates = ShiftRates.of(baselineWindows, baselineAnomalous, ratio);
        Key key = new Key(baselineWindows, baselineAnomalous, ratio, horizon, alpha);
        synchronized (CACHE) {
            Calibration cached = CACHE.get(key);
            if (cached != null) {
                return cached;
            }
        }
        Calibration c = simulate(rates, baselineWindows, baselineAnomalous, horizon, alpha,
                Objects.hash(baselineWindows, baselineAnomalous, ratio, horizon, alpha));
        synchronized (CACHE) {
            CACHE.put(key, c);
        }
        return c;
    }

    private static Calibration simulate(ShiftRates rates, long n, long x, int horizon, double alpha, long seed) {
        BernoulliCusum up = new BernoulliCusum(rates.p0(), rates.increased());
        BernoulliCusum down = new BernoulliCusum(rates.p0(), rates.decreased());
        BetaDistribution posterior = new BetaDistribution(new Well19937c(seed), x + 1.0, n - x + 1.0);
        SplittableRandom random = new SplittableRandom(seed);
        int runs = runs(horizon, rates.p0());
        double[] maxUp = new double[runs];
        double[] maxDown = new double[runs];
        for (int i = 0; i < runs; i++) {
            double[] m = maxima(horizon, gaps(random, posterior.sample(), horizon), up, down);
            maxUp[i] = m[0];
            maxDown[i] = m[1];
        }
        double hUp = quantile(maxUp, 1 - alpha / 2);
        double hDown = quantile(maxDown, 1 - alpha / 2);
        // the most each statistic can reach in the watch: every window anomalous / every window normal
        double reachUp = horizon * up.anomalousIncrement();
        double reachDown = horizon * down.normalIncrement();
        return new Calibration(rates, hUp, hDown, exceeds(reachUp, hUp), exceeds(reachDown, hDown));
    }

    /** How many runs fit the step budget: each costs about one step per anomalous window. */
    static int runs(int horizon, double p0) {
        double steps = 1 + horizon * p0;
        return (int) Math.max(MIN_RUNS, Math.min(RUNS, STEP_BUDGET / steps));
    }

    /**
     * The largest value each CUSUM takes over {@code horizon} windows.
     *
     * @param gaps yields the number of normal windows before the next anomalous one
     * @return {largest increase statistic, largest decrease statistic}
     */
    static double[] maxima(int horizon, LongSupplier gaps, BernoulliCusum up, BernoulliCusum down) {
        Objects.requireNonNull(gaps);
        double aUp = up.anomalousIncrement();
        double bUp = up.normalIncrement();
        double aDown = down.anomalousIncrement();
        double bDown = down.normalIncrement();
        double sUp = 0;
        double sDown = 0;
        double maxUp = 0;
        double maxDown = 0;
        long t = 0;
        while (t < horizon) {
            long normal = Math.min(gaps.getAsLong(), horizon - t);
            // across normal windows the increase statistic only falls (bUp < 0), the decrease one only rises
            sUp = Math.max(0, sUp + normal * bUp);
            sDown = sDown + normal * bDown;
            maxDown = Math.max(maxDown, sDown);
            t += normal;
            if (t >= horizon) {
                break;
            }
            sUp = Math.max(0, sUp + aUp);
            sDown = Math.max(0, sDown + aDown);
            maxUp = Math.max(maxUp, sUp);
            t++;
        }
        return new double[] { maxUp, maxDown };
    }

    /**
     * Normal windows before each next anomalous one at rate p: geometric, as the floor of an exponential variate
     * over {@code -ln(1 - p)} (P(gap >= k) = (1 - p)^k), which spares a logarithm per anomalous window.
     */
    private static LongSupplier gaps(SplittableRandom random, double p, long cap) {
        if (p >= 1) {
            return () -> 0;
        }
        if (p <= 0) {
            return () -> cap;
        }
        double lambda = -Math.log1p(-p);
        return () -> {
            double g = Math.floor(random.nextExponential() / lambda);
            return g >= cap ? cap : (long) g;
        };
    }

    /** The smallest sample value v with at least a fraction q of the samples at or below v. */
    private static double quantile(double[] samples, double q) {
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        int k = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, k))];
    }
}
