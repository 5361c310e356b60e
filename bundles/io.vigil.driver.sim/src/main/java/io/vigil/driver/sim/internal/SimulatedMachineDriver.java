package io.vigil.driver.sim.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.ChannelSpec;
import io.vigil.api.sensor.SampleBlock;
import io.vigil.api.sensor.SampleListener;
import io.vigil.api.sensor.SensorDriver;
import io.vigil.api.sensor.Subscription;

/**
 * A simulated rotating machine, one per factory configuration: a {@value #VIBRATION} channel and a
 * {@value #TEMPERATURE} channel computed by {@link MachineSignal}, delivered at real-time pace.
 *
 * <p>The sample clock is the truth: sample {@code i} is stamped activation time + {@code i * 1e9 / rate} and
 * delivered once the wall clock has passed it. If the emitter thread is held up (GC pause, overloaded gateway) it
 * catches up by emitting every missing block at once, so listeners see no gap, only a late burst.
 *
 * <p>Every attribute can be changed on a running machine and applies from the next block on, without restarting the
 * component or the sample clock. Faults, noise, speed and temperature settings simply change the signal. A new
 * vibration or temperature rate starts a new clock segment exactly where the next sample was due, so timestamps
 * stay contiguous and each block carries the rate it was sampled at. A new asset id relabels the following blocks;
 * SCR updates the {@value SensorDriver#ASSET} service property at the same moment, so consumers that key on it must
 * handle a modified service reference.
 */
@Component(name = SimulatedMachineDriver.PID, configurationPid = SimulatedMachineDriver.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, service = SensorDriver.class)
@Designate(ocd = SimulatedMachineDriver.Config.class, factory = true)
public final class SimulatedMachineDriver implements SensorDriver {

    public static final String PID = "io.vigil.driver.sim";
    public static final String VIBRATION = "vibration";
    public static final String TEMPERATURE = "temperature";
    /** The emitter thread is named this plus the asset id, so a leaked thread points at its machine. */
    public static final String THREAD_NAME_PREFIX = "vigil-sim-";

    static final double VIBRATION_MIN_VALID_G = -50;
    static final double VIBRATION_MAX_VALID_G = 50;
    static final double TEMPERATURE_MIN_VALID_C = -40;
    static final double TEMPERATURE_MAX_VALID_C = 150;

    @ObjectClassDefinition(id = SimulatedMachineDriver.PID, name = "Vigil simulated rotating machine",
            description = "A simulated motor-driven machine with a deep-groove ball bearing, for commissioning and"
                    + " demonstrations without sensors. Each configuration is one machine (one asset) delivering a"
                    + " vibration channel in g and a temperature channel in degC. Bearing faults can be switched on"
                    + " while it runs to exercise detection and alerting. Defaults reproduce the CWRU bearing test rig"
                    + " (SKF 6205-2RS at 1797 rpm, 12 kHz). Every setting applies live from the next block.")
    @interface Config {

        @AttributeDefinition(name = "Asset id",
                description = "Identifier of the simulated machine, e.g. 'pump-07'. Every sample, feature and alert"
                        + " carries it, so it must be unique on the gateway. Required.")
        String vigil_asset();

        @AttributeDefinition(name = "Vibration sample rate (Hz)", min = "1000", max = "100000",
                description = "Samples per second of the simulated accelerometer. Must be above twice the"
                        + " resonance frequency.")
        double vibration_rate_hz() default 12000;

        @AttributeDefinition(name = "Vibration block size", min = "16", max = "65536",
                description = "Vibration samples delivered together. Larger blocks cost less CPU but add latency:"
                        + " 256 samples at 12 kHz is a block every 21 ms.")
        int vibration_block_size() default 256;

        @AttributeDefinition(name = "Shaft speed (rpm)", min = "1", max = "60000",
                description = "Running speed. The shaft harmonics and all bearing defect frequencies scale with it.")
        double shaft_rpm() default 1797;

