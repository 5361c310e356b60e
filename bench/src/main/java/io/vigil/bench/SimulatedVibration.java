package io.vigil.bench;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.Map;

import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.ChannelSpec;
import io.vigil.driver.sim.internal.Bearing;
import io.vigil.driver.sim.internal.FaultType;
import io.vigil.driver.sim.internal.MachineSignal;
import io.vigil.driver.sim.internal.SimulatedMachineDriver;

/**
 * The simulated machine's vibration channel with every simulator setting at its default, computed on demand rather
 * than by the driver's real-time emitter thread, so a benchmark can feed the pipeline as fast as it likes or pace
 * it itself.
 *
 * <p>The channel spec (name, rate, block size, valid range) comes from a real {@link SimulatedMachineDriver}
 * constructed with the default configuration (construction only validates; nothing runs until activation), and
 * the signal settings from the defaults its configuration type declares. Two signals share everything but the
 * fault: {@link MachineSignal} is a pure function of settings and sample index, so at any index the faulty signal
 * is the healthy one plus bearing impacts, and switching between them mid-stream is what switching a fault on
 * and off in a running simulator does.
 */
final class SimulatedVibration {

    /** The fault switched on for faulty blocks; the simulator's own severity and impulse defaults apply. */
    static final FaultType FAULT = FaultType.OUTER_RACE;

    final ChannelSpec spec;
    final MachineSignal healthy;
    final MachineSignal faulty;

    private SimulatedVibration(ChannelSpec spec, MachineSignal healthy, MachineSignal faulty) {
        this.spec = spec;
        this.healthy = healthy;
        this.faulty = faulty;
    }

    static SimulatedVibration defaults(String assetId) {
        // The driver's configuration type is package-private; its public constructor names it.
        Constructor<SimulatedMachineDriver> constructor = configConstructor();
        Class<?> configType = constructor.getParameterTypes()[0];
        SimulatedMachineDriver driver;
        try {
            driver = constructor.newInstance(ConfigDefaults.instance(configType, Map.of("vigil_asset", assetId)));
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("the simulator rejected its own default configuration", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + SimulatedMachineDriver.class.getName(), e);
        }
        ChannelSpec spec = driver.channels().stream().filter(c -> c.kind() == ChannelKind.VIBRATION).findFirst()
                .orElseThrow(() -> new IllegalStateException("the simulator declares no vibration channel: "
                        + driver.channels()));

        Map<String, Object> defaults = ConfigDefaults.of(configType);
        Map<String, Object> withFault = new HashMap<>(defaults);
        withFault.put("fault_type", FAULT);
        withFault.put("fault_start_s", 0.0);
        return new SimulatedVibration(spec, new MachineSignal(settings(defaults)),
                new MachineSignal(settings(withFault)));
    }

    /** @return one block of {@code signal} starting at sample {@code firstSample}, of the channel's block size */
    double[] block(MachineSignal signal, long firstSample) {
        double[] values = new double[spec.blockSize()];
        signal.fillVibration(firstSample, values);
        return values;
    }

    @SuppressWarnings("unchecked")
    private static Constructor<SimulatedMachineDriver> configConstructor() {
        for (Constructor<?> c : SimulatedMachineDriver.class.getConstructors()) {
            if (c.getParameterCount() == 1 && c.getParameterTypes()[0].isAnnotation()) {
                return (Constructor<SimulatedMachineDriver>) c;
            }
        }
        throw new IllegalStateException(SimulatedMachineDriver.class.getName()
                + " has no public constructor taking its configuration; update the benchmark");
    }

    /**
     * The same mapping as the driver's package-private {@code settingsOf(Config)}, units included (ms to s,
     * percent to fraction); the values themselves are the declared defaults, never copies.
     */
    private static MachineSignal.Settings settings(Map<String, Object> c) {
        return new MachineSignal.Settings(d(c, "vibration_rate_hz"), d(c, "shaft_rpm"), d(c, "harmonic_1x_g"),
                d(c, "harmonic_2x_g"), d(c, "harmonic_3x_g"), d(c, "noise_g"),
                new Bearing((Integer) c.get("bearing_balls"), d(c, "bearing_ball_diameter_mm"),
                        d(c, "bearing_pitch_diameter_mm"), d(c, "bearing_contact_angle_deg")),
                d(c, "resonance_hz"), d(c, "resonance_decay_ms") / 1e3, (FaultType) c.get("fault_type"),
                d(c, "fault_severity"), d(c, "fault_impulse_g"), d(c, "fault_jitter_percent") / 100,
                d(c, "fault_start_s"), d(c, "fault_end_s"), d(c, "temperature_base_degc"),
                d(c, "temperature_drift_degc"), d(c, "temperature_drift_period_s"), d(c, "temperature_noise_degc"),
                d(c, "temperature_fault_rise_degc"), d(c, "temperature_fault_tau_s"), (Long) c.get("seed"));
    }

    private static double d(Map<String, Object> c, String key) {
        Object v = c.get(key);
        if (!(v instanceof Double)) {
            throw new IllegalStateException("simulator attribute " + key + " is " + v
                    + ", expected a double default; update the benchmark's mapping");
        }
        return (Double) v;
    }
}
