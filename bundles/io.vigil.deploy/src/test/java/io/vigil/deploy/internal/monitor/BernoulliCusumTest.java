package io.vigil.deploy.internal.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.vigil.api.deploy.DeploymentWatch.Signal;
import io.vigil.deploy.internal.monitor.ThresholdCalibration.Calibration;

class BernoulliCusumTest {

    @Test
    void incrementsAreTheLogLikelihoodRatiosAndTheStatisticNeverGoesBelowZero() {
        BernoulliCusum up = new BernoulliCusum(0.01, 0.02);
        assertEquals(Math.log(2), up.anomalousIncrement(), 1e-15);
        assertEquals(Math.log(0.98 / 0.99), up.normalIncrement(), 1e-15);
        assertEquals(0, up.update(false));
        assertEquals(Math.log(2), up.update(true), 1e-15);
        assertEquals(Math.log(2) + Math.log(0.98 / 0.99), up.update(false), 1e-15);

        BernoulliCusum down = new BernoulliCusum(0.2, 0.1);
        assertEquals(Math.log(0.5), down.anomalousIncrement(), 1e-15);
        assertEquals(Math.log(0.9 / 0.8), down.normalIncrement(), 1e-15);
        assertEquals(0, down.update(true), "an anomalous window is evidence against a decrease");
        assertEquals(Math.log(0.9 / 0.8), down.update(false), 1e-15);
        assertEquals(2 * Math.log(0.9 / 0.8), down.update(false), 1e-15);
    }

    @Test
    void rejectsRatesItCannotTakeTheLogarithmOf() {
        assertThrows(IllegalArgumentException.class, () -> new BernoulliCusum(0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new BernoulliCusum(0.1, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BernoulliCusum(0.1, 0.1));
        assertTrue(e.getMessage().contains("p0=0.1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BernoulliCusum(0.1, 0.2).restore(-1));
    }

    @Test
    void ratesAreTheAddOneEstimateAndItsShiftsWithinZeroAndOne() {
        ShiftRates none = ShiftRates.of(2000, 0, 2.0);
        assertEquals(1.0 / 2002, none.p0(), 1e-15);
        assertEquals(2.0 / 2002, none.increased(), 1e-15);
        assertEquals(0.5 / 2002, none.decreased(), 1e-15);
        ShiftRates all = ShiftRates.of(200, 200, 2.0);
        assertTrue(all.increased() < 1 && all.increased() > all.p0(), all.toString());
        assertTrue(all.decreased() > 0.98 && all.decreased() < all.p0(), all.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShiftRates.of(10, 1, 1.0));
        assertTrue(e.getMessage().contains("shift.ratio") && e.getMessage().contains("1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShiftRates.of(10, 11, 2.0));
    }

    /** The calibration jumps across normal windows; it must agree with the window-by-window definition. */
    @Test
    void theCalibrationsJumpsAgreeWithTheWindowByWindowCusum() {
        SplittableRandom random = new SplittableRandom(7);
        for (double p : new double[] { 0.001, 0.05, 0.5, 0.97 }) {
            int horizon = 3000;
            boolean[] stream = new boolean[horizon];
            List<Long> gaps = new ArrayList<>();
            long run = 0;
            for (int i = 0; i < horizon; i++) {
                stream[i] = random.nextDouble() < p;
                if (stream[i]) {
                    gaps.add(run);
                    run = 0;
                } else {
                    run++;
                }
            }
            gaps.add(Long.MAX_VALUE); // no further anomalous window within the horizon
            BernoulliCusum up = new BernoulliCusum(0.05, 0.1);
            BernoulliCusum down = new BernoulliCusum(0.05, 0.025);
            double maxUp = 0;
            double maxDown = 0;
            for (boolean a : stream) {
                maxUp = Math.max(maxUp, up.update(a));
                maxDown = Math.max(maxDown, down.update(a));
            }
            var it = gaps.iterator();
            double[] jumped = ThresholdCalibration.maxima(horizon, it::next, new BernoulliCusum(0.05, 0.1),
                    new BernoulliCusum(0.05, 0.025));
            assertEquals(maxUp, jumped[0], 1e-9, "increase at p=" + p);
            assertEquals(maxDown, jumped[1], 1e-9, "decrease at p=" + p);
        }
    }

    @Test
    void aBaselineWithoutAnomalousWindowsCannotShowADropAndAWatchWithoutAnyDoesNotSignalOne() {
        Calibration c = ThresholdCalibration.calibrate(200, 0, 2.0, 400, 0.01);
        assertFalse(c.decreaseDetectable(), c.toString());
        assertTrue(c.increaseDetectable(), c.toString());
        RateShiftTest test = new RateShiftTest(c);
        for (int i = 0; i < 400; i++) {
            // the decrease statistic ends exactly on its threshold here: reaching it is no signal
            assertEquals(Signal.NONE, test.observe(false), "window " + i + " " + test.decreaseStatistic());
        }
    }

    @Test
    void aLongWatchOnAHighRateSimulatesFewerRunsInsteadOfStallingTheMonitor() {
        assertEquals(ThresholdCalibration.RUNS, ThresholdCalibration.runs(5000, 1.0));
        assertEquals(ThresholdCalibration.MIN_RUNS, ThresholdCalibration.runs(10_000_000, 0.5));
        assertTrue(ThresholdCalibration.runs(1_000_000, 0.05) < ThresholdCalibration.RUNS);
    }

    @Test
    void theSameBaselineGivesTheSameThresholds() {
        Calibration a = ThresholdCalibration.calibrate(1234, 56, 2.0, 999, 0.01);
        assertEquals(a, ThresholdCalibration.calibrate(1234, 56, 2.0, 999, 0.01));
        assertTrue(a.increase() > 0 && a.decrease() > 0, a.toString());
    }
}
