package io.vigil.driver.sim.internal;

import static io.vigil.driver.sim.internal.TestConfigs.signal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class MachineSignalTest {

    private static final double RATE = 12000;
    /** Frequencies clear of shaft harmonics, defect lines and their sidebands, to measure the envelope floor. */
    private static final double[] FLOOR_HZ = { 100, 112, 125, 137, 145, 157, 170, 185, 200 };

    @Test
    void sameSeedGivesSameSignalAndAnotherSeedAnother() {
        double[] a = vibration(signal("fault.type", "INNER_RACE", "fault.start.s", 0), 5000, 4096);
        double[] b = vibration(signal("fault.type", "INNER_RACE", "fault.start.s", 0), 5000, 4096);
        double[] c = vibration(signal("fault.type", "INNER_RACE", "fault.start.s", 0, "seed", 2), 5000, 4096);
        assertArrayEquals(a, b, 0);
        assertFalse(Arrays.equals(a, c));
        MachineSignal t = signal();
        assertEquals(t.temperature(12.0), signal().temperature(12.0), 0);
    }

    /** The driver relies on this to cut blocks of any size and to swap settings between blocks. */
    @Test
    void samplesDoNotDependOnHowTheStreamIsCutIntoBlocks() {
        MachineSignal s = signal("fault.type", "OUTER_RACE", "fault.start.s", 0, "fault.severity", 1);
        double[] whole = vibration(s, 0, 4096);
        double[] pieces = new double[4096];
        for (int first = 4096 - 100; first > -100; first -= 100) { // backwards, in odd sizes
            int from = Math.max(0, first);
            double[] piece = vibration(s, from, first + 100 - from);
            System.arraycopy(piece, 0, pieces, from, piece.length);
        }
        assertArrayEquals(whole, pieces, 1e-12);
    }

    @Test
    void healthyRmsMatchesHarmonicAndNoiseEnergy() {
        assertRms(0.04, 0.02, 0.01, 0.05);
        assertRms(0.5, 0.2, 0.1, 0.02);
        assertRms(0, 0, 0, 0.3);
    }

    private static void assertRms(double h1, double h2, double h3, double noise) {
        MachineSignal s = signal("harmonic.1x.g", h1, "harmonic.2x.g", h2, "harmonic.3x.g", h3, "noise.g", noise);
        double expected = Math.sqrt((h1 * h1 + h2 * h2 + h3 * h3) / 2 + noise * noise);
        double measured = rms(vibration(s, 0, (int) (10 * RATE)));
        assertEquals(expected, measured, 0.02 * expected, "RMS of harmonics " + h1 + "/" + h2 + "/" + h3
                + " g with noise " + noise + " g");
    }

    @Test
    void outerRaceFaultShowsBpfoInTheEnvelopeSpectrumAndNotBpfi() {
        MachineSignal s = signal("fault.type", "OUTER_RACE", "fault.start.s", 0);
        Bearing bearing = s.settings().bearing();
        double fr = s.settings().shaftHz();
        double[] x = vibration(s, 0, (int) (2 * RATE));
        double bpfo = envelope(x, bearing.bpfoHz(fr));
        double bpfi = envelope(x, bearing.bpfiHz(fr));
        double floor = envelopeFloor(x);
        assertTrue(bpfo > 10 * floor, "BPFO line " + bpfo + " vs floor " + floor);
        assertTrue(bpfo > 10 * bpfi, "BPFO line " + bpfo + " vs BPFI " + bpfi);
        assertTrue(bpfi < 4 * floor, "no BPFI line: " + bpfi + " vs floor " + floor);
    }

    @Test
    void innerRaceFaultShowsBpfiWithShaftSidebandsAndNotBpfo() {
        MachineSignal s = signal("fault.type", "INNER_RACE", "fault.start.s", 0);
        Bearing bearing = s.settings().bearing();
        double fr = s.settings().shaftHz();
        double[] x = vibration(s, 0, (int) (2 * RATE));
        double bpfi = envelope(x, bearing.bpfiHz(fr));
        double bpfo = envelope(x, bearing.bpfoHz(fr));
        double floor = envelopeFloor(x);
        assertTrue(bpfi > 10 * floor, "BPFI line " + bpfi + " vs floor " + floor);
        assertTrue(bpfi > 10 * bpfo, "BPFI line " + bpfi + " vs BPFO " + bpfo);
        assertTrue(bpfo < 4 * floor, "no BPFO line: " + bpfo + " vs floor " + floor);
        double sideband = envelope(x, bearing.bpfiHz(fr) - fr);
        assertTrue(sideband > 3 * floor, "shaft-rate modulation gives a sideband: " + sideband + " vs " + floor);
    }

    @Test
    void ballFaultShowsTwiceBallSpinFrequency() {
        MachineSignal s = signal("fault.type", "BALL", "fault.start.s", 0, "fault.severity", 0.8);
        Bearing bearing = s.settings().bearing();
        double fr = s.settings().shaftHz();
        double[] x = vibration(s, 0, (int) (2 * RATE));
        double twoBsf = envelope(x, 2 * bearing.bsfHz(fr));
        double floor = envelopeFloor(x);
        assertTrue(twoBsf > 10 * floor, "2 x BSF line " + twoBsf + " vs floor " + floor);
        // cage-rate sidebands of 2 x BSF harmonics fall near BPFI, so compare with the line rather than the floor
        assertTrue(envelope(x, bearing.bpfoHz(fr)) < twoBsf / 10);
        assertTrue(envelope(x, bearing.bpfiHz(fr)) < twoBsf / 10);
    }

    @Test
    void faultRaisesKurtosisWhileHealthyStaysNearThree() {
        double healthy = kurtosis(vibration(signal(), 0, (int) (5 * RATE)));
        assertEquals(3, healthy, 0.3, "healthy kurtosis");
        for (String type : new String[] { "OUTER_RACE", "INNER_RACE", "BALL" }) {
            double faulty = kurtosis(vibration(signal("fault.type", type, "fault.start.s", 0), 0, (int) (5 * RATE)));
            assertTrue(faulty > 6, type + " kurtosis " + faulty);
        }
        double mild = kurtosis(vibration(signal("fault.type", "OUTER_RACE", "fault.start.s", 0, "fault.severity", 0.1),
                0, (int) (5 * RATE)));
        double severe = kurtosis(vibration(signal("fault.type", "OUTER_RACE", "fault.start.s", 0, "fault.severity",
                0.3), 0, (int) (5 * RATE)));
        assertTrue(healthy < mild && mild < severe, "kurtosis grows with severity: " + healthy + " < " + mild
                + " < " + severe);
    }

    @Test
    void faultIsActiveOnlyBetweenStartAndEnd() {
        MachineSignal healthy = signal();
        MachineSignal faulty = signal("fault.type", "OUTER_RACE", "fault.start.s", 1.0, "fault.end.s", 2.0);
        int second = (int) RATE;
        assertArrayEquals(vibration(healthy, 0, second), vibration(faulty, 0, second), 0, "before the start");
        assertTrue(rms(vibration(faulty, second, second)) > 3 * rms(vibration(healthy, second, second)),
                "during the fault");
        // the last impulse before the end rings on for a few milliseconds
        int afterRinging = 2 * second + (int) (0.05 * RATE);
        assertArrayEquals(vibration(healthy, afterRinging, second), vibration(faulty, afterRinging, second), 0,
                "after the end");
        MachineSignal never = signal("fault.type", "OUTER_RACE", "fault.start.s", -1);
        assertArrayEquals(vibration(healthy, 0, second), vibration(never, 0, second), 0, "negative start: no fault");
    }

    @Test
    void healthyTemperatureDriftsWithinBasePlusMinusAmplitude() {
        MachineSignal s = signal("temperature.base.degc", 40, "temperature.drift.degc", 3,
                "temperature.drift.period.s", 600, "temperature.noise.degc", 0);
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (int t = 0; t < 1200; t++) {
            double c = s.temperature(t);
            min = Math.min(min, c);
            max = Math.max(max, c);
        }
        assertTrue(min >= 37 && max <= 43, "drift range [" + min + ", " + max + "]");
        assertTrue(min < 37.1 && max > 42.9, "drift reaches its amplitude: [" + min + ", " + max + "]");

        MachineSignal noisy = signal("temperature.base.degc", 40, "temperature.drift.degc", 3,
                "temperature.drift.period.s", 600, "temperature.noise.degc", 0.05);
        double sum = 0;
        for (int t = 0; t < 1200; t++) {
            double c = noisy.temperature(t);
            assertTrue(Math.abs(c - 40) <= 3 + 6 * 0.05, "noisy reading " + c + " at " + t + " s");
            sum += c;
        }
        assertEquals(40, sum / 1200, 0.01, "mean over whole drift periods is the base");
    }

    @Test
    void faultHeatsTheBearingOverItsTimeConstantAndCoolsAfterwards() {
        MachineSignal healthy = signal();
        MachineSignal faulty = signal("fault.type", "INNER_RACE", "fault.severity", 0.6, "fault.start.s", 100,
                "fault.end.s", 3100, "temperature.fault.rise.degc", 20, "temperature.fault.tau.s", 300);
        double settled = 0.6 * 20;
        assertEquals(0, faulty.temperature(99) - healthy.temperature(99), 0);
        assertEquals(settled * (1 - Math.exp(-1)), faulty.temperature(400) - healthy.temperature(400), 1e-9);
        assertEquals(settled, faulty.temperature(3000) - healthy.temperature(3000), 0.01 * settled);
        double atEnd = faulty.temperature(3100) - healthy.temperature(3100);
        assertEquals(atEnd * Math.exp(-1), faulty.temperature(3400) - healthy.temperature(3400), 1e-9, "cooling");
    }

    @Test
    void rejectsSettingsThatCannotBeSimulatedNamingKeyAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> signal("vibration.rate.hz", 500));
        assertTrue(e.getMessage().contains("vibration.rate.hz") && e.getMessage().contains("500"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> signal("vibration.rate.hz", 5000));
        assertTrue(e.getMessage().contains("resonance.hz") && e.getMessage().contains("2500"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> signal("fault.severity", 1.5));
        assertTrue(e.getMessage().contains("fault.severity") && e.getMessage().contains("1.5"), e.getMessage());
    }

    static double[] vibration(MachineSignal s, long first, int n) {
        double[] out = new double[n];
        s.fillVibration(first, out);
        return out;
    }

    static double rms(double[] x) {
        double sum = 0;
        for (double v : x) {
            sum += v * v;
        }
        return Math.sqrt(sum / x.length);
    }

    static double kurtosis(double[] x) {
        double mean = Arrays.stream(x).average().orElseThrow();
        double m2 = 0;
        double m4 = 0;
        for (double v : x) {
            double d = (v - mean) * (v - mean);
            m2 += d;
            m4 += d * d;
        }
        m2 /= x.length;
        m4 /= x.length;
        return m4 / (m2 * m2);
    }

    /** Magnitude at {@code hz} of the squared-signal spectrum: a single-bin DFT, Hann-windowed against leakage. */
    static double envelope(double[] x, double hz) {
        double mean = 0;
        for (double v : x) {
            mean += v * v;
        }
        mean /= x.length;
        double re = 0;
        double im = 0;
        for (int n = 0; n < x.length; n++) {
            double w = 0.5 - 0.5 * Math.cos(2 * Math.PI * n / (x.length - 1));
            double y = (x[n] * x[n] - mean) * w;
            double phase = 2 * Math.PI * hz * n / RATE;
            re += y * Math.cos(phase);
            im -= y * Math.sin(phase);
        }
        return Math.hypot(re, im) / x.length;
    }

    static double envelopeFloor(double[] x) {
        double[] m = Arrays.stream(FLOOR_HZ).map(f -> envelope(x, f)).sorted().toArray();
        return m[m.length / 2];
    }
}
