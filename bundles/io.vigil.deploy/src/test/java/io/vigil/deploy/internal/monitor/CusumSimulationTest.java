package io.vigil.deploy.internal.monitor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.vigil.api.deploy.DeploymentWatch.Signal;
import io.vigil.deploy.internal.monitor.ThresholdCalibration.Calibration;

/**
 * The watch's statistics on simulated, seeded Bernoulli streams, with the monitor's defaults (a 2000-window
 * baseline, a 5000-window watch, shift ratio 2, false-alarm probability 0.01). Each run draws its own baseline from
 * the same true rate, so the thresholds carry the baseline's estimation error as they do on a gateway.
 */
class CusumSimulationTest {

    /** 200 in the build; {@code -Dvigil.monitor.simulation.runs=2000} for the figures in the README. */
    private static final int RUNS = Integer.getInteger("vigil.monitor.simulation.runs", 200);
    private static final int BASELINE = 2000;
    private static final int WATCH = 5000;
    private static final double RATIO = 2.0;
    private static final double ALPHA = 0.01;

    /** Windows until the first signal in a watch at {@code after}, or -1; the baseline is drawn at {@code before}. */
    private static long[] runs(long seed, double before, double after, Signal[] signals) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] at = new long[RUNS];
        for (int r = 0; r < RUNS; r++) {
            long anomalous = 0;
            for (int i = 0; i < BASELINE; i++) {
                anomalous += random.nextDouble() < before ? 1 : 0;
            }
            Calibration c = ThresholdCalibration.calibrate(BASELINE, anomalous, RATIO, WATCH, ALPHA);
            RateShiftTest test = new RateShiftTest(c);
            at[r] = -1;
            signals[r] = Signal.NONE;
            for (int i = 1; i <= WATCH; i++) {
                Signal s = test.observe(random.nextDouble() < after);
                if (s != Signal.NONE) {
                    at[r] = i;
                    signals[r] = s;
                    break;
                }
            }
        }
        return at;
    }

    private static long signalled(long[] at) {
        return Arrays.stream(at).filter(t -> t > 0).count();
    }

    /** The smallest n such that at least {@code q} of all runs signalled within n windows; -1 if never. */
    private static long within(long[] at, double q) {
        long[] hits = Arrays.stream(at).filter(t -> t > 0).sorted().toArray();
        int needed = (int) Math.ceil(q * at.length);
        return hits.length < needed ? -1 : hits[needed - 1];
    }

    private static String figures(String what, long[] at) {
        long[] hits = Arrays.stream(at).filter(t -> t > 0).sorted().toArray();
        return String.format("%s: %d of %d runs signalled; windows to signal: median %s, 95th percentile of all "
                + "runs %s", what, hits.length, at.length, hits.length == 0 ? "-" : hits[hits.length / 2],
                within(at, 0.95));
    }

    /**
     * With alpha 0.01 about 1 % of unchanged watches signal. The bound is 3 %: 6 of 200 would happen by chance
     * with probability 0.02 at a true 1 % (the thresholds hold alpha on average over baselines, not exactly for
     * each), and it is well below the 5 % the requirement tolerates.
     */
    @Test
    void anUnchangedRateRarelySignalsDuringTheWholeWatch() {
        for (double p : new double[] { 0.001, 0.01, 0.05 }) {
            Signal[] signals = new Signal[RUNS];
            long[] at = runs(11, p, p, signals);
            System.out.println(figures("unchanged rate " + p, at));
            assertTrue(signalled(at) <= Math.round(0.03 * RUNS), figures("unchanged rate " + p, at));
        }
    }

    @Test
    void aHealthyAssetWhoseModelNeverAlertsNeverSignals() {
        Signal[] signals = new Signal[RUNS];
        long[] at = runs(12, 0, 0, signals);
        assertTrue(signalled(at) == 0, figures("rate 0", at));
    }

    @Test
    void aDoubledRateSignalsAnIncreaseWithinTheWatch() {
        Signal[] signals = new Signal[RUNS];
        long[] at = runs(13, 0.05, 0.10, signals);
        System.out.println(figures("0.05 -> 0.10", at));
        long bound = within(at, 0.95);
        assertTrue(bound > 0 && bound <= 1500, figures("0.05 -> 0.10", at));
        assertTrue(Arrays.stream(signals).filter(s -> s == Signal.DECREASE).count() == 0);

        // a doubling of a 1 % rate is 50 more anomalous windows in 5000: about two runs in three see it within
        // the watch. That is the power this baseline and watch length give; a longer watch buys more
        at = runs(14, 0.01, 0.02, signals);
        System.out.println(figures("0.01 -> 0.02", at));
        assertTrue(signalled(at) >= RUNS / 2, figures("0.01 -> 0.02", at));
    }

    @Test
    void aHalvedRateSignalsADecreaseWithinTheWatch() {
        Signal[] signals = new Signal[RUNS];
        long[] at = runs(15, 0.05, 0.025, signals);
        System.out.println(figures("0.05 -> 0.025", at));
        long bound = within(at, 0.95);
        assertTrue(bound > 0 && bound <= WATCH, figures("0.05 -> 0.025", at));
        assertTrue(Arrays.stream(signals).filter(s -> s == Signal.INCREASE).count() == 0);

        at = runs(16, 0.05, 0, signals);
        System.out.println(figures("0.05 -> 0 (a model that stopped alerting)", at));
        bound = within(at, 0.95);
        assertTrue(signalled(at) == RUNS && bound <= 1000, figures("0.05 -> 0", at));
    }

    @Test
    void aModelThatAlertsOnEverythingIsCaughtWithinAFewWindows() {
        Signal[] signals = new Signal[RUNS];
        long[] at = runs(17, 0.001, 1.0, signals);
        System.out.println(figures("0.001 -> 1", at));
        // about ten anomalous windows in a row: the threshold allows for a baseline rate well above the estimate
        assertTrue(signalled(at) == RUNS && within(at, 0.95) <= 25, figures("0.001 -> 1", at));
    }
}
