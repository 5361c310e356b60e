package io.vigil.driver.replay.internal;

import java.util.Locale;

/**
 * Integer-factor decimation with an anti-alias low-pass, e.g. 48 kHz to 12 kHz for the CWRU normal recording so
 * that it matches the 12 kHz fault recordings and the pipeline's rate (docs/tier0-detection.md).
 *
 * <p>The low-pass is a Blackman-windowed sinc of {@code 64 * factor - 1} taps (255 for a factor of 4), unit gain at
 * DC, with its -6 dB point by default at 5/6 of the output Nyquist frequency (5 kHz for 48 to 12 kHz); it is
 * evaluated only at the kept samples. Averaging groups of samples would be simpler but is a poor low-pass (-3.7 dB at
 * the new Nyquist for a factor of 4), and what it lets fold back lands straight in the band features. This filter is
 * flat within 0.01 dB up to 11/15 of the output Nyquist (4.4 kHz) and below -80 dB from 13/12 of it (6.5 kHz), so
 * nothing that folds onto 0-5.5 kHz survives; the price is that the top of the new band (5.25-6 kHz) is all but
 * empty afterwards.
 *
 * <p>Only outputs with the filter's full support are produced: {@code n} input samples give
 * {@code (n - taps) / factor + 1}. A factor of 1 is the identity (a single unit tap). Instances are immutable and
 * thread-safe. Used by the replay driver's {@code decimate} option, by the model training in {@code models/} and by
 * CwruCalibrationTest, which must all decimate alike.
 */
public final class Decimator {

    /** Largest factor accepted: 4095 taps. */
    public static final int MAX_FACTOR = 64;
    private static final int TAPS_PER_FACTOR = 64;

    private final int factor;
    private final double inputRateHz;
    private final double cutoffHz;
    private final double[] taps;

    /**
     * A decimator with the default cutoff, {@link #defaultCutoffHz(int, double)}.
     *
     * @throws IllegalArgumentException if {@code factor} is not 1 to {@link #MAX_FACTOR} or the rate is not a
     *         positive finite number
     */
    public Decimator(int factor, double inputRateHz) {
        this(factor, inputRateHz, checkedDefaultCutoff(factor, inputRateHz));
    }

    /**
     * A decimator whose low-pass has its -6 dB point at {@code cutoffHz} instead of the default: for measuring how
     * much a result depends on the anti-alias filter. Ignored for a factor of 1.
     *
     * @throws IllegalArgumentException if {@code factor} is not 1 to {@link #MAX_FACTOR}, the rate is not a positive
     *         finite number or the cutoff does not lie strictly between 0 and half the input rate
     */
    public Decimator(int factor, double inputRateHz, double cutoffHz) {
        check(factor, inputRateHz);
        if (factor > 1 && !(cutoffHz > 0 && cutoffHz < inputRateHz / 2)) {
            throw new IllegalArgumentException("decimation cutoff " + cutoffHz + " Hz must lie between 0 and half "
                    + "the input rate (" + inputRateHz / 2 + " Hz)");
        }
        this.factor = factor;
        this.inputRateHz = inputRateHz;
        this.cutoffHz = factor == 1 ? inputRateHz / 2 : cutoffHz;
        this.taps = factor == 1 ? new double[] { 1.0 }
                : blackmanSinc(TAPS_PER_FACTOR * factor - 1, cutoffHz, inputRateHz);
    }

    /** @return the default -6 dB point: 5/6 of the output Nyquist frequency, 5 kHz for 48 kHz by 4 */
    public static double defaultCutoffHz(int factor, double inputRateHz) {
        return inputRateHz * 5 / (12.0 * factor);
    }

    private static double checkedDefaultCutoff(int factor, double inputRateHz) {
        check(factor, inputRateHz);
        return defaultCutoffHz(factor, inputRateHz);
    }

    private static void check(int factor, double inputRateHz) {
        if (factor < 1 || factor > MAX_FACTOR) {
            throw new IllegalArgumentException("decimation factor " + factor + " is not allowed; use 1 (none) to "
                    + MAX_FACTOR + ", e.g. 4 for 48 kHz -> 12 kHz");
        }
        if (!(inputRateHz > 0) || Double.isInfinite(inputRateHz)) {
            throw new IllegalArgumentException("decimation input rate " + inputRateHz + " Hz must be a positive rate");
        }
    }

