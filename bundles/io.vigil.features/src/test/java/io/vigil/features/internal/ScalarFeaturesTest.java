package io.vigil.features.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.apache.commons.math3.stat.regression.SimpleRegression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.vigil.api.feature.FeatureVector;
import io.vigil.api.feature.Window;
import io.vigil.api.sensor.ChannelKind;

class ScalarFeaturesTest {

    private final ScalarFeatures features = new ScalarFeatures();

    @ParameterizedTest
    @CsvSource({
            // rate Hz, samples, intercept, slope per second
            "1, 60, 20.5, 0.25", "10, 600, 80, -0.003", "0.1, 30, 1e5, 12", "1000, 5000, -3, 7"})
    void slopeOfALinearRampIsItsSlopePerSecond(double rate, int n, double intercept, double slope) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = intercept + slope * i / rate;
        }
        FeatureVector f = features.extract(new Window("a", "temp", 0, 0, rate, x));
        assertEquals(slope, f.get("slope"), 1e-9 * Math.max(1, Math.abs(slope)));
        assertEquals(intercept + slope * (n - 1) / rate / 2, f.get("mean"), 1e-9 * Math.abs(f.get("mean")));
    }

    @Test
    void levelFeaturesMatchCommonsMath() {
        Random random = new Random(11);
        double rate = 2;
        double[] x = new double[777];
        SimpleRegression regression = new SimpleRegression();
        for (int i = 0; i < x.length; i++) {
            x[i] = 1013.25 + 0.01 * i + 0.5 * random.nextGaussian();
            regression.addData(i / rate, x[i]);
        }
        DescriptiveStatistics stats = new DescriptiveStatistics(x);
        FeatureVector f = features.extract(new Window("a", "pressure", 0, 0, rate, x));
        assertEquals(stats.getMean(), f.get("mean"), 1e-12 * stats.getMean());
        assertEquals(Math.sqrt(stats.getPopulationVariance()), f.get("std"), 1e-9 * f.get("std"));
        assertEquals(stats.getMin(), f.get("min"), 0);
        assertEquals(stats.getMax(), f.get("max"), 0);
        assertEquals(regression.getSlope(), f.get("slope"), 1e-9 * Math.abs(regression.getSlope()));
    }

    @Test
    void singleSampleAndConstantWindowsAreFinite() {
        FeatureVector one = features.extract(new Window("a", "t", 0, 0, 1, new double[] {42}));
        assertEquals(42, one.get("mean"));
        assertEquals(0, one.get("std"));
        assertEquals(0, one.get("slope"));

        double[] flat = new double[100];
        java.util.Arrays.fill(flat, 0.1);
        FeatureVector f = features.extract(new Window("a", "t", 0, 0, 1, flat));
        assertEquals(0, f.get("std"), 1e-15);
        assertEquals(0, f.get("slope"), 1e-15);
    }

    @Test
    void namesMatchExtractAndBadInputNeverThrows() {
        double[] x = {1, 2, Double.NaN, 4};
        FeatureVector f = features.extract(new Window("a", "t", 0, 0, 1, x));
        assertEquals(features.featureNames(x.length, 1), f.names());
        assertEquals(java.util.List.of("mean", "std", "min", "max", "slope"), f.names());
        assertEquals(ChannelKind.SCALAR, features.kind());
        assertThrows(IllegalArgumentException.class,
                () -> features.extract(new Window("a", "t", 0, 0, 1, new double[0])));
    }
}