        @AttributeDefinition(name = "1x harmonic (g)", min = "0", max = "20",
                description = "Peak amplitude at running speed, as residual unbalance produces it.")
        double harmonic_1x_g() default 0.04;

        @AttributeDefinition(name = "2x harmonic (g)", min = "0", max = "20",
                description = "Peak amplitude at twice running speed, as misalignment produces it.")
        double harmonic_2x_g() default 0.02;

        @AttributeDefinition(name = "3x harmonic (g)", min = "0", max = "20",
                description = "Peak amplitude at three times running speed, as looseness produces it.")
        double harmonic_3x_g() default 0.01;

        @AttributeDefinition(name = "Broadband noise (g RMS)", min = "0", max = "10",
                description = "Random vibration from flow, gears and the sensor itself. With the default harmonics a"
                        + " healthy machine reads about 0.06 g RMS with a kurtosis near 3.")
        double noise_g() default 0.05;

        @AttributeDefinition(name = "Bearing: number of balls", min = "3", max = "100",
                description = "Rolling elements in the monitored bearing (9 for an SKF 6205).")
        int bearing_balls() default 9;

        @AttributeDefinition(name = "Bearing: ball diameter (mm)",
                description = "Rolling-element diameter from the bearing data sheet (7.94 mm for an SKF 6205).")
        double bearing_ball_diameter_mm() default 7.94;

        @AttributeDefinition(name = "Bearing: pitch diameter (mm)",
                description = "Diameter of the circle through the ball centres (39.04 mm for an SKF 6205); about"
                        + " (bore + outside diameter) / 2 when the data sheet does not give it.")
        double bearing_pitch_diameter_mm() default 39.04;

        @AttributeDefinition(name = "Bearing: contact angle (deg)", min = "0", max = "59",
                description = "0 for deep-groove ball bearings under radial load, 15 to 40 for angular-contact ones.")
        double bearing_contact_angle_deg() default 0;

        @AttributeDefinition(name = "Structural resonance (Hz)",
                description = "Natural frequency of the housing that each defect impact makes ring; it is where an"
                        + " envelope analysis band should sit. Must be below half the vibration sample rate.")
        double resonance_hz() default 3000;

        @AttributeDefinition(name = "Resonance decay (ms)", min = "0.01", max = "1000",
                description = "Time for the ringing after an impact to fall to 37 %. Shorter makes the signal more"
                        + " impulsive (higher kurtosis).")
        double resonance_decay_ms() default 1.0;

        @AttributeDefinition(name = "Fault type",
                description = "Which bearing part is damaged. Each repeats its impacts at its own defect frequency"
                        + " (BPFO, BPFI or twice the ball spin frequency), computed from the bearing geometry and"
                        + " shaft speed.",
                options = {
                        @Option(value = "NONE", label = "None (healthy)"),
                        @Option(value = "OUTER_RACE", label = "Outer race (impacts at BPFO)"),
                        @Option(value = "INNER_RACE", label = "Inner race (impacts at BPFI, modulated at shaft speed)"),
                        @Option(value = "BALL", label = "Ball (impacts at 2 x BSF, modulated at cage speed)") })
        FaultType fault_type() default FaultType.NONE;

        @AttributeDefinition(name = "Fault severity (0..1)", min = "0", max = "1",
                description = "0 is no damage, 1 a severe spall. Scales the impact amplitude and the temperature"
                        + " rise.")
        double fault_severity() default 0.5;

        @AttributeDefinition(name = "Impact amplitude at severity 1 (g)", min = "0", max = "40",
                description = "Peak of the ringing each impact causes on a severely damaged bearing.")
        double fault_impulse_g() default 3.0;

        @AttributeDefinition(name = "Impact timing jitter (%)", min = "0", max = "10",
                description = "Random variation of the time between impacts, in % of the defect period, as balls"
                        + " slip in a real bearing. 1 to 2 % is typical.")
        double fault_jitter_percent() default 1.0;

