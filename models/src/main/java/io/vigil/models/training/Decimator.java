package io.vigil.models.training;

/**
 * 48 kHz to 12 kHz for the CWRU normal recording, so that it matches the 12 kHz fault recordings and the pipeline's
 * rate. Same design as the decimator in CwruCalibrationTest (docs/tier0-detection.md): a 255-tap Blackman
 * windowed-sinc low-pass with -6 dB at 5 kHz, evaluated only at every 4th output sample. Averaging groups of four
 * would be simpler but is a poor low-pass (-3.7 dB at the new Nyquist), and what it lets fold back lands straight in
 * the band features the models read.
 */
final class Decimator {

    static final int FACTOR = 4;
    static final double INPUT_RATE_HZ = 48_000;
    static final int TAPS = 255;
    static final double CUTOFF_HZ = 5_000;

    private final double[] taps;

    Decimator() {
        this(CUTOFF_HZ);
    }

    /** For measuring how much the models depend on the anti-alias filter; the data set uses {@link #CUTOFF_HZ}. */
    Decimator(double cutoffHz) {
        taps = blackmanSinc(TAPS, cutoffHz, INPUT_RATE_HZ);
    }

    /**
     * @return the low-passed signal at a quarter of the rate; only outputs with the filter's full support, so the
     *         result has {@code (n - TAPS) / FACTOR + 1} samples
     */
    double[] decimate(double[] x) {
        if (x.length < TAPS) {
            throw new IllegalArgumentException("decimation needs at least " + TAPS + " samples, got " + x.length);
        }
        double[] y = new double[(x.length - TAPS) / FACTOR + 1];
        for (int m = 0; m < y.length; m++) {
            int offset = m * FACTOR;
            double sum = 0;
            for (int k = 0; k < TAPS; k++) {
                sum += taps[k] * x[offset + k];
            }
            y[m] = sum;
        }
        return y;
    }

    /** Gain of the low-pass at {@code hz} (at the input rate), in dB. */
    double gainDb(double hz) {
        double re = 0;
        double im = 0;
        for (int k = 0; k < taps.length; k++) {
            double phase = 2 * Math.PI * hz * k / INPUT_RATE_HZ;
            re += taps[k] * Math.cos(phase);
            im -= taps[k] * Math.sin(phase);
        }
        return 10 * Math.log10(re * re + im * im);
    }

    /**
     * Checks the filter does what the models rely on: flat where the features look (the bands up to 4.5 kHz), and
     * deep in the stop band for everything that would fold onto 0-5.5 kHz.
     *
     * @throws IllegalStateException if it does not
     */
    void verify() {
        double ripple = 0;
        for (double f = 0; f <= 4_400; f += 10) {
            ripple = Math.max(ripple, Math.abs(gainDb(f)));
        }
        double stop = Double.NEGATIVE_INFINITY;
        for (double f = 6_500; f <= INPUT_RATE_HZ / 2; f += 10) {
            stop = Math.max(stop, gainDb(f));
        }
        if (!(ripple < 0.01) || !(stop < -80)) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                    "decimation filter out of spec: pass-band ripple %.4f dB (want < 0.01 up to 4.4 kHz), stop band "
                            + "%.1f dB (want < -80 from 6.5 kHz)", ripple, stop));
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
}
