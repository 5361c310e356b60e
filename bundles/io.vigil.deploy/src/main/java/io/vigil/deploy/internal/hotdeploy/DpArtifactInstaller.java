package io.vigil.deploy.internal.hotdeploy;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.deploy.InstalledPackage;
import io.vigil.deploy.internal.hotdeploy.HotDeployState.Entry;
import io.vigil.deploy.internal.rest.DeploymentErrors;

/**
 * Deployment packages in the hot-deploy directory (FileInstall's {@code felix.fileinstall.dir}): a {@code .dp}
 * dropped in is installed, replaced it is installed again (an update), removed its package is uninstalled. Each
 * goes through the deployment manager like any other install: verified, signed by a trusted key, a transaction,
 * recorded in the history as requested by {@code hot-deploy:<file name>}. Downgrades are refused here as everywhere
 * unless forced, and the directory does not force.
 *
 * <p>Which package each file installed is kept in the bundle's data area, so a file removed after a restart still
 * uninstalls its package. A file whose content is unchanged since it was installed is not installed again (after a
 * restart FileInstall reports every file as new): an operator's rollback or uninstall through Gogo or REST since
 * then is not undone behind their back.
 *
 * <p>A refused package is logged as an ERROR with its code and left as it is. FileInstall calls again when the
 * file changes; the same content is tried again only when touched a minute or more after it was refused (once
 * whatever refused it may have changed, e.g. the trust store), so a tool that rewrites the file every few seconds
 * does not fill the log. Nothing is thrown to FileInstall, which would log a stack trace per attempt.
 *
 * <p>Only this component needs {@code org.apache.felix.fileinstall}, imported optionally (see bnd.bnd): without
 * FileInstall its service is never looked up, so SCR never loads the class, and the rest of the bundle works.
 */
@Component(service = ArtifactInstaller.class)
public final class DpArtifactInstaller implements ArtifactInstaller {

    static final String STATE_FILE = "hot-deploy.json";
    /** The same content refused again this soon is not tried (nor logged) again. */
    static final Duration RETRY_REFUSED_AFTER = Duration.ofMinutes(1);

    private static final Logger LOG = System.getLogger(DpArtifactInstaller.class.getName());

    private final DeploymentService deployments;
    private final HotDeployState state;
    /** File → the content last refused and when, so a refusal is not repeated (and logged) at every touch. */
    private final Map<String, Refusal> refused = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;

    private record Refusal(String sha256, long atNanos) {
    }

    @Activate
    public DpArtifactInstaller(@Reference DeploymentService deployments, BundleContext context) throws IOException {
        this(deployments, context.getDataFile(STATE_FILE).toPath(), System::nanoTime);
    }

    DpArtifactInstaller(DeploymentService deployments, Path stateFile, LongSupplier nanoTime) throws IOException {
        this.deployments = deployments;
        this.state = new HotDeployState(stateFile);
        this.nanoTime = nanoTime;
    }

    @Override
    public boolean canHandle(File artifact) {
        return artifact.getName().toLowerCase(Locale.ROOT).endsWith(".dp");
    }

    @Override
    public void install(File artifact) {
        deploy(artifact);
    }

    @Override
    public void update(File artifact) {
        deploy(artifact);
    }

