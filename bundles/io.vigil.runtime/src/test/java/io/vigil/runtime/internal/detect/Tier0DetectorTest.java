package io.vigil.runtime.internal.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.junit.jupiter.api.Test;

import io.vigil.api.detect.DetectorState;

class Tier0DetectorTest {

    private static final int FEATURES = 6;

    /** A healthy machine: features around per-machine levels with per-machine spreads. */
    private static double[] healthy(Random r, double level, double spread) {
        double[] f = new double[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            f[j] = level * (j + 1) + spread * (j + 1) * r.nextGaussian();
        }
        return f;
    }

    private static double observedRate(double level, double spread, double target, long seed) {
        Random r = new Random(seed);
        Tier0Detector d = new Tier0Detector(200, target, 0);
        for (int i = 0; i < 200; i++) {
            assertFalse(d.score(healthy(r, level, spread)).anomalous(), "commissioning never alarms");
        }
        assertEquals(DetectorState.ARMED, d.state());
        int n = 200_000;
        int anomalies = 0;
        for (int i = 0; i < n; i++) {
            if (d.score(healthy(r, level, spread)).anomalous()) {
                anomalies++;
            }
        }
        assertEquals((double) anomalies / n, d.observedAnomalyRate(), 1e-12);
        return (double) anomalies / n;
    }

    @Test
    void holdsTargetFalseAlarmRateOnHealthyData() {
        // averaged over several machines, since 100 calibration windows leave each threshold some scatter
        double target = 0.01;
        double sum = 0;
        int machines = 10;
        for (int m = 0; m < machines; m++) {
            sum += observedRate(5, 0.5, target, 1000 + m);
        }
        double mean = sum / machines;
        assertTrue(mean > target / 4 && mean < target * 2, "mean observed false-alarm rate " + mean
                + " should be near the target " + target);
    }

    @Test
    void twoIdenticalMachinesAtDifferentLevelsNeedNoTuning() {
        double target = 0.005;
        double quiet = observedRate(1, 0.05, target, 7);
        double loud = observedRate(40, 6, target, 7);
        // same seed, same shape: the calibration absorbs the machines' levels and spreads entirely
        assertEquals(quiet, loud, 1e-3, "false-alarm rate on a quiet and a loud machine with the same settings");
    }

    @Test
    void faultMovingOneFeatureIsAnomalous() {
        Random r = new Random(3);
        Tier0Detector d = new Tier0Detector(100, 0.001, 0);
        for (int i = 0; i < 100; i++) {
            d.score(healthy(r, 5, 0.5));
        }
        double[] faulty = healthy(r, 5, 0.5);
        faulty[3] += 20 * 0.5 * 4; // 20 sigma on one feature
        Tier0Detector.Verdict v = d.score(faulty);
        assertTrue(v.anomalous(), "score " + v.score() + " vs threshold " + v.threshold());
        assertTrue(v.score() > v.threshold());
    }

    @Test
    void nonFiniteFeaturesAreNotLearnedAndAreAnomalousOnceArmed() {
        Random r = new Random(4);
        Tier0Detector d = new Tier0Detector(20, 0.01, 0);
        d.score(new double[] { Double.NaN, 1, 1, 1, 1, 1 });
        assertEquals(20, d.remainingCommissioningWindows(), "a NaN window must not count as learned");
        for (int i = 0; i < 20; i++) {
            d.score(healthy(r, 5, 0.5));
        }
        assertTrue(d.score(new double[] { Double.NaN, 5, 10, 15, 20, 25 }).anomalous(), "NaN first");
        assertTrue(d.score(new double[] { 5, 10, 15, 20, 25, Double.NaN }).anomalous(), "NaN last");
        assertTrue(Double.isNaN(d.score(new double[] { 5, 10, Double.NaN, 20, 25, 30 }).score()));
    }

    @Test
    void gaussianFloorAccountsForTheMaximumOverFeatures() {
        assertEquals(2.576, Tier0Detector.gaussianFloor(0.01, 1), 1e-3, "one feature: the two-sided 1% z");
        // 13 features: each may exceed the floor with 1 - 0.99^(1/13) = 0.000773
        assertEquals(3.362, Tier0Detector.gaussianFloor(0.01, 13), 1e-3);
    }

    @Test
    void steadyFeatureUsesRelativeScaleFloor() {
        Tier0Detector d = new Tier0Detector(20, 0.01, 0.02);
        for (int i = 0; i < 20; i++) {
            d.score(new double[] { 60.0 }); // a temperature that did not move during commissioning
        }
        assertFalse(d.score(new double[] { 60.3 }).anomalous(), "0.3 degrees of drift is within 2% of 60");
        assertTrue(d.score(new double[] { 75 }).anomalous(), "15 degrees is not");
    }

    @Test
    void mostlyConstantFeatureStillGetsASpreadFromTheOtherWindows() {
        Tier0Detector d = new Tier0Detector(40, 0.01, 0);
        for (int i = 0; i < 40; i++) {
            d.score(new double[] { i % 4 == 0 ? 0.1 : 0.0 }); // a slope that is 0 in most windows
        }
        assertFalse(d.score(new double[] { 0.1 }).anomalous(), "a value seen while commissioning");
        assertTrue(d.score(new double[] { 5.0 }).anomalous());
    }

    @Test
    void tailQuantileExtrapolatesAnExponentialTail() {
        Random r = new Random(5);
        double[] scores = new double[400];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = -Math.log(1 - r.nextDouble()); // Exp(1)
        }
        double q = Tier0Detector.tailQuantile(scores, 1e-4);
        double exact = -Math.log(1e-4);
        assertEquals(exact, q, exact * 0.15, "1e-4 tail quantile of Exp(1)");
    }

    @Test
    void rejectsBadSettingsNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Tier0Detector(5, 0.01, 0));
        assertTrue(e.getMessage().contains("5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Tier0Detector(50, 0.7, 0));
        assertTrue(e.getMessage().contains("0.7"), e.getMessage());
    }
}
