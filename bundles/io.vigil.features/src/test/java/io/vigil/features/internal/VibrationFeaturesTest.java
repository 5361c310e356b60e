package io.vigil.features.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.vigil.api.feature.FeatureVector;
import io.vigil.api.feature.Window;
import io.vigil.api.sensor.ChannelKind;

class VibrationFeaturesTest {

    private static final double RATE = 12_000;

    private final VibrationFeatures features = new VibrationFeatures(8);

    @Test
    void sineHasRmsOfAmplitudeOverRootTwoAndCrestOfRootTwo() {
        // 37 whole periods in 2048 samples: the discrete mean of sin^2 is exactly 1/2, and because 37 is coprime
        // to 2048 one sample lands on the crest.
        for (double amplitude : new double[] {1e-3, 0.5, 1, 70}) {
            FeatureVector f = features.extract(window(sine(2048, 37 * RATE / 2048, amplitude)));
            assertEquals(amplitude / Math.sqrt(2), f.get("rms"), amplitude / Math.sqrt(2) * 1e-6, "rms");
            assertEquals(amplitude, f.get("peak"), amplitude * 1e-9, "peak");
            assertEquals(Math.sqrt(2), f.get("crest_factor"), 1e-6, "crest_factor");
            // A sine's amplitude distribution (arcsine) has kurtosis 3/2 and no skew, whatever its amplitude.
            assertEquals(1.5, f.get("kurtosis"), 1e-6, "kurtosis");
            assertEquals(0, f.get("skewness"), 1e-6, "skewness");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 64, 1000, 2048, 3001})
    void momentsAreThePopulationMomentsCommonsMathComputes(int n) {
        Random random = new Random(n);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            // Skewed, heavy-tailed and offset so that every moment has something to get wrong.
            double g = random.nextGaussian();
            x[i] = 0.3 + g + 0.4 * g * g + (random.nextInt(50) == 0 ? 6 : 0);
        }
        DescriptiveStatistics stats = new DescriptiveStatistics(x);
        double mean = stats.getMean();
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        for (double v : x) {
            double d = v - mean;
            s2 += d * d;
            s3 += d * d * d;
            s4 += d * d * d * d;
        }
        double m2 = s2 / n;
        double populationKurtosis = (s4 / n) / (m2 * m2);
        double populationSkewness = (s3 / n) / Math.pow(m2, 1.5);

        FeatureVector f = features.extract(window(x));
        assertEquals(Math.sqrt(stats.getSumsq() / n), f.get("rms"), 1e-12 * f.get("rms"), "rms");
        assertEquals(Math.max(stats.getMax(), -stats.getMin()), f.get("peak"), 0, "peak");
        assertEquals(f.get("peak") / f.get("rms"), f.get("crest_factor"), 1e-12, "crest_factor");
        assertEquals(populationKurtosis, f.get("kurtosis"), 1e-9 * populationKurtosis, "kurtosis");
        assertEquals(populationSkewness, f.get("skewness"), 1e-9 * Math.abs(populationSkewness), "skewness");

