package io.vigil.api.deploy;

import java.net.URI;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.service.deploymentadmin.DeploymentException;

/**
 * Installs a deployment package from a URL: the way remote management (cloud commands) installs, where the
 * caller has a URL and the package's SHA-256 rather than the package itself.
 */
@ProviderType
public interface PackageDownloads {

    /**
     * Downloads the package into the deployment data area (resuming a transfer that breaks off, where the server
     * supports ranges), checks its SHA-256 before anything is installed, then installs it through
     * {@link DeploymentService#install} from that local copy, so the bytes installed are the bytes checked. Blocks
     * until the deployment has committed, been refused or rolled back. The local copy is removed in every case.
     *
     * @param uri an http or https URL; a file URL only under the directories the implementation allows
     * @param sha256 the package's SHA-256, 64 hexadecimal digits (either case)
     * @param requestedBy who asked, for the history (e.g. {@code mqtt:<requester>})
     * @param force allow a downgrade
     * @param progress told of the bytes received; {@link DownloadProgress#NONE} for nothing
     * @return the deployment as the history records it
     * @throws DownloadFailedException the package could not be fetched or does not have that hash; the deployment
     *         manager never saw it, so the history has no record of it
     * @throws DeploymentException the deployment manager refused the package or rolled it back, with the Deployment
     *         Admin error code; recorded in the history
     */
    DeploymentRecord install(URI uri, String sha256, String requestedBy, boolean force, DownloadProgress progress)
            throws DownloadFailedException, DeploymentException;
}
