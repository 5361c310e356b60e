package io.vigil.bench;

import java.util.Random;

import io.vigil.api.feature.Window;

/**
 * A synthetic accelerometer window from a motor-driven pump with an early outer-race bearing defect, so that the
 * benchmarks run on data with the spectral content and impulsiveness of the real thing rather than on zeros or
 * white noise (which would not change the FFT's cost, but would hide a data-dependent slow path if one crept in).
 */
final class VibrationSignal {

    static final double SAMPLE_RATE_HZ = 12_000;

    private static final double SHAFT_HZ = 1780 / 60.0;
    private static final double GEAR_MESH_HZ = 23 * SHAFT_HZ;
    private static final double BEARING_DEFECT_HZ = 3.58 * SHAFT_HZ;
    private static final double RESONANCE_HZ = 3200;
    private static final double RESONANCE_DECAY_S = 0.8e-3;

    private VibrationSignal() {
    }

    /** @return a window of {@code n} samples in g, the same for the same {@code seed} */
    static Window window(int n, long seed) {
        Random random = new Random(seed);
        double[] phase = new double[4];
        for (int i = 0; i < phase.length; i++) {
            phase[i] = 2 * Math.PI * random.nextDouble();
        }
        double impactPeriod = 1 / BEARING_DEFECT_HZ;
        double firstImpact = impactPeriod * random.nextDouble();
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double t = i / SAMPLE_RATE_HZ;
            double v = 0.60 * Math.sin(2 * Math.PI * SHAFT_HZ * t + phase[0])
                    + 0.25 * Math.sin(2 * Math.PI * 2 * SHAFT_HZ * t + phase[1])
                    + 0.10 * Math.sin(2 * Math.PI * 3 * SHAFT_HZ * t + phase[2])
                    + 0.15 * Math.sin(2 * Math.PI * GEAR_MESH_HZ * t + phase[3])
                    + 0.05 * random.nextGaussian();
            // Each rolling element hitting the defect rings the housing's resonance for about a millisecond.
            double sinceImpact = t < firstImpact ? -1 : (t - firstImpact) % impactPeriod;
            if (sinceImpact >= 0) {
                v += 1.2 * Math.exp(-sinceImpact / RESONANCE_DECAY_S)
                        * Math.sin(2 * Math.PI * RESONANCE_HZ * sinceImpact);
            }
            x[i] = v;
        }
        return new Window("bench-pump", "de-radial", 0, 0, SAMPLE_RATE_HZ, x);
    }
}
