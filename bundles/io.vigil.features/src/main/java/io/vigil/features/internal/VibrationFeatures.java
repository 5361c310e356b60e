package io.vigil.features.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.commons.math3.transform.DftNormalization;
import org.apache.commons.math3.transform.FastFourierTransformer;
import org.apache.commons.math3.transform.TransformType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.vigil.api.feature.FeatureExtractor;
import io.vigil.api.feature.FeatureVector;
import io.vigil.api.feature.Window;
import io.vigil.api.sensor.ChannelKind;

/**
 * Shape and spectral features of vibration windows: {@code rms, peak, crest_factor, kurtosis, skewness,
 * band_0 .. band_{B-1}}.
 *
 * <p>Definitions, all over the window's samples {@code x} with population (divide-by-n) moments:
 * <ul>
 * <li>{@code rms} = sqrt(mean(x²)), not mean-removed: an accelerometer's DC level is part of what it reads.</li>
 * <li>{@code peak} = max |x|; {@code crest_factor} = peak / rms.</li>
 * <li>{@code kurtosis} = m4 / m2² (a normal distribution gives 3, not 0); {@code skewness} = m3 / m2^1.5.</li>
 * <li>{@code band_b}: fraction of the window's one-sided spectral power that falls into the b-th of B equal-width
 * bands between 0 Hz and Nyquist. The spectrum is of the mean-removed, Hann-windowed samples, zero-padded to
 * the next power of two.</li>
 * </ul>
 *
 * <p>A window without variance (a flat-lined or disconnected sensor) has no shape: its {@code crest_factor},
 * {@code kurtosis} and {@code skewness} are defined as 0, and so is every {@code band_b} because there is no
 * spectral power to share out. These values are finite and far from any running machine's, so a stuck sensor
 * shows up as an outlier instead of poisoning the detector with NaN.
 */
@Component(service = FeatureExtractor.class, configurationPid = VibrationFeatures.PID,
        property = FeatureExtractor.KIND + "=VIBRATION")
@Designate(ocd = VibrationFeatures.Config.class)
public final class VibrationFeatures implements FeatureExtractor {

    static final String PID = "io.vigil.features.vibration";
    static final int MIN_BANDS = 1;
    static final int MAX_BANDS = 64;

    @ObjectClassDefinition(id = PID, name = "Vigil vibration features",
            description = "Spectral resolution of the features extracted from vibration windows.")
    public @interface Config {
        @AttributeDefinition(name = "Spectral bands", min = "1", max = "64",
                description = "Number of equal-width bands between 0 Hz and Nyquist whose share of the spectral "
                        + "power becomes a feature (1..64). Changing it changes the feature vector, so detector "
                        + "baselines must be re-learned.")
        int bands() default 8;
    }

    /*
     * Variance at or below (ZERO_VARIANCE_RELATIVE * peak)^2 counts as none. A constant window's mean is off by
     * rounding (about n * 1e-16 relative), which would otherwise turn rounding noise into a kurtosis; 1e-10 is far
     * above that and far below what a 24-bit ADC can resolve (6e-8 of full scale).
     */
    private static final double ZERO_VARIANCE_RELATIVE = 1e-10;

    /*
     * Per-thread FFT buffers and Hann coefficients: allocating 2 x 4096 doubles per window would churn a gateway's
     * small heap, and recomputing n cosines per window would be a large part of the FFT's own cost. The value
     * deliberately holds only JDK arrays, never a type of this bundle, so a pipeline thread that outlives a bundle
     * update cannot pin the old bundle's class loader through a stale thread-local entry.
     * Layout: [0] the FFT's {real, imaginary} pair (padded length), [1][0] the Hann window (window length).
     */
    private static final ThreadLocal<double[][][]> SCRATCH = ThreadLocal.withInitial(
            () -> new double[][][] {{new double[0], new double[0]}, {new double[0]}});

    private final int bands;
    private final List<String> names;

    @Activate
    public VibrationFeatures(Config config) {
        this(config.bands());
    }

    /**
     * For use outside OSGi (tests, benchmarks).
     *
     * @param bands number of spectral bands, 1..64
     * @throws IllegalArgumentException when {@code bands} is out of range
     */
    public VibrationFeatures(int bands) {
        if (bands < MIN_BANDS || bands > MAX_BANDS) {
            throw new IllegalArgumentException("vibration features: bands must be between " + MIN_BANDS + " and "
                    + MAX_BANDS + ", was " + bands + "; fix 'bands' in configuration " + PID);
        }
        this.bands = bands;
        List<String> n = new ArrayList<>(5 + bands);
        n.addAll(List.of("rms", "peak", "crest_factor", "kurtosis", "skewness"));
        for (int b = 0; b < bands; b++) {
            n.add("band_" + b);
        }
        // List.copyOf of an immutable list is a no-op, so every FeatureVector shares this one list.
        this.names = List.copyOf(n);
    }

    @Override
    public ChannelKind kind() {
        return ChannelKind.VIBRATION;
    }

