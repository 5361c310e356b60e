package io.vigil.deploy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.deploymentadmin.DeploymentAdmin;
import org.osgi.service.deploymentadmin.DeploymentException;
import org.osgi.service.deploymentadmin.DeploymentPackage;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.Designate;

import io.vigil.deploy.internal.tx.FrameworkHealthCheck;
import io.vigil.api.deploy.DeploymentEvents;
import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.deploy.internal.tx.PackageContent;
import io.vigil.api.deploy.InstalledPackage;
import io.vigil.deploy.internal.tx.TransactionEngine;

/**
 * The gateway's deployment manager: the OSGi Deployment Admin service, backed by a transaction engine that
 * verifies signatures against the configured trust store, stages the package, applies it, health-checks it and
 * commits or rolls back. Its state lives under {@code $vigil.data/deploy} (the bundle's data area when that is
 * not set), beside the framework's cache, so that both survive a restart together.
 */
@Component(service = { DeploymentAdmin.class, DeploymentService.class, DeploymentManager.class }, configurationPid = DeploymentManager.PID,
        immediate = true)
@Designate(ocd = DeployConfig.class)
public final class DeploymentManager implements DeploymentAdmin, DeploymentService {

    public static final String PID = "io.vigil.deploy";

    private static final Logger LOG = System.getLogger(DeploymentManager.class.getName());

    private final BundleContext context;
    private final Path dir;
    private final TransactionEngine engine;
    private volatile PackageReader reader;
    private volatile boolean allowUnsigned;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin eventAdmin;

    @Activate
    public DeploymentManager(BundleContext context, DeployConfig config) throws IOException {
        this.context = context;
        String data = context.getProperty("vigil.data");
        this.dir = data == null || data.isBlank() ? context.getDataFile("deploy").toPath()
                : Path.of(data, "deploy");
        this.engine = new TransactionEngine(context, dir, new FrameworkHealthCheck(context),
                Duration.ofSeconds(config.health_timeout_seconds()));
        configure(config);
        try {
            engine.recover();
        } catch (IOException | RuntimeException e) {
            // stay up: the journal is kept, every operation retries it first and refuses with this reason, and the
            // operator can still see the packages and the history
            LOG.log(Level.ERROR, "finishing the deployment interrupted by the last stop failed (" + e.getMessage()
                    + "); the journal in " + dir + " is kept and the next operation tries again", e);
        }
    }

    @Modified
    void configure(DeployConfig config) {
        KeyStore trust;
        try {
            trust = KeyStore.getInstance(KeyStore.getDefaultType());
            String file = config.trust_store().trim();
            char[] password = config.trust_store_password().toCharArray();
            if (file.isEmpty()) {
                trust.load(null, null);
            } else {
                Path path = resolve(file);
                trust = KeyStore.getInstance(path.toFile(), password);
            }
            reader = new PackageReader(TrustPolicy.of(trust, config.allow_unsigned()),
                    config.min_free_mib() * 1024 * 1024);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("trust.store '" + config.trust_store() + "' of the " + PID
                    + " configuration could not be read (" + e.getMessage() + "); give a PKCS12 or JKS file and its "
                    + "password", e);
        }
        allowUnsigned = config.allow_unsigned();
        if (allowUnsigned) {
            LOG.log(Level.WARNING, "allow.unsigned is set: packages without any signature are accepted. This is a "
                    + "development switch; turn it off on a gateway in the field");
        }
    }

    private Path resolve(String file) {
        Path p = Path.of(file);
        String home = context.getProperty("vigil.home");
        return p.isAbsolute() || home == null ? p : Path.of(home).resolve(p);
    }

    /** Runs an operation and announces its outcome, committed or not. */
    private DeploymentRecord announced(Operation op) throws DeploymentException {
        int before = engine.history().size();
        try {
            DeploymentRecord r = op.run();
            post(r);
            return r;
        } catch (DeploymentException e) {
            // only an outcome this call recorded (another transaction may have finished meanwhile: the last entry is
            // this call's only if it is new and says so)
            List<DeploymentRecord> h = engine.history();
            if (h.size() > before) {
                DeploymentRecord last = h.get(h.size() - 1);
                if (last.code() == e.getCode() && !"COMMITTED".equals(last.result())) {
                    post(last);
                }
            }
            throw e;
        }
    }

    private interface Operation {
        DeploymentRecord run() throws DeploymentException;
    }

