package io.vigil.driver.sim.internal;

import java.util.Objects;

/**
 * Vibration and temperature of a simulated motor-driven machine with one rolling-element bearing.
 *
 * <p>Both signals are pure functions of the settings and the time since the machine started: every random draw
 * is a hash of (seed, stream, counter) rather than the next value of a stateful generator. A sample therefore does
 * not depend on how the stream was cut into blocks, in which order blocks were produced, or whether the settings
 * were swapped for new ones in between, which is what lets the driver apply configuration changes live without
 * resetting its sample clock. Instances are immutable and thread-safe.
 *
 * <p>Vibration model (unit g): shaft harmonics at 1x, 2x and 3x of the shaft frequency, white Gaussian noise and,
 * while a fault is active, a train of impulses at the defect frequency, each ringing a damped structural resonance.
 * Impulse times jitter by a small fraction of the defect period, as rolling elements slip in a real bearing; this
 * smears the high harmonics of the defect frequency as in measured spectra, while the envelope spectrum keeps a
 * clear line at the defect frequency itself.
 */
public final class MachineSignal {

    /**
     * Everything the signal depends on, in SI units except where the name says otherwise. Validation messages name
     * the driver's configuration keys, since that is where the values come from.
     *
     * @param vibrationRateHz vibration sample rate
     * @param shaftRpm shaft speed
     * @param harmonic1xG amplitude (peak) of the 1x shaft harmonic
     * @param harmonic2xG amplitude (peak) of the 2x shaft harmonic
     * @param harmonic3xG amplitude (peak) of the 3x shaft harmonic
     * @param noiseG RMS of the broadband noise
     * @param bearing bearing geometry
     * @param resonanceHz frequency of the structural resonance the impacts excite
     * @param resonanceDecayS time for the ringing to fall to 1/e
     * @param faultType which element is damaged
     * @param faultSeverity 0 (none) to 1 (severe): scales impulse amplitude and temperature rise
     * @param faultImpulseG impulse amplitude at severity 1
     * @param faultJitter standard deviation of impulse timing as a fraction of the defect period
     * @param faultStartS seconds since start at which the fault appears, negative for never
     * @param faultEndS seconds since start at which the fault disappears; at or before the start for never
     * @param temperatureBaseC mean temperature of a healthy machine
     * @param temperatureDriftC amplitude of the slow sinusoidal drift
     * @param temperatureDriftPeriodS period of the drift
     * @param temperatureNoiseC standard deviation of the sensor noise
     * @param temperatureFaultRiseC settled temperature rise at severity 1
     * @param temperatureFaultTauS time constant of the rise after fault start (and of the cooling after fault end)
     * @param seed selects the noise, phases and jitter; equal settings and seed give equal signals
     */
    public record Settings(double vibrationRateHz, double shaftRpm, double harmonic1xG, double harmonic2xG,
            double harmonic3xG, double noiseG, Bearing bearing, double resonanceHz, double resonanceDecayS,
            FaultType faultType, double faultSeverity, double faultImpulseG, double faultJitter, double faultStartS,
            double faultEndS, double temperatureBaseC, double temperatureDriftC, double temperatureDriftPeriodS,
            double temperatureNoiseC, double temperatureFaultRiseC, double temperatureFaultTauS, long seed) {

        public Settings {
            Objects.requireNonNull(bearing, "bearing");
            Objects.requireNonNull(faultType, "faultType");
            range("vibration.rate.hz", vibrationRateHz, 1000, 100_000,
                    "set the sample rate of the accelerometer to simulate (12000 matches the CWRU drive-end recordings)");
            range("shaft.rpm", shaftRpm, 1, 60_000, "set the machine's running speed in revolutions per minute");
            range("harmonic.1x.g", harmonic1xG, 0, 20, "use 0 to leave the harmonic out");
            range("harmonic.2x.g", harmonic2xG, 0, 20, "use 0 to leave the harmonic out");
            range("harmonic.3x.g", harmonic3xG, 0, 20, "use 0 to leave the harmonic out");
            range("noise.g", noiseG, 0, 10, "use 0 for a noise-free signal");
            range("resonance.decay.ms", resonanceDecayS * 1e3, 0.01, 1000,
                    "structural resonances ring for a fraction of a millisecond to a few milliseconds");
            double nyquist = vibrationRateHz / 2;
            if (!(resonanceHz > 0 && resonanceHz < nyquist)) {
                throw new IllegalArgumentException("resonance.hz must be above 0 and below half the vibration rate ("
                        + nyquist + " Hz), was " + resonanceHz + ": lower it or raise vibration.rate.hz");
            }
            if (3 * shaftRpm / 60 >= nyquist) {
                throw new IllegalArgumentException("shaft.rpm " + shaftRpm + " puts the 3x harmonic at or above half"
                        + " the vibration rate (" + nyquist + " Hz): lower the speed or raise vibration.rate.hz");
            }
            range("fault.severity", faultSeverity, 0, 1, "0 is a healthy bearing, 1 a severe spall");
            range("fault.impulse.g", faultImpulseG, 0, 40,
                    "keep it below 40 g so faulty samples stay within the channel's valid range of +/-50 g");
            range("fault.jitter.percent", faultJitter * 100, 0, 10, "1 to 2 % is typical of rolling-element slip");
            finite("fault.start.s", faultStartS);
            finite("fault.end.s", faultEndS);
            range("temperature.base.degc", temperatureBaseC, -40, 150, "stay within the channel's valid range");
            range("temperature.drift.degc", temperatureDriftC, 0, 50, "use 0 for a constant temperature");
            range("temperature.drift.period.s", temperatureDriftPeriodS, 1, 1e7, "use e.g. 3600 for an hourly cycle");
            range("temperature.noise.degc", temperatureNoiseC, 0, 10, "use 0 for a noise-free temperature");
            range("temperature.fault.rise.degc", temperatureFaultRiseC, 0, 100, "use 0 for no thermal effect");
            range("temperature.fault.tau.s", temperatureFaultTauS, 1, 1e6,
                    "bearing housings heat up over minutes to tens of minutes");
        }

        private static void range(String key, double value, double min, double max, String hint) {
            if (!(value >= min && value <= max)) {
                throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", was " + value
                        + ": " + hint);
            }
        }

