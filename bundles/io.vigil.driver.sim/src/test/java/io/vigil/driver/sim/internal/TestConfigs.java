package io.vigil.driver.sim.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Builds {@link SimulatedMachineDriver.Config} instances the way SCR does: the annotation's own defaults, overridden
 * by configuration properties. Working from the annotation keeps its defaults the only ones, instead of copying them
 * into a hand-written implementation that would drift.
 */
final class TestConfigs {

    private static final Map<String, Method> ATTRIBUTES = Arrays
            .stream(SimulatedMachineDriver.Config.class.getDeclaredMethods())
            .collect(Collectors.toMap(m -> m.getName().replace('_', '.'), m -> m));

    private TestConfigs() {
    }

    /** @return a configuration for {@code asset} with defaults except the given properties */
    static SimulatedMachineDriver.Config config(String asset, Object... keyValues) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("vigil.asset", asset);
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config(properties);
    }

    /** @return a configuration from {@code properties}, keyed by property name such as {@code fault.type} */
    static SimulatedMachineDriver.Config config(Map<String, ?> properties) {
        Set<String> unknown = properties.keySet().stream().filter(k -> !ATTRIBUTES.containsKey(k))
                .collect(Collectors.toSet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no such attributes " + unknown + "; known: " + ATTRIBUTES.keySet());
        }
        Map<String, Object> values = new HashMap<>(properties);
        return (SimulatedMachineDriver.Config) Proxy.newProxyInstance(TestConfigs.class.getClassLoader(),
                new Class<?>[] { SimulatedMachineDriver.Config.class }, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "annotationType":
                            return SimulatedMachineDriver.Config.class;
                        case "toString":
                            return "Config" + values;
                        case "hashCode":
                            return values.hashCode();
                        case "equals":
                            return proxy == args[0];
                        default:
                            String key = method.getName().replace('_', '.');
                            return values.containsKey(key) ? coerce(values.get(key), method.getReturnType())
                                    : method.getDefaultValue();
                    }
                });
    }

    /** The lenient conversions SCR applies, so tests can write {@code "fault.severity", 1} rather than 1.0. */
    private static Object coerce(Object value, Class<?> type) {
        if (value instanceof Number n) {
            if (type == double.class) {
                return n.doubleValue();
            }
            if (type == int.class) {
                return n.intValue();
            }
            if (type == long.class) {
                return n.longValue();
            }
        }
        if (type == FaultType.class && value instanceof String s) {
            return FaultType.valueOf(s);
        }
        return value;
    }

    /** @return the signal of the default machine with the given properties changed */
    static MachineSignal signal(Object... keyValues) {
        return new MachineSignal(SimulatedMachineDriver.settingsOf(config("test", keyValues)));
    }
}