        @AttributeDefinition(name = "Fault start (s)",
                description = "Seconds after the machine started at which the fault appears; negative for no fault."
                        + " Setting it at or below the current running time starts the fault at once.")
        double fault_start_s() default -1;

        @AttributeDefinition(name = "Fault end (s)",
                description = "Seconds after the machine started at which the fault disappears; at or before the"
                        + " fault start for a fault that never ends.")
        double fault_end_s() default 0;

        @AttributeDefinition(name = "Temperature sample rate (Hz)", min = "0.001", max = "100",
                description = "Temperature readings per second; each reading is delivered on its own.")
        double temperature_rate_hz() default 1.0;

        @AttributeDefinition(name = "Temperature: base (degC)", min = "-40", max = "150",
                description = "Bearing housing temperature of the healthy machine.")
        double temperature_base_degc() default 45;

        @AttributeDefinition(name = "Temperature: drift amplitude (degC)", min = "0", max = "50",
                description = "Slow swing around the base temperature, as ambient and load change.")
        double temperature_drift_degc() default 2;

        @AttributeDefinition(name = "Temperature: drift period (s)", min = "1",
                description = "Duration of one full swing of the drift.")
        double temperature_drift_period_s() default 3600;

        @AttributeDefinition(name = "Temperature: noise (degC)", min = "0", max = "10",
                description = "Standard deviation of the sensor noise on each reading.")
        double temperature_noise_degc() default 0.05;

        @AttributeDefinition(name = "Temperature: fault rise at severity 1 (degC)", min = "0", max = "100",
                description = "How much warmer the housing settles with a severe fault; proportional to severity.")
        double temperature_fault_rise_degc() default 15;

        @AttributeDefinition(name = "Temperature: fault time constant (s)", min = "1",
                description = "Time for the temperature to reach 63 % of its rise after the fault starts, and to"
                        + " fall back by 63 % after it ends.")
        double temperature_fault_tau_s() default 300;

        @AttributeDefinition(name = "Random seed",
                description = "Selects the noise and impact jitter. Two machines with the same settings and seed"
                        + " produce identical signals; give each machine its own seed for independent ones.")
        long seed() default 1;
    }

    /** Everything derived from one configuration, swapped as a whole so a block never mixes two configurations. */
    private record Setup(String assetId, MachineSignal signal, int blockSize, double temperatureRateHz,
            List<ChannelSpec> channels) {

        static Setup of(Config config) {
            String assetId = config.vigil_asset();
            if (assetId == null || assetId.isBlank()) {
                throw new IllegalArgumentException("vigil.asset is " + (assetId == null ? "missing" : "blank ('"
                        + assetId + "')") + ": set it to the id of the simulated machine, e.g. 'pump-07'");
            }
            assetId = assetId.strip();
            int blockSize = config.vibration_block_size();
            if (blockSize < 16 || blockSize > 65536) {
                throw new IllegalArgumentException("vibration.block.size must be between 16 and 65536, was "
                        + blockSize + " for asset " + assetId + ": 256 suits most uses");
            }
            double temperatureRateHz = config.temperature_rate_hz();
            if (!(temperatureRateHz >= 0.001 && temperatureRateHz <= 100)) {
                throw new IllegalArgumentException("temperature.rate.hz must be between 0.001 and 100, was "
                        + temperatureRateHz + " for asset " + assetId + ": 1 reading per second suits most uses");
            }
            MachineSignal.Settings settings;
            try {
                settings = settingsOf(config);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("asset " + assetId + ": " + e.getMessage(), e);
            }
            List<ChannelSpec> channels = List.of(
                    new ChannelSpec(VIBRATION, ChannelKind.VIBRATION, "g", settings.vibrationRateHz(), blockSize,
                            VIBRATION_MIN_VALID_G, VIBRATION_MAX_VALID_G),
                    new ChannelSpec(TEMPERATURE, ChannelKind.SCALAR, "degC", temperatureRateHz, 1,
                            TEMPERATURE_MIN_VALID_C, TEMPERATURE_MAX_VALID_C));
            return new Setup(assetId, new MachineSignal(settings), blockSize, temperatureRateHz, channels);
        }

        double vibrationRateHz() {
            return signal.settings().vibrationRateHz();
        }

        String describe() {
            MachineSignal.Settings s = signal.settings();
            String fault = !s.hasFault() ? "no fault"
                    : String.format("%s fault, severity %.2f, impacts at %.2f Hz, from %.0f s %s", s.faultType(),
                            s.faultSeverity(), s.defectHz(), s.faultStartS(),
                            s.faultEndless() ? "on" : "to " + String.format("%.0f s", s.faultEndS()));
            return String.format("vibration %.0f Hz in blocks of %d, temperature %.3g Hz, shaft %.0f rpm, %s, seed %d",
                    s.vibrationRateHz(), blockSize, temperatureRateHz, s.shaftRpm(), fault, s.seed());
        }
    }