        if (n > 3) {
            // Cross-check against commons-math's own estimators, with their small-sample bias corrections undone:
            // G2 = ((n+1)(n-1) g2 - 3(n-1)^2) / ((n-2)(n-3)) is excess kurtosis; G1 = g1 sqrt(n(n-1)) / (n-2).
            double excess = stats.getKurtosis();
            double undoneKurtosis = (excess * (n - 2.0) * (n - 3.0) + 3.0 * (n - 1.0) * (n - 1.0))
                    / ((n + 1.0) * (n - 1.0));
            double undoneSkewness = stats.getSkewness() * (n - 2.0) / Math.sqrt(n * (n - 1.0));
            assertEquals(undoneKurtosis, f.get("kurtosis"), 1e-9 * undoneKurtosis, "kurtosis vs Kurtosis");
            assertEquals(undoneSkewness, f.get("skewness"), 1e-9 * Math.abs(undoneSkewness), "skewness vs Skewness");
        }
    }

    @ParameterizedTest
    @CsvSource({
            // window, bands, tone Hz
            "2048, 8, 100", "2048, 8, 1234", "2048, 8, 3375", "2048, 8, 5900",
            "1000, 8, 400", "1000, 8, 4650", "4096, 16, 2810", "4096, 5, 3000", "2048, 64, 1640"})
    void pureToneFallsIntoItsBand(int n, int bands, double toneHz) {
        VibrationFeatures extractor = new VibrationFeatures(bands);
        FeatureVector f = extractor.extract(window(sine(n, toneHz, 2.5)));
        int expected = (int) (toneHz / (RATE / 2) * bands);
        double share = f.get("band_" + expected);
        assertTrue(share > 0.9, () -> toneHz + " Hz put only " + share + " of its power into band_" + expected
                + "; features " + java.util.Arrays.toString(f.values()));
        assertEquals(1, bandSum(f, bands), 1e-9, "band fractions sum");
    }

    @Test
    void bandFractionsDoNotDependOnGainOrOffset() {
        double[] x = machine(2048, new Random(7));
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = 40 * x[i] + 1.0;
        }
        FeatureVector a = features.extract(window(x));
        FeatureVector b = features.extract(window(y));
        for (int band = 0; band < 8; band++) {
            assertEquals(a.get("band_" + band), b.get("band_" + band), 1e-9, "band_" + band);
        }
        assertEquals(1, bandSum(a, 8), 1e-9);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, 1, -9.81, 1e5})
    void constantWindowHasFiniteFeaturesWithShapeDefinedAsZero(double level) {
        double[] x = new double[2048];
        java.util.Arrays.fill(x, level);
        FeatureVector f = features.extract(window(x));
        for (double v : f.values()) {
            assertTrue(Double.isFinite(v), () -> "non-finite feature for constant " + level + ": " + f);
        }
        assertEquals(Math.abs(level), f.get("rms"), 1e-12 * Math.abs(level));
        assertEquals(Math.abs(level), f.get("peak"), 0);
        assertEquals(0, f.get("crest_factor"));
        assertEquals(0, f.get("kurtosis"));
        assertEquals(0, f.get("skewness"));
        assertEquals(0, bandSum(f, 8));
    }

    @Test
    void impulsesOnNoiseHaveKurtosisFarAboveThree() {
        Random random = new Random(42);
        double[] noise = new double[4096];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = 0.1 * random.nextGaussian();
        }
        double noiseKurtosis = features.extract(window(noise)).get("kurtosis");
        assertEquals(3, noiseKurtosis, 0.3, "Gaussian noise");

        double[] impulsive = noise.clone();
        for (int i = 150; i < impulsive.length; i += 300) {
            impulsive[i] += 3;
        }
        FeatureVector f = features.extract(window(impulsive));
        assertTrue(f.get("kurtosis") > 20, () -> "kurtosis of impulsive signal " + f.get("kurtosis"));
        assertTrue(f.get("crest_factor") > 5, () -> "crest factor of impulsive signal " + f.get("crest_factor"));
    }

    @Test
    void featureNamesAreExactlyWhatExtractReturns() {
        for (int bands : new int[] {1, 3, 8, 64}) {
            VibrationFeatures extractor = new VibrationFeatures(bands);
            for (int n : new int[] {1, 2, 100, 2048}) {
                FeatureVector f = extractor.extract(window(machine(n, new Random(n))));
                assertEquals(extractor.featureNames(n, RATE), f.names());
            }
            List<String> names = extractor.featureNames(2048, RATE);
            assertEquals(5 + bands, names.size());
            assertEquals(List.of("rms", "peak", "crest_factor", "kurtosis", "skewness"), names.subList(0, 5));
            assertEquals("band_" + (bands - 1), names.get(names.size() - 1));
        }
        assertEquals(ChannelKind.VIBRATION, features.kind());
    }

    @Test
    void shortWindowsAndMoreBandsThanBinsStayFinite() {
        VibrationFeatures extractor = new VibrationFeatures(64);
        for (int n = 1; n <= 17; n++) {
            FeatureVector f = extractor.extract(window(machine(n, new Random(n))));
            for (double v : f.values()) {
                assertTrue(Double.isFinite(v), "window of " + n + ": " + f);
            }
        }
    }

    @Test
    void badInputNeverThrows() {
        double[] x = machine(1024, new Random(3));
        x[100] = Double.NaN;
        x[200] = Double.POSITIVE_INFINITY;
        FeatureVector f = features.extract(window(x));
        assertTrue(Double.isNaN(f.get("rms")), "NaN input stays visible in rms");

        double[] allNaN = new double[512];
        java.util.Arrays.fill(allNaN, Double.NaN);
        features.extract(window(allNaN));
    }

    @Test
    void emptyWindowCannotBeBuiltSoNeverReachesTheExtractor() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> features.extract(new Window("pump-7", "de-axial", 12, 0, RATE, new double[0])));
        assertTrue(e.getMessage().contains("pump-7/de-axial"), e.getMessage());
    }

    @Test
    void reusedScratchBuffersGiveTheSameAnswerAsFreshOnes() {
        double[] big = machine(2048, new Random(1));
        double[] small = machine(1000, new Random(2));
        FeatureVector first = features.extract(window(big));
        // A shorter window in between leaves data where the next long window must be zero-padded or overwritten.
        FeatureVector smallFirst = features.extract(window(small));
        assertArrayEquals(first.values(), features.extract(window(big)).values(), 0);
        assertArrayEquals(smallFirst.values(), features.extract(window(small)).values(), 0);
    }

    @Test
    void concurrentCallersGetTheSameFeaturesAsASingleCaller() throws Exception {
        List<double[]> signals = new ArrayList<>();
        List<double[]> expected = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            double[] x = machine(i % 3 == 0 ? 4096 : i % 3 == 1 ? 2048 : 1500, new Random(100 + i));
            signals.add(x);
            expected.add(features.extract(window(x)).values());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<double[]>> tasks = new ArrayList<>();
            for (int round = 0; round < 20; round++) {
                for (double[] x : signals) {
                    tasks.add(() -> features.extract(window(x)).values());
                }
            }
            List<Future<double[]>> results = pool.invokeAll(tasks);
            for (int i = 0; i < results.size(); i++) {
                assertArrayEquals(expected.get(i % signals.size()), results.get(i).get(), 0, "task " + i);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65, 1000})
    void badBandCountIsRejectedNamingTheValue(int bands) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new VibrationFeatures(config(bands)));
        assertTrue(e.getMessage().contains("was " + bands), e.getMessage());
        assertTrue(e.getMessage().contains("io.vigil.features.vibration"), e.getMessage());
    }

    @Test
    void configuredBandCountShapesTheFeatureVector() {
        assertEquals(5 + 12, new VibrationFeatures(config(12)).featureNames(2048, RATE).size());
        assertEquals(5 + 1, new VibrationFeatures(config(1)).featureNames(2048, RATE).size());
        assertEquals(5 + 64, new VibrationFeatures(config(64)).featureNames(2048, RATE).size());
    }

    private static VibrationFeatures.Config config(int bands) {
        // What DS would hand over; implementing the annotation type directly avoids reflection.
        return new VibrationFeatures.Config() {
            @Override
            public int bands() {
                return bands;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return VibrationFeatures.Config.class;
            }
        };
    }

    private static double bandSum(FeatureVector f, int bands) {
        double sum = 0;
        for (int b = 0; b < bands; b++) {
            sum += f.get("band_" + b);
        }
        return sum;
    }

    private static Window window(double[] samples) {
        return new Window("asset", "vib", 0, 0, RATE, samples);
    }

    private static double[] sine(int n, double hz, double amplitude) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = amplitude * Math.sin(2 * Math.PI * hz * i / RATE);
        }
        return x;
    }

    /** Shaft harmonics plus noise: a generic running machine. */
    private static double[] machine(int n, Random random) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double t = i / RATE;
            x[i] = 0.8 * Math.sin(2 * Math.PI * 29.5 * t) + 0.3 * Math.sin(2 * Math.PI * 59 * t + 1)
                    + 0.1 * Math.sin(2 * Math.PI * 2950 * t) + 0.05 * random.nextGaussian();
        }
        return x;
    }
}