    @Override
    public void uninstall(File artifact) {
        try {
            remove(artifact);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "hot-deploy: removing " + artifact + " failed", e);
        }
    }

    private void deploy(File artifact) {
        try {
            installOrUpdate(artifact);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "hot-deploy: " + artifact + " could not be installed", e);
        }
    }

    private void installOrUpdate(File artifact) {
        String key = key(artifact);
        String sha;
        try {
            sha = sha256(artifact.toPath());
        } catch (IOException e) {
            // still being written, or removed again: FileInstall reports the next change
            LOG.log(Level.WARNING, "hot-deploy: cannot read " + artifact + " (" + e + "); it is tried again when it "
                    + "changes");
            return;
        }
        Optional<Entry> known = state.get(key);
        if (known.isPresent() && known.get().sha256().equals(sha)) {
            InstalledPackage now = deployments.packages().get(known.get().packageName());
            LOG.log(Level.INFO, "hot-deploy: " + artifact.getName() + " is unchanged since it installed "
                    + known.get().packageName() + " " + known.get().version() + (now == null
                            ? ", which has been uninstalled since; left so (replace the file to install it again)"
                            : now.version().equals(known.get().version()) ? "; nothing to do"
                                    : "; the package is at " + now.version() + " now, by other means, and left so"));
            return;
        }
        Refusal last = refused.get(key);
        if (last != null && last.sha256().equals(sha)
                && nanoTime.getAsLong() - last.atNanos() < RETRY_REFUSED_AFTER.toNanos()) {
            LOG.log(Level.DEBUG, "hot-deploy: " + artifact.getName() + " is unchanged since it was refused");
            return;
        }
        String requestedBy = "hot-deploy:" + artifact.getName();
        DeploymentRecord r = null;
        // the hash recorded is that of the bytes installed, in case the file changed since it was hashed above
        MessageDigest installed = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(artifact.toPath()), installed)) {
            r = deployments.install(in, requestedBy, artifact.getAbsolutePath() + " sha256=" + sha, false);
            sha = rest(in, installed, sha);
        } catch (DeploymentException e) {
            refused.put(key, new Refusal(sha, nanoTime.getAsLong()));
            LOG.log(Level.ERROR, "hot-deploy: " + artifact + " was not installed (code " + e.getCode() + " "
                    + DeploymentErrors.codeName(e.getCode()) + "): "
                    + e.getMessage() + ". The installed packages are as they were; replace the file to try again (or "
                    + "touch it, after " + RETRY_REFUSED_AFTER.toSeconds() + " s, when what refused it has changed)");
            return;
        } catch (IOException e) {
            if (r == null) {
                LOG.log(Level.WARNING, "hot-deploy: cannot read " + artifact + " (" + e + "); it is tried again when "
                        + "it changes");
                return;
            }
        }
        refused.remove(key);
        try {
            state.put(key, new Entry(r.packageName(), r.toVersion(), sha));
        } catch (IOException e) {
            LOG.log(Level.ERROR, "hot-deploy: " + r.packageName() + " " + r.toVersion() + " is installed from "
                    + artifact + ", but the record of it could not be written (" + e + "); removing the file will "
                    + "not uninstall it: use vigil:dp uninstall " + r.packageName());
        }
        LOG.log(Level.INFO, "hot-deploy: " + artifact.getName() + ": " + r.message());
        if (known.isPresent() && !known.get().packageName().equals(r.packageName())) {
            // the file now holds another package: the one it held before goes, as a replaced bundle jar would
            uninstallPackage(known.get(), requestedBy, artifact.getName() + " now holds " + r.packageName());
        }
    }

    private void remove(File artifact) {
        String key = key(artifact);
        refused.remove(key);
        Optional<Entry> entry = state.get(key);
        try {
            state.remove(key);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "hot-deploy: " + artifact + " was removed but the record of it could not be "
                    + "updated (" + e + "); its package is uninstalled all the same");
        }
        if (entry.isEmpty()) {
            LOG.log(Level.INFO, "hot-deploy: " + artifact.getName() + " removed; it had installed no package");
            return;
        }
        uninstallPackage(entry.get(), "hot-deploy:" + artifact.getName(), artifact.getName() + " was removed");
    }

    private void uninstallPackage(Entry e, String requestedBy, String why) {
        InstalledPackage now = deployments.packages().get(e.packageName());
        if (now == null) {
            LOG.log(Level.INFO, "hot-deploy: " + why + "; package " + e.packageName() + " it installed is not "
                    + "installed any more");
            return;
        }
        if (!now.version().equals(e.version())) {
            List<String> others = state.filesOf(e.packageName(), null);
            LOG.log(Level.WARNING, "hot-deploy: " + why + "; it installed " + e.packageName() + " " + e.version()
                    + ", which is at " + now.version() + " now" + (others.isEmpty() ? " by other means"
                            : " (also deployed from " + String.join(", ", others) + ")")
                    + "; uninstalling the package by name all the same");
        }
        try {
            DeploymentRecord r = deployments.uninstall(e.packageName(), requestedBy, false);
            LOG.log(Level.INFO, "hot-deploy: " + why + ": " + r.message());
        } catch (DeploymentException x) {
            LOG.log(Level.ERROR, "hot-deploy: " + why + ", but uninstalling " + e.packageName() + " failed (code "
                    + x.getCode() + " " + DeploymentErrors.codeName(x.getCode()) + "): " + x.getMessage() + "; it stays installed: use vigil:dp uninstall "
                    + e.packageName() + " (--force past bundles that fail to stop)");
        }
    }

    /** @return the hash of everything read once the reader's leftovers (the zip directory) are read too */
    private static String rest(InputStream in, MessageDigest digest, String otherwise) {
        try {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            return otherwise;
        }
    }

    private static String key(File artifact) {
        return artifact.getAbsoluteFile().toPath().normalize().toString();
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
