package io.vigil.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class ShadowStatisticsTest {

    // ---- McNemar -------------------------------------------------------------------------------------------------

    /** The definition, in exact rational arithmetic: 2 · Σ_{i <= min(b,c)} C(b+c, i) / 2^(b+c), capped at 1. */
    private static double exactMcNemar(int b, int c) {
        int n = b + c;
        BigInteger sum = BigInteger.ZERO;
        BigInteger binomial = BigInteger.ONE;
        for (int i = 0; i <= Math.min(b, c); i++) {
            if (i > 0) {
                binomial = binomial.multiply(BigInteger.valueOf(n - i + 1)).divide(BigInteger.valueOf(i));
            }
            sum = sum.add(binomial);
        }
        BigDecimal p = new BigDecimal(sum.shiftLeft(1)).divide(new BigDecimal(BigInteger.ONE.shiftLeft(n)),
                MathContext.DECIMAL128);
        return Math.min(1.0, p.doubleValue());
    }

    @Test
    void mcNemarMatchesExactBinomialSums() {
        assertEquals(2 * Math.pow(0.5, 10), ShadowStatistics.mcNemarExactPValue(0, 10), 1e-17);
        // b=3, c=12: 2 · (1 + 15 + 105 + 455) / 2^15 = 1152 / 32768
        assertEquals(1152.0 / 32768.0, exactMcNemar(3, 12), 0.0);
        assertEquals(exactMcNemar(3, 12), ShadowStatistics.mcNemarExactPValue(3, 12), 1e-15);
        assertEquals(1.0, ShadowStatistics.mcNemarExactPValue(7, 7));
        assertEquals(1.0, ShadowStatistics.mcNemarExactPValue(7, 8));
        assertEquals(1.0, ShadowStatistics.mcNemarExactPValue(0, 0));
        for (int[] bc : new int[][] { { 1, 1 }, { 0, 1 }, { 5, 9 }, { 20, 35 }, { 140, 100 }, { 1000, 1100 } }) {
            double expected = exactMcNemar(bc[0], bc[1]);
            assertEquals(expected, ShadowStatistics.mcNemarExactPValue(bc[0], bc[1]), expected * 1e-12,
                    () -> "b=" + bc[0] + ", c=" + bc[1]);
        }
    }

    @Test
    void mcNemarKeepsRelativeAccuracyFarIntoTheTail() {
        // ~1e-18: where 1 - regularizedBeta (commons-math3's cumulativeProbability) has cancelled to nothing.
        double expected = exactMcNemar(2000, 2600);
        assertTrue(expected > 0 && expected < 1e-15, "test premise: a tail below double's 1 - x resolution");
        assertEquals(expected, ShadowStatistics.mcNemarExactPValue(2000, 2600), expected * 1e-12);
    }

    @Test
    void mcNemarIsSymmetricInTheDiscordantCounts() {
        for (long[] bc : new long[][] { { 0, 10 }, { 3, 12 }, { 40, 61 }, { 999, 1001 }, { 50_000, 52_000 } }) {
            assertEquals(ShadowStatistics.mcNemarExactPValue(bc[0], bc[1]),
                    ShadowStatistics.mcNemarExactPValue(bc[1], bc[0]));
        }
    }

    @Test
    void mcNemarStaysFiniteForLargeCounts() {
        double p = ShadowStatistics.mcNemarExactPValue(50_000, 52_000);
        assertTrue(p > 0 && p < 1, "p = " + p);

        double tiny = ShadowStatistics.mcNemarExactPValue(1_000_000, 1_200_000);
        assertFalse(Double.isNaN(tiny));
        assertTrue(tiny >= 0 && tiny < 1e-10, "p = " + tiny);

        double near = ShadowStatistics.mcNemarExactPValue(5_000_000, 5_000_100);
        assertTrue(near > 0.9 && near <= 1, "p = " + near);
    }

    @Test
    void mcNemarRejectsImpossibleCounts() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShadowStatistics.mcNemarExactPValue(-3, 10));
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ShadowStatistics.mcNemarExactPValue(Integer.MAX_VALUE, 1));
    }

    // ---- paired difference interval ------------------------------------------------------------------------------

    @Test
    void intervalCoversTheTrueDifferenceAtTheNominalRate() {
        double pBoth = 0.10, pLiveOnly = 0.05, pCandidateOnly = 0.08;
        double trueDifference = pCandidateOnly - pLiveOnly;
        SplittableRandom random = new SplittableRandom(20050101L);
        int tables = 2000, n = 400, covered = 0;
        for (int t = 0; t < tables; t++) {
            long both = 0, liveOnly = 0, candidateOnly = 0, neither = 0;
            for (int w = 0; w < n; w++) {
                double u = random.nextDouble();
                if (u < pBoth) {
                    both++;
                } else if (u < pBoth + pLiveOnly) {
                    liveOnly++;
                } else if (u < pBoth + pLiveOnly + pCandidateOnly) {
                    candidateOnly++;
                } else {
                    neither++;
                }
            }
            double[] ci = ShadowStatistics.pairedDifferenceInterval(both, liveOnly, candidateOnly, neither, 0.95);
            if (ci[0] <= trueDifference && trueDifference <= ci[1]) {
                covered++;
            }
        }
        double coverage = covered / (double) tables;
        assertTrue(coverage >= 0.93 && coverage <= 0.97, "coverage " + coverage);
    }

    @Test
    void swappingTheModelsNegatesTheInterval() {
        double[] forward = ShadowStatistics.pairedDifferenceInterval(30, 10, 25, 135, 0.9);
        double[] swapped = ShadowStatistics.pairedDifferenceInterval(30, 25, 10, 135, 0.9);
        assertEquals(-forward[1], swapped[0], 1e-15);
        assertEquals(-forward[0], swapped[1], 1e-15);
        assertTrue(forward[0] < forward[1]);
    }

    @Test
    void agreementGivesAnIntervalAroundZeroThatNarrowsWithN() {
        double previousWidth = Double.POSITIVE_INFINITY;
        for (long half : new long[] { 5, 50, 500, 5000 }) {
            double[] ci = ShadowStatistics.pairedDifferenceInterval(half, 0, 0, half, 0.95);
            assertTrue(ci[0] < 0 && ci[1] > 0, "n=" + 2 * half);
            assertEquals(-ci[0], ci[1], 1e-15);
            double width = ci[1] - ci[0];
            assertTrue(width < previousWidth, "n=" + 2 * half + " width " + width);
            previousWidth = width;
        }
    }

    @Test
    void intervalIsClippedToPossibleDifferences() {
        // Every window candidate-only: the adjusted upper bound passes 1 and must be clipped.
        double[] ci = ShadowStatistics.pairedDifferenceInterval(0, 0, 50, 0, 0.95);
        assertEquals(1.0, ci[1]);
        assertTrue(ci[0] > 0.8 && ci[0] < 1.0, "low " + ci[0]);
    }

    @Test
    void intervalOfNoWindowsIsUndefined() {
        double[] ci = ShadowStatistics.pairedDifferenceInterval(0, 0, 0, 0, 0.95);
        assertTrue(Double.isNaN(ci[0]) && Double.isNaN(ci[1]));
    }

    @Test
    void intervalRejectsAConfidenceOutsideZeroOne() {
        for (double bad : new double[] { 0.0, 1.0, 95.0, -0.5, Double.NaN }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ShadowStatistics.pairedDifferenceInterval(1, 2, 3, 4, bad));
            assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
    }

    // ---- PSI -----------------------------------------------------------------------------------------------------

    private static double[] normal(long seed, int n, double mean) {
        Random random = new Random(seed);
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = mean + random.nextGaussian();
        }
        return values;
    }

    @Test
    void psiOfASampleAgainstItselfIsZero() {
        double[] sample = normal(1, 5000, 0);
        assertTrue(ShadowStatistics.populationStabilityIndex(sample, sample, 10) < 1e-9);
    }

    @Test
    void psiIsSmallForTheSameDistributionAndLargeForAShift() {
        double[] reference = normal(2, 10_000, 0);
        double psiSame = ShadowStatistics.populationStabilityIndex(reference, normal(3, 10_000, 0), 10);
        assertTrue(psiSame >= 0 && psiSame < 0.02, "PSI " + psiSame);
        double psiShifted = ShadowStatistics.populationStabilityIndex(reference, normal(4, 10_000, 1), 10);
        assertTrue(psiShifted > 0.25, "PSI " + psiShifted);
    }

    @Test
    void psiMatchesAHandComputation() {
        double[] expected = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
        // 5 bins: nearest-rank quintile edges are the 2nd, 4th, 6th and 8th values, so the bins are
        // (-inf, 2], (2, 4], (4, 6], (6, 8], (8, +inf) and each holds 0.2 of the expected sample.
        // actual: 0, 1, 1, 2 -> bin 0 (0 lies below every edge); 3, 4 -> bin 1; nothing in bin 2;
        // 7, 7 -> bin 3; 9, 11 -> bin 4 (11 lies above every edge).
        double[] actual = { 0, 1, 1, 2, 3, 4, 7, 7, 9, 11 };
        double emptyBin = 1e-4; // the floor for bin 2
        double psi = (0.4 - 0.2) * Math.log(0.4 / 0.2)
                + (0.2 - 0.2) * Math.log(0.2 / 0.2)
                + (emptyBin - 0.2) * Math.log(emptyBin / 0.2)
                + (0.2 - 0.2) * Math.log(0.2 / 0.2)
                + (0.2 - 0.2) * Math.log(0.2 / 0.2);
        assertEquals(psi, ShadowStatistics.populationStabilityIndex(expected, actual, 5), 1e-12);
    }

    @Test
    void psiMergesTiedEdges() {
        // Decile edges of this sample are 0 (eight times) and 1, so only the bins (-inf, 0], (0, 1], (1, +inf)
        // remain, holding 0.8, 0.1 and 0.1 of it.
        double[] expected = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 2 };
        double[] actual = { 0, 0, 0, 0, 0, 1, 1, 1, 2, 5 };
        double psi = (0.5 - 0.8) * Math.log(0.5 / 0.8)
                + (0.3 - 0.1) * Math.log(0.3 / 0.1)
                + (0.2 - 0.1) * Math.log(0.2 / 0.1);
        assertEquals(psi, ShadowStatistics.populationStabilityIndex(expected, actual, 10), 1e-12);
    }

    @Test
    void psiOfAConstantReferenceIsFinite() {
        double[] constant = new double[1000];
        Arrays.fill(constant, 3.0);
        double psi = ShadowStatistics.populationStabilityIndex(constant, normal(5, 1000, 3), 10);
        assertTrue(Double.isFinite(psi) && psi > 0.25, "PSI " + psi);
        assertEquals(0.0, ShadowStatistics.populationStabilityIndex(constant, constant, 10));
    }

    @Test
    void psiOfAnEmptySampleIsUndefined() {
        assertTrue(Double.isNaN(ShadowStatistics.populationStabilityIndex(new double[0], new double[] { 1 }, 10)));
        assertTrue(Double.isNaN(ShadowStatistics.populationStabilityIndex(new double[] { 1 }, new double[0], 10)));
    }

    @Test
    void psiRejectsFewerThanTwoBins() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShadowStatistics.populationStabilityIndex(new double[] { 1 }, new double[] { 1 }, 1));
        assertTrue(e.getMessage().contains("bins = 1"), e.getMessage());
    }

    // ---- Kolmogorov–Smirnov --------------------------------------------------------------------------------------

    @Test
    void ksDoesNotRejectTheSameDistribution() {
        double[] result = ShadowStatistics.kolmogorovSmirnov(normal(6, 10_000, 0), normal(7, 10_000, 0));
        assertTrue(result[1] > 0.01, "p = " + result[1]);
    }

    @Test
    void ksDetectsAShiftWithTheTheoreticalStatistic() {
        double[] result = ShadowStatistics.kolmogorovSmirnov(normal(8, 10_000, 0), normal(9, 10_000, 1));
        // sup_x |Φ(x) − Φ(x − 1)| is reached at x = 1/2
        double theoreticalD = 2 * new NormalDistribution().cumulativeProbability(0.5) - 1;
        assertEquals(theoreticalD, result[0], 0.03);
        assertTrue(result[1] < 1e-6, "p = " + result[1]);
    }

    @Test
    void ksSmallSampleUsesTheExactPermutationDistribution() {
        // Complete separation: only 2 of the C(6,3) = 20 equally likely splits reach D = 1.
        double[] result = ShadowStatistics.kolmogorovSmirnov(new double[] { 1, 2, 3 }, new double[] { 4, 5, 6 });
        assertEquals(1.0, result[0]);
        assertEquals(2.0 / 20.0, result[1], 1e-12);
    }

    @Test
    void ksTreatsTiesAsTies() {
        double[] same = { 1, 1, 1, 2, 2 };
        assertArrayEquals(new double[] { 0.0, 1.0 }, ShadowStatistics.kolmogorovSmirnov(same, same.clone()), 1e-12);
        // Values too far apart for jitter to separate the ties; ECDFs differ most at 1: 2/4 vs 3/4.
        double[] result = ShadowStatistics.kolmogorovSmirnov(new double[] { 1e16, 1e16, 0, 1 },
                new double[] { 1e16, 0, 1, 1 });
        assertEquals(0.25, result[0], 1e-12);
        assertTrue(result[1] > 0 && result[1] <= 1, "p = " + result[1]);
    }

    @Test
    void ksOfAnEmptySampleIsUndefined() {
        double[] some = { 1, 2, 3 };
        for (double[] r : new double[][] { ShadowStatistics.kolmogorovSmirnov(new double[0], some),
                ShadowStatistics.kolmogorovSmirnov(some, new double[0]) }) {
            assertTrue(Double.isNaN(r[0]) && Double.isNaN(r[1]));
        }
    }

    // ---- percentile ----------------------------------------------------------------------------------------------

    @Test
    void percentileUsesTheNearestRank() {
        long[] values = LongStream.rangeClosed(1, 100).toArray();
        // shuffled so that the result depends on sorting, not on the input order
        Random random = new Random(10);
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
        assertEquals(50.0, ShadowStatistics.percentile(values, 100, 50));
        assertEquals(99.0, ShadowStatistics.percentile(values, 100, 99));
        assertEquals(100.0, ShadowStatistics.percentile(values, 100, 100));
        assertEquals(1.0, ShadowStatistics.percentile(values, 100, 0.5));
        assertEquals(51.0, ShadowStatistics.percentile(values, 100, 50.5));
    }

    @Test
    void percentileOfADecimalPLandsOnTheIntendedRank() {
        // 99.9 % of 41,000 is rank 40,959 exactly, though 99.9 · 41,000 / 100 rounds a few ulps above it.
        long[] values = LongStream.rangeClosed(1, 41_000).toArray();
        assertEquals(40_959.0, ShadowStatistics.percentile(values, values.length, 99.9));
    }

    @Test
    void percentileUsesOnlyTheFirstCountEntriesAndLeavesThemUnchanged() {
        long[] values = { 5, 1, 4, 1000, 2000 };
        assertEquals(5.0, ShadowStatistics.percentile(values, 3, 100));
        assertEquals(4.0, ShadowStatistics.percentile(values, 3, 50));
        assertArrayEquals(new long[] { 5, 1, 4, 1000, 2000 }, values);
        assertTrue(Double.isNaN(ShadowStatistics.percentile(values, 0, 50)));
    }

    @Test
    void percentileRejectsOutOfRangeArguments() {
        long[] values = { 1, 2, 3 };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShadowStatistics.percentile(values, 3, 0));
        assertTrue(e.getMessage().contains("p = 0.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShadowStatistics.percentile(values, 3, 100.5));
        e = assertThrows(IllegalArgumentException.class, () -> ShadowStatistics.percentile(values, 4, 50));
        assertTrue(e.getMessage().contains("count = 4"), e.getMessage());
    }

    @Test
    void wilsonIntervalMatchesItsClosedFormAndCoversTheTruth() {
        // 58 of 58: the closed form for p = 1 is [n / (n + z^2), 1]
        double z = 1.959963984540054;
        double[] all = ShadowStatistics.wilsonInterval(58, 58, 0.95);
        assertEquals(58 / (58 + z * z), all[0], 1e-12);
        assertEquals(1.0, all[1], 1e-12);
        // coverage of the true proportion in a seeded simulation
        java.util.Random random = new java.util.Random(11);
        int covered = 0;
        for (int trial = 0; trial < 2000; trial++) {
            int k = 0;
            for (int i = 0; i < 300; i++) {
                k += random.nextDouble() < 0.97 ? 1 : 0;
            }
            double[] ci = ShadowStatistics.wilsonInterval(k, 300, 0.95);
            covered += ci[0] <= 0.97 && 0.97 <= ci[1] ? 1 : 0;
        }
        assertTrue(covered / 2000.0 > 0.93 && covered / 2000.0 < 0.975, "coverage " + covered / 2000.0);
        assertTrue(Double.isNaN(ShadowStatistics.wilsonInterval(0, 0, 0.95)[0]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShadowStatistics.wilsonInterval(5, 4, 0.95));
        assertTrue(e.getMessage().contains("successes = 5"));
    }
}
