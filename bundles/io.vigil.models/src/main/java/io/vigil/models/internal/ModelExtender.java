package io.vigil.models.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.util.tracker.BundleTracker;

import io.vigil.api.model.InferenceEngine;
import io.vigil.api.model.Model;
import io.vigil.api.model.ModelCatalog;
import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.model.RejectedModel;

/**
 * The model extender, built like SCR's: a bundle tracker that turns every started bundle with a
 * {@value ModelHeader#HEADER} header into a validated {@link Model} service, registered in the model bundle's
 * own context, and withdraws it (closing the session once its runs end) when the bundle stops. A bundle that
 * fails validation is not registered; the reason is logged and listed by {@code vigil:models}, and whatever
 * model was serving keeps serving.
 */
@Component(service = { ModelExtender.class, ModelCatalog.class }, immediate = true, property = {
        "osgi.command.scope=vigil", "osgi.command.function=models" })
@Capability(namespace = "osgi.extender", name = ModelExtender.EXTENDER, version = "1.0.0")
public final class ModelExtender implements ModelCatalog {

    /** Model bundles require this extender: {@code Require-Capability: osgi.extender;filter:="(osgi.extender=vigil.model)"}. */
    static final String EXTENDER = "vigil.model";

    private static final Logger LOG = System.getLogger(ModelExtender.class.getName());

    private final BundleContext context;
    private final ModelLoader loader;
    private final BundleTracker<Registered> tracker;
    /** name:version to the bundle serving it: two bundles may not claim the same model version. */
    private final Map<String, Long> claims = new ConcurrentHashMap<>();
    private final Map<Long, RejectedModel> rejected = new ConcurrentHashMap<>();

    private record Registered(LoadedModel model, ServiceRegistration<Model> registration, String id) {
    }

    @Activate
    public ModelExtender(BundleContext context,
            @Reference(target = "(" + InferenceEngine.ENGINE + "=onnxruntime)") InferenceEngine engine) {
        this.context = context;
        // sessions run with the engine's configured options (PID io.vigil.inference.onnx): one place to set them
        this.loader = new ModelLoader(engine, null);
        this.tracker = new BundleTracker<>(context, Bundle.STARTING | Bundle.ACTIVE, null) {
            @Override
            public Registered addingBundle(Bundle bundle, BundleEvent event) {
                return extend(bundle);
            }

            @Override
            public void removedBundle(Bundle bundle, BundleEvent event, Registered registered) {
                withdraw(bundle, registered);
            }
        };
        tracker.open();
    }

    @Deactivate
    void deactivate() {
        tracker.close(); // withdraws every model and closes its session
    }

    private Registered extend(Bundle bundle) {
        String value = bundle.getHeaders("").get(ModelHeader.HEADER);
        String source = bundle.getSymbolicName() + " " + bundle.getVersion() + " [" + bundle.getBundleId() + "]";
        rejected.remove(bundle.getBundleId());
        if (value == null) {
            String requires = bundle.getHeaders("").get("Require-Capability");
            if (requires != null && requires.contains("osgi.extender=" + EXTENDER)) {
                reject(bundle, source + ": requires the " + EXTENDER + " extender but has no " + ModelHeader.HEADER
                        + " header naming its model; add Vigil-Model: <name>;version=..;model=..;descriptor=..",
                        null);
            }
            return null;
        }
        ModelHeader header;
        try {
            header = ModelHeader.parse(value);
        } catch (IllegalArgumentException e) {
            reject(bundle, source + ": " + e.getMessage(), e);
            return null;
        }
        String id = header.name() + ":" + header.version();
        Long owner = claims.putIfAbsent(id, bundle.getBundleId());
        if (owner != null && owner != bundle.getBundleId()) {
            reject(bundle, source + ": model " + id + " is already served by bundle " + owner
                    + "; give this build a new version", null);
            return null;
        }
        LoadedModel model = null;
        try {
            model = loader.load(source, header, text(bundle, header.descriptor()), bytes(bundle, header.model()));
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(Model.NAME, header.name());
            props.put(Model.VERSION, header.version());
            props.put(Model.BUNDLE, bundle.getSymbolicName());
            // registered in the model bundle's own context: it goes away with the bundle, as SCR's components do
            ServiceRegistration<Model> registration = bundle.getBundleContext().registerService(Model.class, model,
                    props);
            LOG.log(Level.INFO, () -> "model " + id + " from " + source + " validated and registered");
            return new Registered(model, registration, id);
        } catch (ModelLoader.Rejected | IOException | RuntimeException e) {
            if (model != null) {
                model.close(); // loaded but not registered (the bundle stopped meanwhile): free the session
            }
            claims.remove(id, bundle.getBundleId());
            reject(bundle, e instanceof ModelLoader.Rejected ? e.getMessage()
                    : source + ": " + e.getMessage(), e);
            return null;
        }
    }

    private void withdraw(Bundle bundle, Registered registered) {
        try {
            registered.registration().unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework unregisters a stopping bundle's services itself
        }
        registered.model().close(); // waits for runs in progress
        claims.remove(registered.id(), bundle.getBundleId());
        LOG.log(Level.INFO, () -> "model " + registered.id() + " from " + registered.model().source() + " withdrawn");
    }

    private void reject(Bundle bundle, String reason, Throwable cause) {
        rejected.put(bundle.getBundleId(), new RejectedModel(bundle.getBundleId(),
                bundle.getSymbolicName() + " " + bundle.getVersion(), reason));
        LOG.log(Level.ERROR, "model bundle rejected, not registered: " + reason
                + (cause != null && cause.getCause() != null ? " (" + cause.getCause() + ")" : ""));
    }

    @Override
    public List<ModelDescriptor> served() {
        return tracker.getTracked().values().stream().map(r -> r.model().descriptor())
                .sorted(Comparator.comparing(ModelDescriptor::id)).toList();
    }

    @Override
    public List<RejectedModel> rejected() {
        // a refused bundle is not tracked, so nothing removes it on stop: list only those still started
        rejected.keySet().removeIf(id -> {
            Bundle b = context.getBundle(id);
            return b == null || (b.getState() & (Bundle.STARTING | Bundle.ACTIVE)) == 0;
        });
        return new TreeMap<>(rejected).values().stream().toList();
    }

    /** Gogo: {@code vigil:models} lists the models served and the model bundles rejected, with why. */
    public String models() {
        StringBuilder out = new StringBuilder();
        tracker.getTracked().forEach((bundle, r) -> out.append(String.format("%-28s served by %s%n", r.id(),
                r.model().source())));
        rejected().forEach(r -> out.append("REJECTED ").append(r.reason()).append('\n'));
        return out.length() == 0 ? "no model bundles\n" : out.toString();
    }

    private static Optional<String> text(Bundle bundle, String path) throws IOException {
        return bytes(bundle, path).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    private static Optional<byte[]> bytes(Bundle bundle, String path) throws IOException {
        URL url = bundle.getEntry(path);
        if (url == null) {
            return Optional.empty();
        }
        try (InputStream in = url.openStream()) {
            return Optional.of(in.readAllBytes());
        }
    }
}