    /** @return the signal settings of {@code config}; the asset id and delivery settings are not part of them */
    static MachineSignal.Settings settingsOf(Config config) {
        FaultType faultType;
        try {
            faultType = config.fault_type();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("fault.type must be one of " + Arrays.toString(FaultType.values())
                    + ": " + e.getMessage(), e);
        }
        return new MachineSignal.Settings(config.vibration_rate_hz(), config.shaft_rpm(), config.harmonic_1x_g(),
                config.harmonic_2x_g(), config.harmonic_3x_g(), config.noise_g(),
                new Bearing(config.bearing_balls(), config.bearing_ball_diameter_mm(),
                        config.bearing_pitch_diameter_mm(), config.bearing_contact_angle_deg()),
                config.resonance_hz(), config.resonance_decay_ms() / 1e3, faultType, config.fault_severity(),
                config.fault_impulse_g(), config.fault_jitter_percent() / 100, config.fault_start_s(),
                config.fault_end_s(), config.temperature_base_degc(), config.temperature_drift_degc(),
                config.temperature_drift_period_s(), config.temperature_noise_degc(),
                config.temperature_fault_rise_degc(), config.temperature_fault_tau_s(), config.seed());
    }

    private enum State { NEW, RUNNING, STOPPED }

    private static final Logger LOG = System.getLogger(SimulatedMachineDriver.class.getName());
    private static final long PROBLEM_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long STOP_TIMEOUT_MILLIS = 5000;

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final RateLimitedLog problems = new RateLimitedLog(LOG, PROBLEM_LOG_INTERVAL_NANOS, System::nanoTime);
    private volatile Setup setup;

    private final Object lifecycleLock = new Object();
    private State state = State.NEW;
    private ScheduledExecutorService executor;
    private volatile Thread emitterThread;

    // Confined to the emitter thread once started; written before the first task is submitted.
    private long activationEpochNanos;
    private long activationNanoTime;
    private SampleClock vibrationClock;
    private SampleClock temperatureClock;

    /** Validates the configuration; nothing runs until {@link #activate()}. */
    @Activate
    public SimulatedMachineDriver(Config config) {
        this.setup = Setup.of(config);
    }

