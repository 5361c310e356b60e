package io.vigil.api.deploy;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.service.deploymentadmin.DeploymentException;

/**
 * The post-deployment monitor's watches, and the reviews it asks for: when a deployment shifts an asset's rate of
 * anomalous windows and the monitor is configured to ask rather than roll back, the watch waits in
 * {@link DeploymentWatch.State#PENDING_REVIEW} until a person keeps the deployment or rolls it back.
 */
@ProviderType
public interface DeploymentReviews {

    /** @return every watch the monitor keeps, newest first */
    List<DeploymentWatch> watches();

    /**
     * Keeps or rolls back a package whose watch is pending review, after whatever deployment or signal came before
     * it; waits for the outcome (a rollback runs a whole deployment transaction).
     *
     * @param packageName the deployment package
     * @param keep true to keep the deployment (every pending watch of the package ends KEPT), false to roll the
     *        package back to the version before (its watches end ROLLED_BACK)
     * @param reviewer who decided, for the log, the watch and the deployment history
     * @return the watches the decision ended
     * @throws IllegalArgumentException the package name is blank, or no deployment of that package was ever
     *         watched; the message lists the watched packages
     * @throws IllegalStateException nothing of the package awaits review, or a rollback is impossible (the pending
     *         deployment was a first install, or the package moved to another version meanwhile), or the monitor is
     *         stopping; nothing was changed
     * @throws DeploymentException the rollback was refused or failed, or did not finish in time; the watch stays
     *         PENDING_REVIEW unless it finished later
     */
    List<DeploymentWatch> review(String packageName, boolean keep, String reviewer) throws DeploymentException;
}
