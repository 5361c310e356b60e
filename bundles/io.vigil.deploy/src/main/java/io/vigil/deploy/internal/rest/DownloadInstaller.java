package io.vigil.deploy.internal.rest;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.deploy.DownloadFailedException;
import io.vigil.api.deploy.DownloadProgress;
import io.vigil.api.deploy.PackageDownloads;

/**
 * {@link PackageDownloads} on the REST resource's {@link Downloader}, with the same configuration
 * ({@value DeployServlet#PID}: size limit, timeouts, resumes, and {@code file.dirs} for file: URLs): a package is
 * fetched into the deployment data area, its SHA-256 checked, and only then handed to the deployment manager from
 * that local copy. The servlet designates the configuration; this component only reads it.
 */
@Component(service = PackageDownloads.class, configurationPid = DeployServlet.PID)
public final class DownloadInstaller implements PackageDownloads {

    private static final Logger LOG = System.getLogger(DownloadInstaller.class.getName());

    private final DeploymentService deployments;
    private final DownloadArea area;

    @Activate
    public DownloadInstaller(@Reference(name = "deployments") DeploymentService deployments, BundleContext context,
            DeployRestConfig config)
            throws IOException {
        this(deployments, new DownloadArea(config, context));
    }

    DownloadInstaller(DeploymentService deployments, DownloadArea area) {
        this.deployments = deployments;
        this.area = area;
    }

    @Override
    public DeploymentRecord install(URI uri, String sha256, String requestedBy, boolean force,
            DownloadProgress progress) throws DownloadFailedException, DeploymentException {
        Objects.requireNonNull(requestedBy, "requestedBy");
        DownloadProgress told = progress == null ? DownloadProgress.NONE : progress;
        if (uri == null) {
            throw new DownloadFailedException(DownloadFailedException.Reason.BAD_REQUEST, "no URL given: name the "
                    + "http or https URL of the deployment package");
        }
        String sha;
        try {
            sha = Downloader.sha256(sha256);
        } catch (IllegalArgumentException e) {
            throw new DownloadFailedException(DownloadFailedException.Reason.BAD_REQUEST, "the expected SHA-256 is "
                    + "malformed: " + e.getMessage() + "; give the package's hash as sha256sum prints it");
        }
        try {
            area.checkLocal(uri);
        } catch (DownloadArea.LocalFileRefused e) {
            throw new DownloadFailedException(DownloadFailedException.Reason.BAD_REQUEST, e.getMessage());
        }
        String url = Downloader.abbreviate(uri.toString());
        String what = "download of " + url + " for " + requestedBy;
        ProgressLog log = new ProgressLog(what, m -> LOG.log(Level.INFO, m));
        Path tmp = area.newPartFile();
        try {
            Downloader.Result r;
            try {
                r = area.downloader().download(uri, tmp, sha, (received, total) -> {
                    log.bytes(received, total);
                    told.bytes(received, total);
                });
            } catch (DownloadException e) {
                LOG.log(e.reason() == DownloadException.Reason.HASH_MISMATCH ? Level.WARNING : Level.INFO,
                        "package for " + requestedBy + " not installed: " + e.getMessage());
                throw new DownloadFailedException(reason(e.reason()), e.getMessage(), e);
            }
            if (r.connections() > 1) {
                LOG.log(Level.INFO, what + " completed over " + r.connections() + " connections");
            }
            try (InputStream in = Files.newInputStream(r.file())) {
                return deployments.install(in, requestedBy, url + " sha256=" + r.sha256(), force);
            } catch (IOException e) {
                // only opening can fail here: the deployment manager reports its own read errors as codes
                throw new DownloadFailedException(DownloadFailedException.Reason.NO_SPACE, "the downloaded package "
                        + r.file() + " could not be read back (" + e + "); check the deployment data directory", e);
            }
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "could not remove the download " + tmp + ": " + e
                        + "; it is removed at the next start");
            }
        }
    }

    static DownloadFailedException.Reason reason(DownloadException.Reason r) {
        return switch (r) {
            // a URL that points at nothing is the request's fault, as the REST resource answers it (400)
            case UNSUPPORTED_SCHEME, BAD_URL, NOT_FOUND -> DownloadFailedException.Reason.BAD_REQUEST;
            case HASH_MISMATCH -> DownloadFailedException.Reason.HASH_MISMATCH;
            case TOO_LARGE -> DownloadFailedException.Reason.TOO_LARGE;
            case SOURCE_FAILED -> DownloadFailedException.Reason.SOURCE_FAILED;
            case TIMEOUT -> DownloadFailedException.Reason.TIMEOUT;
            case STORAGE -> DownloadFailedException.Reason.NO_SPACE;
        };
    }
}
