package io.vigil.driver.replay.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DecimatorTest {

    private static final double RATE = 48_000;

    @Test
    void theCwruDesignIs255TapsWithMinus6DbAt5Khz() {
        Decimator d = new Decimator(4, RATE);
        assertEquals(255, d.taps());
        assertEquals(5_000.0, d.cutoffHz());
        assertEquals(12_000.0, d.outputRateHz());
        assertEquals(-6.02, d.gainDb(5_000), 0.05);
        assertEquals(0, d.gainDb(0), 1e-9, "unit gain at DC");
    }

    @Test
    void passBandIsFlatAndStopBandDeepFor48To12Khz() {
        Decimator d = new Decimator(4, RATE);
        double ripple = 0;
        for (double f = 0; f <= 4_400; f += 10) {
            ripple = Math.max(ripple, Math.abs(d.gainDb(f)));
        }
        double stop = Double.NEGATIVE_INFINITY;
        for (double f = 6_500; f <= RATE / 2; f += 10) {
            stop = Math.max(stop, d.gainDb(f));
        }
        assertTrue(ripple < 0.01, "pass band ripple " + ripple + " dB up to 4.4 kHz");
        assertTrue(stop < -80, "stop band " + stop + " dB from 6.5 kHz");
    }

    @ParameterizedTest
    @ValueSource(ints = { 2, 3, 4, 5, 8, 16 })
    void everyFactorMeetsTheSpecRelativeToItsOutputNyquist(int factor) {
        new Decimator(factor, RATE).verify();
    }

    @Test
    void aSineInThePassBandKeepsItsAmplitudeAndOneThatWouldFoldBackIsGone() {
        Decimator d = new Decimator(4, RATE);
        double inBand = rms(d.decimate(sine(1_000, 48_000)));
        assertEquals(Math.sqrt(0.5), inBand, 1e-3 * Math.sqrt(0.5), "1 kHz keeps its level");
        // 9 kHz would land on 3 kHz at 12 kHz, right inside the band features
        double folding = rms(d.decimate(sine(9_000, 48_000)));
        assertTrue(20 * Math.log10(folding / Math.sqrt(0.5)) < -80, "9 kHz left at rms " + folding);
    }

    @Test
    void outputHasOnlySamplesWithTheFilterFullyInside() {
        Decimator d = new Decimator(4, RATE);
        assertEquals(1, d.decimate(new double[255]).length);
        assertEquals(1, d.decimate(new double[258]).length);
        assertEquals(2, d.decimate(new double[259]).length);
        assertEquals((243_938 - 255) / 4 + 1, d.outputLength(243_938));
        assertEquals(0, d.outputLength(254));
    }

    @Test
    void factorOneIsTheIdentity() {
        Decimator d = new Decimator(1, RATE);
        double[] x = sine(1_234, 500);
        double[] y = d.decimate(x);
        assertArrayEquals(x, y);
        assertNotSame(x, y);
        assertEquals(1, d.taps());
        assertEquals(RATE, d.outputRateHz());
        assertEquals(0, d.gainDb(20_000), 1e-12);
        d.verify();
    }

    @ParameterizedTest
    @ValueSource(ints = { 0, -1, 65, Integer.MIN_VALUE })
    void aBadFactorIsRefusedNamingIt(int factor) {
        String message = assertThrows(IllegalArgumentException.class, () -> new Decimator(factor, RATE))
                .getMessage();
        assertTrue(message.contains("decimation factor " + factor + " is not allowed"), message);
        message = assertThrows(IllegalArgumentException.class, () -> new Decimator(factor, RATE, 5_000))
                .getMessage();
        assertTrue(message.contains("decimation factor " + factor + " is not allowed"), message);
    }

    @Test
    void badRatesCutoffsAndShortInputsAreRefusedNamingThem() {
        assertMessage(() -> new Decimator(4, 0), "decimation input rate 0.0 Hz");
        assertMessage(() -> new Decimator(4, Double.NaN), "decimation input rate NaN Hz");
        assertMessage(() -> new Decimator(4, RATE, 24_000), "decimation cutoff 24000.0 Hz");
        assertMessage(() -> new Decimator(4, RATE, 0), "decimation cutoff 0.0 Hz");
        assertMessage(() -> new Decimator(4, RATE).decimate(new double[254]),
                "decimation by 4 needs at least 255 samples, got 254");
    }

    @Test
    void anotherCutoffMovesTheMinus6DbPoint() {
        Decimator d = new Decimator(4, RATE, 4_500);
        assertEquals(4_500.0, d.cutoffHz());
        assertEquals(-6.02, d.gainDb(4_500), 0.05);
        assertEquals(255, d.taps());
    }

    private static void assertMessage(Executable call, String expected) {
        String message = assertThrows(IllegalArgumentException.class, call).getMessage();
        assertTrue(message.contains(expected), message);
    }

    private static double[] sine(double hz, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = Math.sin(2 * Math.PI * hz * i / RATE);
        }
        return x;
    }

    private static double rms(double[] x) {
        double sum = 0;
        for (double v : x) {
            sum += v * v;
        }
        return Math.sqrt(sum / x.length);
    }
}
