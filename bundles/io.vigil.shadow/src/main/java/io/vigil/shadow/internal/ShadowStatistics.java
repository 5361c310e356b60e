package io.vigil.shadow.internal;

import java.util.Arrays;

import org.apache.commons.math3.distribution.BinomialDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;

/**
 * The statistics a shadow comparison reports: whether the candidate's verdicts differ from the live model's on the
 * same (paired) windows, by how much, and whether the score distributions have moved. Stateless and thread-safe.
 */
public final class ShadowStatistics {

    /** Floor on a bin proportion in the PSI so that an empty bin costs a large but finite amount instead of ∞. */
    static final double PSI_EPSILON = 1e-4;

    /**
     * Below this n·m the KS p-value is computed exactly; at or above it, asymptotically. The same cut-over
     * commons-math3 3.6.1 uses internally, where the exact computation is still a few milliseconds.
     */
    private static final long KS_EXACT_MAX_PRODUCT = 10_000;

    /** Once a tail term is this small relative to the running sum, the rest cannot change a double. */
    private static final double TAIL_TERM_CUTOFF = 1e-18;

    private ShadowStatistics() {
    }

    /**
     * Two-sided exact McNemar test on the discordant windows of a paired comparison: under the hypothesis that the
     * two models alert equally often, each discordant window is equally likely to be live-only or candidate-only.
     *
     * @param liveOnly      windows where only the live model alerted (b), {@code >= 0}
     * @param candidateOnly windows where only the candidate alerted (c), {@code >= 0}
     * @return {@code min(1, 2·P(X <= min(b, c)))} with {@code X ~ Binomial(b + c, 1/2)}; 1 when {@code b + c == 0}
     * @throws IllegalArgumentException if a count is negative or {@code b + c} exceeds {@link Integer#MAX_VALUE}
     */
    public static double mcNemarExactPValue(long liveOnly, long candidateOnly) {
        requireNonNegative("liveOnly", liveOnly);
        requireNonNegative("candidateOnly", candidateOnly);
        long discordant = liveOnly + candidateOnly;
        if (discordant > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("liveOnly + candidateOnly = " + liveOnly + " + " + candidateOnly
                    + " exceeds " + Integer.MAX_VALUE + " discordant windows; test a sub-sample or a shorter period");
        }
        int n = (int) discordant;
        int k = (int) Math.min(liveOnly, candidateOnly);
        if (2L * k >= n) {
            // b == c: P(X <= n/2) >= 1/2, so the doubled tail is at least 1.
            return 1.0;
        }
        return Math.min(1.0, 2.0 * binomialHalfLowerTail(n, k));
    }

    /**
     * P(X <= k) for X ~ Binomial(n, 1/2) and k < n/2, accurate to about 1e-14 relative all the way down to underflow.
     * <p>
     * Not {@link BinomialDistribution#cumulativeProbability(int)}: commons-math3 computes that as
     * {@code 1 - I(1/2; k+1, n-k)}, which cancels to exactly 0 for tails below ~1e-16 and is already 2e-7 off
     * (relative) at b = 50,000, c = 52,000 — exactly the strong-evidence cases a promotion gate looks at. Instead
     * the largest term P(X = k) comes from the saddle-point expansion behind
     * {@link BinomialDistribution#logProbability(int)} (Loader 2000, no cancellation), and the smaller terms follow
     * by the ratio P(i-1)/P(i) = i/(n-i+1). Left of the mean those ratios shrink, so the sum stops after at most a
     * few times sqrt(n) terms (~0.1 ms at n = 10^7).
     */
    private static double binomialHalfLowerTail(int n, int k) {
        double logLargestTerm = new BinomialDistribution(null, n, 0.5).logProbability(k);
        double sum = 0.0;
        double term = 1.0;
        for (int i = k; i >= 0; i--) {
            sum += term;
            if (term < TAIL_TERM_CUTOFF * sum) {
                break;
            }
            term *= i / (double) (n - i + 1);
        }
        // In log space so that a sum far below Double.MIN_VALUE underflows cleanly to 0 instead of 0·∞ = NaN.
        return Math.exp(logLargestTerm + Math.log(sum));
    }