    public int factor() {
        return factor;
    }

    public double inputRateHz() {
        return inputRateHz;
    }

    public double outputRateHz() {
        return inputRateHz / factor;
    }

    public double cutoffHz() {
        return cutoffHz;
    }

    /** @return the number of filter taps: the fewest input samples that give one output sample */
    public int taps() {
        return taps.length;
    }

    /** @return how many samples {@link #decimate(double[])} makes of {@code inputLength}; 0 if too few */
    public int outputLength(int inputLength) {
        return inputLength < taps.length ? 0 : (inputLength - taps.length) / factor + 1;
    }

    /**
     * @return the low-passed signal at {@code 1 / factor} of the rate; only outputs with the filter's full support,
     *         so the result has {@code (n - taps()) / factor + 1} samples (a copy of {@code x} for a factor of 1)
     * @throws IllegalArgumentException if {@code x} is shorter than {@link #taps()}
     */
    public double[] decimate(double[] x) {
        if (x.length < taps.length) {
            throw new IllegalArgumentException("decimation by " + factor + " needs at least " + taps.length
                    + " samples, got " + x.length);
        }
        double[] y = new double[outputLength(x.length)];
        for (int m = 0; m < y.length; m++) {
            int offset = m * factor;
            double sum = 0;
            for (int k = 0; k < taps.length; k++) {
                sum += taps[k] * x[offset + k];
            }
            y[m] = sum;
        }
        return y;
    }

    /** Gain of the low-pass at {@code hz} (at the input rate), in dB. */
    public double gainDb(double hz) {
        double re = 0;
        double im = 0;
        for (int k = 0; k < taps.length; k++) {
            double phase = 2 * Math.PI * hz * k / inputRateHz;
            re += taps[k] * Math.cos(phase);
            im -= taps[k] * Math.sin(phase);
        }
        return 10 * Math.log10(re * re + im * im);
    }

    /**
     * Checks the filter does what the band features rely on: ripple below 0.01 dB up to 11/15 of the output Nyquist
     * (4.4 kHz for 48 kHz by 4), and below -80 dB from 13/12 of it (6.5 kHz), for everything that would fold onto
     * the lower 11/12 of the new band. Holds for the default cutoff; nothing to check for a factor of 1.
     *
     * @throws IllegalStateException if it does not
     */
    public void verify() {
        if (factor == 1) {
            return;
        }
        double out = outputRateHz();
        double passEdge = out * 11 / 30;
        double stopEdge = out * 13 / 24;
        double step = inputRateHz / 4_800;
        double ripple = 0;
        for (double f = 0; f <= passEdge; f += step) {
            ripple = Math.max(ripple, Math.abs(gainDb(f)));
        }
        double stop = Double.NEGATIVE_INFINITY;
        for (double f = stopEdge; f <= inputRateHz / 2; f += step) {
            stop = Math.max(stop, gainDb(f));
        }
        if (!(ripple < 0.01) || !(stop < -80)) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "decimation filter out of spec: pass-band ripple %.4f dB (want < 0.01 up to %.0f Hz), stop band "
                            + "%.1f dB (want < -80 from %.0f Hz)", ripple, passEdge, stop, stopEdge));
        }
    }

    private static double[] blackmanSinc(int n, double cutoffHz, double rateHz) {
        double fc = cutoffHz / rateHz;
        int mid = (n - 1) / 2;
        double[] h = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int k = i - mid;
            double sinc = k == 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * k) / (Math.PI * k);
            double phase = 2 * Math.PI * i / (n - 1);
            h[i] = sinc * (0.42 - 0.5 * Math.cos(phase) + 0.08 * Math.cos(2 * phase));
            sum += h[i];
        }
        // unit gain at DC, so the decimated signal keeps the level the features (rms, peak) read
        for (int i = 0; i < n; i++) {
            h[i] /= sum;
        }
        return h;
    }

    @Override
    public String toString() {
        return "Decimator[" + factor + ", " + inputRateHz + " Hz -> " + outputRateHz() + " Hz, cutoff " + cutoffHz
                + " Hz, " + taps.length + " taps]";
    }
}
