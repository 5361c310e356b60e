package io.vigil.bench;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * The defaults a component's typed configuration {@code @interface} declares, and an instance of that interface
 * returning them. Benchmarks read the defaults from the one place the component declares them instead of copying
 * the numbers, so a changed default changes what is measured rather than leaving the benchmark on a stale copy;
 * a renamed attribute fails the benchmark's setup instead of silently keeping an old value.
 */
final class ConfigDefaults {

    private ConfigDefaults() {
    }

    /** @return attribute name to declared default; attributes without a default (the asset id) are absent */
    static Map<String, Object> of(Class<?> configType) {
        if (!configType.isAnnotation()) {
            throw new IllegalArgumentException(configType.getName() + " is not a configuration @interface");
        }
        Map<String, Object> defaults = new HashMap<>();
        for (Method m : configType.getDeclaredMethods()) {
            Object value = m.getDefaultValue();
            if (value != null) {
                defaults.put(m.getName(), value);
            }
        }
        return defaults;
    }

    /**
     * @return an instance of {@code configType} answering {@code overrides} where given and the declared defaults
     *         elsewhere, as SCR would build it from a configuration holding only {@code overrides}
     * @throws IllegalArgumentException when an override names no attribute of {@code configType}
     */
    static Object instance(Class<?> configType, Map<String, Object> overrides) {
        Map<String, Object> values = of(configType);
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            try {
                configType.getDeclaredMethod(e.getKey());
            } catch (NoSuchMethodException notDeclared) {
                throw new IllegalArgumentException(configType.getName() + " has no attribute " + e.getKey()
                        + "; it was renamed or removed, update the benchmark's overrides", notDeclared);
            }
            values.put(e.getKey(), e.getValue());
        }
        return Proxy.newProxyInstance(configType.getClassLoader(), new Class<?>[] { configType },
                (proxy, method, args) -> switch (method.getName()) {
                    case "annotationType" -> configType;
                    case "toString" -> configType.getSimpleName() + values;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> {
                        Object v = values.get(method.getName());
                        if (v == null) {
                            throw new IllegalStateException(configType.getName() + "." + method.getName()
                                    + " has no default and the benchmark gave no value for it");
                        }
                        yield v;
                    }
                });
    }

    /** {@link #instance} for a configuration type the caller can name. */
    static <A> A typed(Class<A> configType, Map<String, Object> overrides) {
        return configType.cast(instance(configType, overrides));
    }
}
