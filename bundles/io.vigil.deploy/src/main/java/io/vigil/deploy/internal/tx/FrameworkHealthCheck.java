package io.vigil.deploy.internal.tx;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.api.model.Model;
import io.vigil.api.model.ModelCatalog;
import io.vigil.api.model.RejectedModel;

/**
 * The gateway's health check of a package: every bundle active (fragments resolved), every enabled DS component
 * of its bundles satisfied, every model bundle validated and serving. Waits up to the timeout for what is still
 * coming up (a component whose reference appears a moment later); fails at once on what waiting cannot cure (an
 * activator or component that threw, a model the extender refused).
 */
public final class FrameworkHealthCheck implements HealthCheck {

    /** How often the state is looked at again while it is still settling. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final BundleContext context;

    public FrameworkHealthCheck(BundleContext context) {
        this.context = context;
    }

    @Override
    public void check(List<Bundle> bundles, Duration timeout) throws DeploymentException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> problems;
        do {
            problems = problems(bundles);
            if (problems.isEmpty()) {
                return;
            }
            LockSupport.parkNanos(POLL_NANOS);
        } while (System.nanoTime() < deadline);
        throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "health check failed after "
                + timeout.toSeconds() + " s: " + String.join("; ", problems));
    }

    private List<String> problems(List<Bundle> bundles) throws DeploymentException {
        List<String> problems = new ArrayList<>();
        for (Bundle b : bundles) {
            boolean fragment = (b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
            if (fragment ? b.getState() != Bundle.RESOLVED : b.getState() != Bundle.ACTIVE) {
                problems.add("bundle " + b.getSymbolicName() + " " + b.getVersion() + " is not "
                        + (fragment ? "resolved" : "active"));
                continue;
            }
            components(b, problems);
            model(b, problems);
        }
        return problems;
    }

    private void components(Bundle b, List<String> problems) throws DeploymentException {
        ServiceReference<ServiceComponentRuntime> ref = context.getServiceReference(ServiceComponentRuntime.class);
        ServiceComponentRuntime scr = ref == null ? null : context.getService(ref);
        if (scr == null) {
            return;
        }
        try {
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(b)) {
                if (!scr.isComponentEnabled(d)) {
                    continue;
                }
                for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                    if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                        throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "component " + d.name
                                + " of bundle " + b.getSymbolicName() + " failed to activate: " + c.failure);
                    }
                    if (c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE
                            || c.state == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION) {
                        problems.add("component " + d.name + " of bundle " + b.getSymbolicName() + " is unsatisfied");
                    }
                }
            }
        } finally {
            context.ungetService(ref);
        }
    }

    private void model(Bundle b, List<String> problems) throws DeploymentException {
        if (b.getHeaders().get("Vigil-Model") == null) {
            return;
        }
        ServiceReference<ModelCatalog> ref = context.getServiceReference(ModelCatalog.class);
        ModelCatalog catalog = ref == null ? null : context.getService(ref);
        if (catalog == null) {
            problems.add("model bundle " + b.getSymbolicName() + " waits for the model extender");
            return;
        }
        try {
            for (RejectedModel r : catalog.rejected()) {
                if (r.bundleId() == b.getBundleId()) {
                    throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "model bundle "
                            + b.getSymbolicName() + " " + b.getVersion() + " failed validation: " + r.reason());
                }
            }
        } finally {
            context.ungetService(ref);
        }
        try {
            boolean serving = context.getServiceReferences(Model.class, null).stream()
                    .anyMatch(m -> m.getBundle() != null && m.getBundle().getBundleId() == b.getBundleId());
            if (!serving) {
                problems.add("model bundle " + b.getSymbolicName() + " has no validated model serving yet");
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