        private static void finite(String key, double value) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException(key + " must be a finite number of seconds, was " + value);
            }
        }

        /** @return shaft rotation frequency in Hz */
        public double shaftHz() {
            return shaftRpm / 60;
        }

        /** @return whether a fault is configured at all (it may still lie in the past or future) */
        public boolean hasFault() {
            return faultType != FaultType.NONE && faultSeverity > 0 && faultStartS >= 0;
        }

        /** @return whether the fault never ends */
        public boolean faultEndless() {
            return faultEndS <= faultStartS;
        }

        /** @return whether the fault is active {@code t} seconds after the machine started */
        public boolean faultActiveAt(double t) {
            return hasFault() && t >= faultStartS && (faultEndless() || t < faultEndS);
        }

        /** @return impulse rate of the configured fault in Hz, 0 without a fault */
        public double defectHz() {
            return switch (faultType) {
                case NONE -> 0;
                case OUTER_RACE -> bearing.bpfoHz(shaftHz());
                case INNER_RACE -> bearing.bpfiHz(shaftHz());
                case BALL -> 2 * bearing.bsfHz(shaftHz());
            };
        }
    }

    /**
     * Depth of the once-per-revolution (inner race) or once-per-cage-turn (ball) amplitude modulation. A defect
     * that rotates passes through the load zone and back; at 0.5 it still strikes outside the zone, as measured
     * envelopes show, and produces the familiar sidebands at the modulation rate around the defect line.
     */
    private static final double MODULATION_DEPTH = 0.5;

    /** Ringing is cut off once it has decayed below e^-12 (6 ppm) of the impulse amplitude. */
    private static final double RINGING_TIME_CONSTANTS = 12;

    /** Jitter draws are clipped so consecutive impulses can never swap order. */
    private static final double JITTER_CLIP_SIGMAS = 3;

    private static final double TWO_PI = 2 * Math.PI;
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final Settings settings;
    private final double shaftHz;
    private final double[] harmonicG;
    private final double[] harmonicPhase;
    private final long noiseKey;
    private final long jitterKey;
    private final long temperatureKey;

    private final double defectHz;
    private final double modulationHz;
    private final double impulseG;
    private final double jitterSdS;
    private final double ringingS;

    public MachineSignal(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        shaftHz = settings.shaftHz();
        harmonicG = new double[] { settings.harmonic1xG(), settings.harmonic2xG(), settings.harmonic3xG() };

        long seed = settings.seed();
        noiseKey = mix(seed ^ 0x6E6F697365L);
        jitterKey = mix(seed ^ 0x6A6974746572L);
        temperatureKey = mix(seed ^ 0x74656D70L);
        // Random but fixed phases: real harmonics are not phase-locked to t = 0, and a fixed phase set keeps the
        // waveform, hence its crest factor, the same for a given seed.
        long phaseKey = mix(seed ^ 0x7068617365L);
        harmonicPhase = new double[harmonicG.length];
        for (int h = 0; h < harmonicPhase.length; h++) {
            harmonicPhase[h] = TWO_PI * uniform(phaseKey, h);
        }

        defectHz = settings.defectHz();
        modulationHz = switch (settings.faultType()) {
            case INNER_RACE -> shaftHz;
            case BALL -> settings.bearing().ftfHz(shaftHz);
            default -> 0;
        };
        impulseG = settings.faultSeverity() * settings.faultImpulseG();
        jitterSdS = defectHz > 0 ? settings.faultJitter() / defectHz : 0;
        ringingS = RINGING_TIME_CONSTANTS * settings.resonanceDecayS();
    }

    /** @return the settings this signal was made from */
    public Settings settings() {
        return settings;
    }

    /**
     * Writes vibration samples {@code firstSampleIndex .. firstSampleIndex + out.length - 1}, sample {@code n}
     * being taken {@code n / vibrationRateHz} seconds after the machine started.
     */
    public void fillVibration(long firstSampleIndex, double[] out) {
        if (firstSampleIndex < 0) {
            throw new IllegalArgumentException("firstSampleIndex must be >= 0, was " + firstSampleIndex);
        }
        double rate = settings.vibrationRateHz();
        double noiseG = settings.noiseG();
        for (int i = 0; i < out.length; i++) {
            long n = firstSampleIndex + i;
            double t = n / rate;
            double x = 0;
            for (int h = 0; h < harmonicG.length; h++) {
                if (harmonicG[h] != 0) {
                    x += harmonicG[h] * Math.sin(TWO_PI * (h + 1) * shaftHz * t + harmonicPhase[h]);
                }
            }
            if (noiseG != 0) {
                x += noiseG * gaussian(noiseKey, n);
            }
            out[i] = x;
        }
        if (impulseG > 0) {
            addImpulses(firstSampleIndex, out);
        }
    }

    /**
     * Adds the ringing of every impulse that reaches into the block. Impulse {@code k} is nominally due at
     * {@code k / defectHz} on a grid anchored at t = 0, so the impulse train is the same whichever block asks.
     */
    private void addImpulses(long firstSampleIndex, double[] out) {
        double rate = settings.vibrationRateHz();
        long lastSampleIndex = firstSampleIndex + out.length - 1;
        double maxJitterS = JITTER_CLIP_SIGMAS * jitterSdS;
        double from = Math.max(firstSampleIndex / rate - ringingS - maxJitterS, settings.faultStartS());
        double to = lastSampleIndex / rate + maxJitterS;
        long kFirst = (long) Math.ceil(from * defectHz);
        long kLast = (long) Math.floor(to * defectHz);
        double omega = TWO_PI * settings.resonanceHz();
        double decayS = settings.resonanceDecayS();
        for (long k = kFirst; k <= kLast; k++) {
            double nominal = k / defectHz;
            if (!settings.faultActiveAt(nominal)) {
                continue;
            }
            double jitter = Math.max(-JITTER_CLIP_SIGMAS, Math.min(JITTER_CLIP_SIGMAS, gaussian(jitterKey, k)));
            double tk = nominal + jitter * jitterSdS;
            double amplitude = impulseG;
            if (modulationHz > 0) {
                amplitude *= 1 + MODULATION_DEPTH * Math.cos(TWO_PI * modulationHz * tk);
            }
            long nFrom = Math.max(firstSampleIndex, (long) Math.ceil(tk * rate));
            long nTo = Math.min(lastSampleIndex, (long) Math.floor((tk + ringingS) * rate));
            for (long n = nFrom; n <= nTo; n++) {
                double tau = n / rate - tk;
                out[(int) (n - firstSampleIndex)] += amplitude * Math.exp(-tau / decayS) * Math.sin(omega * tau);
            }
        }
    }

    /** @return the temperature in degC {@code tSeconds} after the machine started */
    public double temperature(double tSeconds) {
        double drift = settings.temperatureDriftC() * Math.sin(TWO_PI * tSeconds / settings.temperatureDriftPeriodS());
        double noise = settings.temperatureNoiseC() == 0 ? 0
                : settings.temperatureNoiseC() * gaussian(temperatureKey, Double.doubleToLongBits(tSeconds));
        return settings.temperatureBaseC() + drift + noise + faultHeating(tSeconds);
    }

    /**
     * First-order heating from fault start towards severity x rise, and cooling with the same time constant after
     * the fault ends, so the temperature stays continuous when a fault is switched off.
     */
    private double faultHeating(double t) {
        if (!settings.hasFault() || t <= settings.faultStartS()) {
            return 0;
        }
        double settled = settings.faultSeverity() * settings.temperatureFaultRiseC();
        double tau = settings.temperatureFaultTauS();
        double start = settings.faultStartS();
        if (settings.faultEndless() || t < settings.faultEndS()) {
            return settled * -Math.expm1(-(t - start) / tau);
        }
        double end = settings.faultEndS();
        return settled * -Math.expm1(-(end - start) / tau) * Math.exp(-(t - end) / tau);
    }

    /** Standard normal draw number {@code counter} of the stream keyed {@code key} (Box-Muller on two uniforms). */
    private static double gaussian(long key, long counter) {
        double u1 = uniform(key, 2 * counter);
        double u2 = uniform(key, 2 * counter + 1);
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(TWO_PI * u2);
    }

    /** Uniform draw in the open interval (0, 1): SplitMix64 evaluated at an arbitrary position of its sequence. */
    private static double uniform(long key, long counter) {
        long bits = mix(key + counter * GOLDEN_GAMMA);
        return ((bits >>> 11) + 0.5) * 0x1.0p-53;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
