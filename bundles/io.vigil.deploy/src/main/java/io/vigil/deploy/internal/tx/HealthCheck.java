package io.vigil.deploy.internal.tx;

import java.time.Duration;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.service.deploymentadmin.DeploymentException;

/** Decides whether a package's bundles came up well enough to commit. */
public interface HealthCheck {

    /**
     * @throws DeploymentException naming the first bundle, component or model that is not healthy when the time is
     *         up (or at once, for a failure that waiting cannot cure)
     */
    void check(List<Bundle> bundles, Duration timeout) throws DeploymentException;
}
