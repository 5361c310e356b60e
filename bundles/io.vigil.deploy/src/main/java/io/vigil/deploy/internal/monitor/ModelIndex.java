package io.vigil.deploy.internal.monitor;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import io.vigil.api.detect.ModelRef;
import io.vigil.api.model.Model;

/**
 * Which models which bundles carry: from the {@link Model} services' {@value Model#BUNDLE} property, and from the
 * {@code Vigil-Model} header of the installed bundles (so a commit is matched even when its event arrives before
 * the extender registered the model, or after it withdrew it again). What a bundle once carried is remembered, so
 * that after an update the models it replaced are still known.
 */
final class ModelIndex implements PackageModels {

    static final String HEADER = "Vigil-Model";

    private record Registration(String bundle, ModelRef model) {
    }

    private final BundleContext context;
    private final Map<Long, Registration> registered = new ConcurrentHashMap<>();
    private final Map<String, Set<ModelRef>> ever = new ConcurrentHashMap<>();

    ModelIndex(BundleContext context) {
        this.context = context;
    }

    /** @param serviceId the Model service's id, @param properties its service properties */
    void added(long serviceId, Map<String, Object> properties) {
        Object bundle = properties.get(Model.BUNDLE);
        Object name = properties.get(Model.NAME);
        Object version = properties.get(Model.VERSION);
        if (bundle != null && name != null && version != null) {
            Registration r = new Registration(bundle.toString(), new ModelRef(name.toString(), version.toString()));
            registered.put(serviceId, r);
            remember(r.bundle(), r.model());
        }
    }

    void removed(long serviceId) {
        registered.remove(serviceId);
    }

    @Override
    public Set<ModelRef> carriedBy(Collection<String> bundleSymbolicNames) {
        Set<ModelRef> found = new HashSet<>();
        for (Registration r : registered.values()) {
            if (bundleSymbolicNames.contains(r.bundle())) {
                found.add(r.model());
            }
        }
        for (Bundle b : context.getBundles()) {
            if (b.getState() != Bundle.UNINSTALLED && bundleSymbolicNames.contains(b.getSymbolicName())) {
                parseHeader(b.getHeaders("").get(HEADER)).ifPresent(m -> {
                    found.add(m);
                    remember(b.getSymbolicName(), m);
                });
            }
        }
        return found;
    }

    @Override
    public Set<ModelRef> everCarriedBy(Collection<String> bundleSymbolicNames) {
        Set<ModelRef> found = new HashSet<>(carriedBy(bundleSymbolicNames));
        for (String bsn : bundleSymbolicNames) {
            found.addAll(ever.getOrDefault(bsn, Set.of()));
        }
        return found;
    }

    private void remember(String bundle, ModelRef model) {
        ever.computeIfAbsent(bundle, b -> ConcurrentHashMap.newKeySet()).add(model);
    }

    /**
     * The model a {@code Vigil-Model} header names, e.g. {@code bearing-fault;version=1.0.0;model=..;descriptor=..}.
     * A malformed header names nothing here; the model extender reports it.
     */
    static Optional<ModelRef> parseHeader(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String[] parts = value.split(";");
        String name = parts[0].trim();
        if (name.isEmpty() || name.contains("=")) {
            return Optional.empty();
        }
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].trim();
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).trim().equals("version")) {
                String v = part.substring(eq + 1).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                    v = v.substring(1, v.length() - 1);
                }
                return v.isEmpty() ? Optional.empty() : Optional.of(new ModelRef(name, v));
            }
        }
        return Optional.empty();
    }
}