    /**
     * Confidence interval for the difference of paired proportions d = (c − b)/n, the candidate's alert rate minus
     * the live model's, by the Agresti–Min (2005) adjusted Wald interval: 0.5 added to each of the four cells before
     * the Wald formula. Plain Wald collapses to the point {0} when b = c = 0 and undercovers at small n; the
     * adjustment fixes both while staying a closed form.
     *
     * @param both          windows where both models alerted
     * @param liveOnly      windows where only the live model alerted (b)
     * @param candidateOnly windows where only the candidate alerted (c)
     * @param neither       windows where neither alerted
     * @param confidence    the coverage, strictly between 0 and 1 (e.g. 0.95)
     * @return {low, high}, clipped to [-1, 1]; {NaN, NaN} when there are no windows
     * @throws IllegalArgumentException if a count is negative or {@code confidence} is not in (0, 1)
     */
    public static double[] pairedDifferenceInterval(long both, long liveOnly, long candidateOnly, long neither,
            double confidence) {
        if (!(confidence > 0.0 && confidence < 1.0)) {
            throw new IllegalArgumentException(
                    "confidence = " + confidence + " is not strictly between 0 and 1; pass e.g. 0.95 for 95 %");
        }
        requireNonNegative("both", both);
        requireNonNegative("liveOnly", liveOnly);
        requireNonNegative("candidateOnly", candidateOnly);
        requireNonNegative("neither", neither);
        long n = both + liveOnly + candidateOnly + neither;
        if (n == 0) {
            return new double[] { Double.NaN, Double.NaN };
        }
        double b = liveOnly + 0.5;
        double c = candidateOnly + 0.5;
        double nAdjusted = n + 2.0;
        double diff = (c - b) / nAdjusted;
        // max(0, …) only guards rounding: with b, c >= 0.5 the radicand is positive in exact arithmetic.
        double se = Math.sqrt(Math.max(0.0, (b + c) - (c - b) * (c - b) / nAdjusted)) / nAdjusted;
        double z = new NormalDistribution(null, 0.0, 1.0).inverseCumulativeProbability(1.0 - (1.0 - confidence) / 2.0);
        return new double[] { Math.max(-1.0, diff - z * se), Math.min(1.0, diff + z * se) };
    }

    /**
     * Wilson score interval of a proportion {@code successes / n}: unlike the Wald interval it stays inside [0, 1]
     * and keeps its coverage when the proportion is near 0 or 1, which is where agreement between two good models
     * lives.
     *
     * @return {low, high}; NaNs when n is 0
     */
    public static double[] wilsonInterval(long successes, long n, double confidence) {
        if (!(confidence > 0.0 && confidence < 1.0)) {
            throw new IllegalArgumentException(
                    "confidence = " + confidence + " is not strictly between 0 and 1; pass e.g. 0.95 for 95 %");
        }
        if (successes < 0 || successes > n) {
            throw new IllegalArgumentException("successes = " + successes + " must be between 0 and n = " + n);
        }
        if (n == 0) {
            return new double[] { Double.NaN, Double.NaN };
        }
        double z = new NormalDistribution(null, 0.0, 1.0).inverseCumulativeProbability(1.0 - (1.0 - confidence) / 2.0);
        double p = (double) successes / n;
        double z2 = z * z;
        double centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
        double half = z / (1.0 + z2 / n) * Math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
        return new double[] { Math.max(0.0, centre - half), Math.min(1.0, centre + half) };
    }

    /**
     * Population stability index of {@code actual} against {@code expected}: Σ (a − e)·ln(a / e) over bins whose
     * edges are the nearest-rank quantiles of {@code expected} (deciles for 10 bins), so each bin holds about the
     * same share of {@code expected}. The outer bins are open-ended, so values beyond the range of
     * {@code expected} land in the first or last bin rather than being dropped. Equal edges (ties, constant data)
     * are merged, which leaves fewer bins instead of zero-width ones that no value could ever fall into. Proportions
     * are floored at 1e-4 so an empty bin costs a large finite amount instead of an infinite one.
     * <p>
     * Common practice (a rule of thumb from credit scoring, not a statistical test) reads a PSI below 0.1 as
     * stable, 0.1 to 0.25 as a moderate shift worth watching, and above 0.25 as a large shift. The PSI of two samples
     * from the same distribution is biased upwards by roughly (bins − 1)·(1/n<sub>e</sub> + 1/n<sub>a</sub>), so
     * with a few hundred values per side even an unchanged distribution can read as "moderate".
     *
     * @param expected the reference sample (e.g. the live model's scores); defines the bins; finite values
     * @param actual   the sample compared against it (e.g. the candidate's scores); finite values
     * @param bins     the number of quantile bins before merging, {@code >= 2}
     * @return the PSI, {@code >= 0}; NaN if either sample is empty
     * @throws IllegalArgumentException if {@code bins < 2}
     */
    public static double populationStabilityIndex(double[] expected, double[] actual, int bins) {
        if (bins < 2) {
            throw new IllegalArgumentException("bins = " + bins + " must be at least 2; 10 (deciles) is usual");
        }
        if (expected.length == 0 || actual.length == 0) {
            return Double.NaN;
        }
        double[] sorted = expected.clone();
        Arrays.sort(sorted);
        double[] edges = new double[bins - 1];
        int edgeCount = 0;
        for (int i = 1; i < bins; i++) {
            // Nearest rank ceil(i·n / bins) in integers: 100.0 * i / bins is inexact for bins like 3 or 7.
            double edge = sorted[(int) ((i * (long) sorted.length + bins - 1) / bins) - 1];
            if (edgeCount == 0 || edge > edges[edgeCount - 1]) {
                edges[edgeCount++] = edge;
            }
        }
        edges = Arrays.copyOf(edges, edgeCount);
        double[] e = binProportions(expected, edges);
        double[] a = binProportions(actual, edges);
        double psi = 0.0;
        for (int i = 0; i < e.length; i++) {
            double ei = Math.max(e[i], PSI_EPSILON);
            double ai = Math.max(a[i], PSI_EPSILON);
            psi += (ai - ei) * Math.log(ai / ei);
        }
        return psi;
    }