    private void post(DeploymentRecord r) {
        EventAdmin ea = eventAdmin;
        if (ea == null) {
            return;
        }
        Map<String, Object> p = new HashMap<>();
        p.put(DeploymentEvents.TX_ID, r.txId());
        p.put(DeploymentEvents.OPERATION, r.operation());
        p.put(DeploymentEvents.PACKAGE, r.packageName());
        p.put(DeploymentEvents.FROM_VERSION, r.fromVersion());
        p.put(DeploymentEvents.TO_VERSION, r.toVersion());
        InstalledPackage now = "COMMITTED".equals(r.result()) ? engine.packages().get(r.packageName()) : null;
        p.put(DeploymentEvents.BUNDLES, now == null ? new String[0]
                : now.bundles().stream().map(InstalledPackage.BundleRecord::symbolicName).toArray(String[]::new));
        p.put(DeploymentEvents.REQUESTED_BY, r.requestedBy());
        p.put(DeploymentEvents.CODE, r.code());
        p.put(DeploymentEvents.MESSAGE, r.message());
        p.put(DeploymentEvents.TIMESTAMP, r.endedEpochMillis());
        ea.postEvent(new Event(DeploymentEvents.TOPIC_PREFIX + r.result(), p));
    }

    @Override
    public DeploymentRecord install(InputStream in, String requestedBy, String source, boolean force)
            throws DeploymentException {
        return announced(() -> stageAndInstall(in, requestedBy, source, force));
    }

    private DeploymentRecord stageAndInstall(InputStream in, String requestedBy, String source, boolean force)
            throws DeploymentException {
        Path staging = dir.resolve("staging").resolve(UUID.randomUUID().toString());
        StagedPackage staged;
        try {
            staged = reader.read(in, staging);
        } catch (DeploymentException e) {
            engine.refusedBeforeStaging("(package from " + source + ")", requestedBy, source, e);
            throw e;
        } finally {
            if (Files.isDirectory(staging) && isEmpty(staging)) {
                staging.toFile().delete(); // a refused package leaves nothing behind, not even its directory
            }
        }
        try {
            if (staged.unsigned()) {
                LOG.log(Level.WARNING, "installing UNSIGNED package " + staged.manifest().symbolicName() + " "
                        + staged.manifest().version() + " (allow.unsigned is set), requested by " + requestedBy);
            }
            return engine.install(content(staged), requestedBy, source, force);
        } finally {
            try {
                staged.discard();
                deleteTree(staging);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "could not remove the staging directory " + staging + ": " + e);
            }
        }
    }

    @Override
    public DeploymentRecord uninstall(String name, String requestedBy, boolean force) throws DeploymentException {
        return announced(() -> engine.uninstall(name, requestedBy, force));
    }

    @Override
    public DeploymentRecord rollback(String name, String requestedBy) throws DeploymentException {
        return announced(() -> engine.rollback(name, requestedBy));
    }

    @Override
    public Map<String, InstalledPackage> packages() {
        return engine.packages();
    }

    @Override
    public List<DeploymentRecord> history() {
        return engine.history();
    }

    private static PackageContent content(StagedPackage s) {
        DpManifest m = s.manifest();
        List<PackageContent.BundleFile> bundles = s.bundles().stream().map(b -> new PackageContent.BundleFile(
                b.symbolicName(), b.version(), b.file(), b.sha256())).toList();
        List<String> missing = s.missing().stream().map(DpManifest.Entry::bundleSymbolicName).toList();
        return new PackageContent(m.symbolicName(), m.version(), m.fixPack().orElse(null), bundles, missing,
                s.unsigned() ? "unsigned" : String.join(" | ", s.signers()), m.headers());
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> files = Files.walk(p)) {
            for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(f);
            }
        }
    }

    // --- OSGi Deployment Admin

    @Override
    public DeploymentPackage installDeploymentPackage(InputStream in) throws DeploymentException {
        DeploymentRecord e = install(in, "DeploymentAdmin", "stream", false);
        return getDeploymentPackage(e.packageName());
    }

    @Override
    public DeploymentPackage[] listDeploymentPackages() {
        List<DeploymentPackage> list = new ArrayList<>();
        engine.packages().values().forEach(p -> list.add(new PackageView(this, context, p)));
        return list.toArray(new DeploymentPackage[0]);
    }

    @Override
    public DeploymentPackage getDeploymentPackage(String symbolicName) {
        if (symbolicName == null) {
            throw new IllegalArgumentException("symbolic name is null");
        }
        InstalledPackage p = engine.packages().get(symbolicName);
        return p == null ? null : new PackageView(this, context, p);
    }

    @Override
    public DeploymentPackage getDeploymentPackage(Bundle bundle) {
        if (bundle == null) {
            throw new IllegalArgumentException("bundle is null");
        }
        for (InstalledPackage p : engine.packages().values()) {
            if (p.bundles().stream().anyMatch(b -> b.location().equals(bundle.getLocation()))) {
                return new PackageView(this, context, p);
            }
        }
        return null;
    }

    /** A transaction is not interrupted half-way: it completes or rolls back on its own. */
    @Override
    public boolean cancel() {
        return false;
    }
}
