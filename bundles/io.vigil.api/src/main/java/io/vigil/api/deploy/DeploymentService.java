package io.vigil.api.deploy;

import java.io.InputStream;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.service.deploymentadmin.DeploymentException;

/**
 * Vigil's deployment manager: what the standard Deployment Admin service does, plus who asked, rollback to the
 * previous version and the history. Every operation is a transaction: it commits whole or leaves the framework as
 * it was, and its outcome (refused, rolled back or committed) is recorded.
 */
@ProviderType
public interface DeploymentService {

    /**
     * Verifies (signature, headers, contents) and installs a deployment package, or updates the installed version
     * of it. Only the bundles whose content changed are stopped and replaced.
     *
     * @param requestedBy who asked, for the history (an operator, a REST user, a cloud requester)
     * @param source where the package came from, for the history
     * @param force allow a downgrade
     * @throws DeploymentException with the Deployment Admin error code; nothing changed
     */
    DeploymentRecord install(InputStream in, String requestedBy, String source, boolean force)
            throws DeploymentException;

    /** @param force go on past bundles that fail to stop or uninstall */
    DeploymentRecord uninstall(String name, String requestedBy, boolean force) throws DeploymentException;

    /** Reinstalls the version the installed one replaced. */
    DeploymentRecord rollback(String name, String requestedBy) throws DeploymentException;

    /** @return the installed packages by name */
    Map<String, InstalledPackage> packages();

    /** @return every deployment, oldest first */
    List<DeploymentRecord> history();
}