    /** Bin i holds (edges[i-1], edges[i]]: a value equal to a quantile belongs to the bin that quantile closes. */
    private static double[] binProportions(double[] values, double[] edges) {
        long[] counts = new long[edges.length + 1];
        for (double v : values) {
            int found = Arrays.binarySearch(edges, v);
            counts[found >= 0 ? found : -found - 1]++;
        }
        double[] proportions = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            proportions[i] = counts[i] / (double) values.length;
        }
        return proportions;
    }

    /**
     * Two-sample Kolmogorov–Smirnov test of whether {@code x} and {@code y} come from the same distribution.
     * <p>
     * Not commons-math3's {@code kolmogorovSmirnovTest(x, y)}: in 3.6.1, for n·m below 10,000 and any tied values,
     * it breaks the ties with random jitter before computing D. That changes D itself (two identical samples with
     * ties get D > 0 and p ≈ 0.36 instead of D = 0 and p = 1), and when the values span a wide range the jitter is
     * lost to rounding and it throws {@code MathInternalError}. Its {@code strict} flag does not avoid this; it only
     * switches P(D > d) and P(D ≥ d). Tied values are normal here (quantised sensor values, scores clamped to 0 or
     * 1), so D is computed on the data as given, which commons-math3 handles ties for correctly, and the p-value is
     * P(D ≥ d): exact for n·m below 10,000 (milliseconds), the asymptotic Kolmogorov distribution above (10,000 vs
     * 10,000 values in a few milliseconds, dominated by the sorts). With ties the exact p-value assumes continuous
     * data and is therefore conservative: it never overstates the evidence for a shift.
     *
     * @return {D, p-value}; {NaN, NaN} if either sample has fewer than two values, which commons-math3 rejects
     */
    public static double[] kolmogorovSmirnov(double[] x, double[] y) {
        if (x.length < 2 || y.length < 2) {
            return new double[] { Double.NaN, Double.NaN };
        }
        KolmogorovSmirnovTest test = new KolmogorovSmirnovTest();
        double d = test.kolmogorovSmirnovStatistic(x, y);
        double p = (long) x.length * y.length < KS_EXACT_MAX_PRODUCT
                ? test.exactP(d, x.length, y.length, false)
                : test.approximateP(d, x.length, y.length);
        return new double[] { d, p };
    }

    /**
     * The p-th percentile of the first {@code count} values by the nearest-rank method: the smallest value such that
     * at least p % of the values are less than or equal to it. Always one of the values, never an interpolation,
     * so a latency percentile is a latency that was actually observed.
     *
     * @param values holds the values in its first {@code count} entries; not modified
     * @param count  how many leading entries to use, {@code 0 <= count <= values.length}
     * @param p      the percentile, {@code 0 < p <= 100}
     * @return the percentile; NaN when {@code count == 0}
     * @throws IllegalArgumentException if {@code p} or {@code count} is out of range
     */
    public static double percentile(long[] values, int count, double p) {
        if (!(p > 0.0 && p <= 100.0)) {
            throw new IllegalArgumentException(
                    "p = " + p + " is not in (0, 100]; pass e.g. 99 for the 99th percentile");
        }
        if (count < 0 || count > values.length) {
            throw new IllegalArgumentException(
                    "count = " + count + " is not between 0 and the array length " + values.length);
        }
        if (count == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        return sorted[nearestRankIndex(count, p)];
    }

    /**
     * Zero-based index of rank ceil(p/100 · n). A decimal p is inexact in binary, so a product that should be an
     * integer can come out a few ulps above it (99.9 % of 41,000 gives 40,959.000000000007) and ceil would skip to
     * the next rank; a 1e-14 relative allowance absorbs that yet is far below any real fractional part.
     */
    private static int nearestRankIndex(int n, double p) {
        double exactRank = p * n / 100.0;
        long rank = (long) Math.ceil(exactRank - exactRank * 1e-14);
        return (int) Math.min(n, Math.max(1, rank)) - 1;
    }

    private static void requireNonNegative(String name, long count) {
        if (count < 0) {
            throw new IllegalArgumentException(name + " = " + count + " is negative; counts of windows are >= 0");
        }
    }
}