    /** Starts the sample clock and the emitter thread. */
    @Activate
    void activate() {
        synchronized (lifecycleLock) {
            if (state != State.NEW) {
                throw new IllegalStateException("simulated machine " + setup.assetId() + " was already activated ("
                        + state + "); create a new instance to start it again");
            }
            Setup current = setup;
            Instant now = Instant.now();
            activationNanoTime = System.nanoTime();
            activationEpochNanos = Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L),
                    now.getNano());
            vibrationClock = new SampleClock(current.vibrationRateHz());
            temperatureClock = new SampleClock(current.temperatureRateHz());
            executor = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, THREAD_NAME_PREFIX + current.assetId());
                thread.setDaemon(true);
                emitterThread = thread;
                return thread;
            });
            state = State.RUNNING;
            executor.execute(this::emitDueBlocks);
            LOG.log(Level.INFO, "Simulated machine {0} started: {1}", current.assetId(), current.describe());
        }
    }

    /** Applies a configuration change from the next block on; an invalid change is rejected and the old one kept. */
    @Modified
    void modified(Config config) {
        Setup previous = setup;
        Setup next;
        try {
            next = Setup.of(config);
        } catch (IllegalArgumentException e) {
            LOG.log(Level.ERROR, "Configuration change for simulated machine " + previous.assetId()
                    + " rejected; it keeps running with its previous settings. " + e.getMessage());
            throw e;
        }
        setup = next;
        LOG.log(Level.INFO, "Simulated machine {0} reconfigured{1}: {2}", previous.assetId(),
                previous.assetId().equals(next.assetId()) ? "" : " as " + next.assetId(), next.describe());
    }

    /** Stops the emitter thread and ends all subscriptions; waits for the thread to be gone. */
    @Deactivate
    void deactivate() {
        ScheduledExecutorService toStop;
        synchronized (lifecycleLock) {
            State previous = state;
            state = State.STOPPED;
            for (Subscriber subscriber : subscribers) {
                subscriber.closed = true;
            }
            subscribers.clear();
            if (previous != State.RUNNING) {
                return;
            }
            toStop = executor;
        }
        toStop.shutdownNow();
        boolean stopped = false;
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_TIMEOUT_MILLIS);
            if (toStop.awaitTermination(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                // The executor counts as terminated a moment before its worker thread has finished exiting.
                Thread thread = emitterThread;
                if (thread != null) {
                    thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                }
                stopped = thread == null || !thread.isAlive();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopped) {
            LOG.log(Level.INFO, "Simulated machine {0} stopped", setup.assetId());
        } else {
            LOG.log(Level.WARNING, "Simulated machine " + setup.assetId() + ": emitter thread did not stop within "
                    + STOP_TIMEOUT_MILLIS + " ms; a listener is probably blocking in onSamples and ignoring"
                    + " interruption");
        }
    }

    @Override
    public String assetId() {
        return setup.assetId();
    }

    @Override
    public List<ChannelSpec> channels() {
        return setup.channels();
    }

    @Override
    public Subscription subscribe(SampleListener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lifecycleLock) {
            if (state == State.STOPPED) {
                throw new IllegalStateException("simulated machine " + setup.assetId() + " is deactivated;"
                        + " subscribe to the driver service registered when it is activated again");
            }
            Subscriber subscriber = new Subscriber(listener);
            subscribers.add(subscriber);
            return subscriber;
        }
    }

    /**
     * Emits every block whose last sample is due, in time order across channels, then schedules itself for when
     * the next one will be. Runs on the emitter thread only.
     */
    private void emitDueBlocks() {
        try {
            Setup current = setup;
            renameEmitterThread(current);
            long elapsed = System.nanoTime() - activationNanoTime;
            while (!Thread.currentThread().isInterrupted()) {
                current = setup;
                vibrationClock.changeRate(current.vibrationRateHz());
                temperatureClock.changeRate(current.temperatureRateHz());
                long vibrationDue = vibrationClock.blockDueNanos(current.blockSize());
                long temperatureDue = temperatureClock.blockDueNanos(1);
                long due = Math.min(vibrationDue, temperatureDue);
                if (due > elapsed) {
                    elapsed = System.nanoTime() - activationNanoTime;
                    if (due > elapsed) {
                        break;
                    }
                }
                if (vibrationDue <= temperatureDue) {
                    emitVibration(current);
                } else {
                    emitTemperature(current);
                }
            }
        } finally {
            scheduleNext();
        }
    }

    private void scheduleNext() {
        if (Thread.currentThread().isInterrupted() || executor.isShutdown()) {
            return;
        }
        Setup current = setup;
        long due = Math.min(vibrationClock.blockDueNanos(current.blockSize()), temperatureClock.blockDueNanos(1));
        long delay = Math.max(0, due - (System.nanoTime() - activationNanoTime));
        try {
            executor.schedule(this::emitDueBlocks, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // deactivated while this run was finishing: nothing more to emit
        }
    }

    private void emitVibration(Setup current) {
        SampleClock clock = vibrationClock;
        int size = current.blockSize();
        long first = clock.next();
        long start = activationEpochNanos + clock.offsetNanos(first);
        double[] values = new double[size];
        try {
            current.signal().fillVibration(clock.signalIndex(first), values);
        } catch (RuntimeException e) {
            clock.advance(size);
            reportDriverError(current, VIBRATION, e);
            return;
        }
        clock.advance(size);
        deliver(new SampleBlock(current.assetId(), VIBRATION, start, clock.rateHz(), values));
    }

    private void emitTemperature(Setup current) {
        SampleClock clock = temperatureClock;
        long index = clock.next();
        long start = activationEpochNanos + clock.offsetNanos(index);
        double value;
        try {
            value = current.signal().temperature(clock.seconds(index));
        } catch (RuntimeException e) {
            clock.advance(1);
            reportDriverError(current, TEMPERATURE, e);
            return;
        }
        clock.advance(1);
        deliver(new SampleBlock(current.assetId(), TEMPERATURE, start, clock.rateHz(), new double[] { value }));
    }

    private void deliver(SampleBlock block) {
        for (Subscriber subscriber : subscribers) {
            subscriber.deliver(block);
        }
    }

    /** A block could not be computed: its samples are skipped, listeners are told, and the clock moves on. */
    private void reportDriverError(Setup current, String channel, RuntimeException error) {
        problems.warn("generate " + channel, () -> "Simulated machine " + current.assetId() + " failed to compute a "
                + channel + " block; its samples are skipped and the next block is tried", error);
        for (Subscriber subscriber : subscribers) {
            subscriber.driverError(channel, error);
        }
    }

    private void renameEmitterThread(Setup current) {
        String name = THREAD_NAME_PREFIX + current.assetId();
        Thread thread = Thread.currentThread();
        if (!thread.getName().equals(name)) {
            thread.setName(name);
        }
    }

    /** One listener's subscription; its identity, not the listener's, tells subscriptions apart. */
    private final class Subscriber implements Subscription {

        private final SampleListener listener;
        private final String problemKey;
        volatile boolean closed;

        Subscriber(SampleListener listener) {
            this.listener = listener;
            this.problemKey = "listener " + System.identityHashCode(this);
        }

        void deliver(SampleBlock block) {
            if (closed) {
                return;
            }
            try {
                listener.onSamples(block);
            } catch (Exception | LinkageError | AssertionError e) {
                // Anything a buggy listener can throw, checked ones sneaked through included; a VirtualMachineError
                // is left to propagate since the emitter cannot carry on sensibly after one.
                problems.warn(problemKey, () -> "Listener " + listener + " of simulated machine " + block.assetId()
                        + " threw on a " + block.channel() + " block; it stays subscribed and the other listeners"
                        + " still receive every block", e);
            }
        }

        void driverError(String channel, Throwable error) {
            if (closed) {
                return;
            }
            try {
                listener.onDriverError(channel, error);
            } catch (Exception | LinkageError | AssertionError e) {
                problems.warn(problemKey, () -> "Listener " + listener + " of simulated machine " + setup.assetId()
                        + " threw while told of a driver error; ignored", e);
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            subscribers.remove(this);
            problems.forget(problemKey);
        }
    }
}