    /** The names do not depend on the window: band edges are fractions of Nyquist, whatever the rate. */
    @Override
    public List<String> featureNames(int windowSize, double sampleRateHz) {
        return names;
    }

    @Override
    public FeatureVector extract(Window window) {
        final double[] x = window.samples();
        final int n = x.length;
        final int padded = nextPowerOfTwo(n);
        final double[][][] scratch = scratch(n, padded);
        final double[][] spectrum = scratch[0];
        final double[] re = spectrum[0];
        final double[] im = spectrum[1];
        final double[] hann = scratch[1][0];

        double sum = 0;
        double sumSquares = 0;
        double peak = 0;
        for (int i = 0; i < n; i++) {
            double v = x[i];
            sum += v;
            sumSquares += v * v;
            double a = Math.abs(v);
            if (a > peak) {
                peak = a;
            }
        }
        final double mean = sum / n;

        /*
         * Second pass: central moments, and the FFT input filled while the sample is at hand. The spectrum is of
         * the mean-removed signal because a DC offset (gravity on a MEMS axis, bias drifting with temperature) is
         * not vibration; left in, it would put a level-dependent share of the power into band_0 and shift every
         * other fraction with it.
         */
        double m2 = 0;
        double m3 = 0;
        double m4 = 0;
        for (int i = 0; i < n; i++) {
            double d = x[i] - mean;
            double d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
            re[i] = d * hann[i];
        }
        m2 /= n;
        m3 /= n;
        m4 /= n;
        Arrays.fill(re, n, padded, 0.0);
        Arrays.fill(im, 0.0);

        double[] values = new double[5 + bands];
        double rms = Math.sqrt(sumSquares / n);
        values[0] = rms;
        values[1] = peak;
        double threshold = ZERO_VARIANCE_RELATIVE * peak;
        // Written as a negation so that NaN moments (NaN or infinite input) take this branch and stay visible.
        if (!(m2 <= threshold * threshold)) {
            values[2] = peak / rms;
            values[3] = m4 / (m2 * m2);
            values[4] = m3 / (m2 * Math.sqrt(m2));
            bandFractions(spectrum, padded, values, 5);
        }
        // else: no variance; shape and band features stay 0 as documented on the class.
        return new FeatureVector(names, values);
    }

    /*
     * Fractions rather than absolute band powers: absolute powers scale with the square of the amplitude, so they
     * duplicate what rms already says, are heavy-tailed (bad for z-scores against a baseline) and move with sensor
     * sensitivity and machine load. Fractions are bounded in [0, 1] and change only when the spectral shape
     * changes - a new tone, a resonance excited by impacts - which is what the bands are for. The FFT's
     * normalisation and the Hann window's gain cancel out of a ratio as well.
     */
    private void bandFractions(double[][] spectrum, int padded, double[] out, int offset) {
        final double[] re = spectrum[0];
        final double[] im = spectrum[1];
        FastFourierTransformer.transformInPlace(spectrum, DftNormalization.STANDARD, TransformType.FORWARD);

        // One-sided spectrum of a real signal: bins 0..half; every bin but DC and Nyquist stands for two.
        final int half = padded / 2;
        double total = 0;
        for (int b = 0; b < bands; b++) {
            // Bin k lies at k/half of Nyquist, so band b holds the bins with b <= k * bands / half < b + 1.
            int from = ceilDiv((long) b * half, bands);
            int to = b == bands - 1 ? half + 1 : ceilDiv((long) (b + 1) * half, bands);
            double power = 0;
            for (int k = from; k < to; k++) {
                double p = re[k] * re[k] + im[k] * im[k];
                power += (k == 0 || k == half) ? p : 2 * p;
            }
            out[offset + b] = power;
            total += power;
        }
        if (total > 0) {
            for (int b = 0; b < bands; b++) {
                out[offset + b] /= total;
            }
        } else if (total == 0) {
            // All the variance sat where the Hann window is zero (the first sample): no spectral shape to report.
            Arrays.fill(out, offset, offset + bands, 0.0);
        }
        // else NaN total: the NaN stays visible in the fractions.
    }

    private static double[][][] scratch(int n, int padded) {
        double[][][] s = SCRATCH.get();
        if (s[0][0].length != padded) {
            s[0][0] = new double[padded];
            s[0][1] = new double[padded];
        }
        if (s[1][0].length != n) {
            s[1][0] = hann(n);
        }
        return s;
    }

    /*
     * Periodic Hann (denominator n, not n - 1): the DFT-even form meant for spectral analysis; the symmetric form
     * is for FIR filter design and widens the main lobe slightly for nothing here.
     */
    private static double[] hann(int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / n);
        }
        return w;
    }

    static int nextPowerOfTwo(int n) {
        int p = Integer.highestOneBit(n);
        return p == n ? n : p << 1;
    }

    private static int ceilDiv(long a, int b) {
        return (int) ((a + b - 1) / b);
    }
}
