package io.vigil.features.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import io.vigil.api.feature.FeatureExtractor;
import io.vigil.api.feature.FeatureVector;
import io.vigil.api.feature.Window;
import io.vigil.api.sensor.ChannelKind;

/**
 * Level and trend features of slowly varying scalar windows (temperature, pressure): {@code mean, std, min, max,
 * slope}.
 *
 * <p>{@code std} is the population standard deviation (divide by n), like the moments of
 * {@link VibrationFeatures}: the window is the whole population being described, not a sample of one.
 * {@code slope} is the least-squares slope in units per second, with sample i taken at i / sampleRate; a
 * single-sample window has slope 0.
 */
@Component(service = FeatureExtractor.class, property = FeatureExtractor.KIND + "=SCALAR")
public final class ScalarFeatures implements FeatureExtractor {

    private static final List<String> NAMES = List.of("mean", "std", "min", "max", "slope");

    /** Public for use outside OSGi (tests, benchmarks); DS uses it too. */
    public ScalarFeatures() {
    }

    @Override
    public ChannelKind kind() {
        return ChannelKind.SCALAR;
    }

    @Override
    public List<String> featureNames(int windowSize, double sampleRateHz) {
        return NAMES;
    }

    @Override
    public FeatureVector extract(Window window) {
        final double[] x = window.samples();
        final int n = x.length;
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            sum += v;
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        final double mean = sum / n;
        final double centre = (n - 1) / 2.0;

        // Deviations from the mean, not raw values: a pressure of 1e5 Pa varying by 1 Pa keeps its digits.
        double squares = 0;
        double moment = 0;
        for (int i = 0; i < n; i++) {
            double d = x[i] - mean;
            squares += d * d;
            moment += (i - centre) * d;
        }
        // Sum of (i - centre)^2 over 0..n-1, in closed form; zero only for n == 1.
        double spread = n * ((double) n * n - 1) / 12.0;
        double slopePerSample = spread > 0 ? moment / spread : 0;

        double[] values = {mean, Math.sqrt(squares / n), min, max, slopePerSample * window.sampleRateHz()};
        return new FeatureVector(NAMES, values);
    }
}
