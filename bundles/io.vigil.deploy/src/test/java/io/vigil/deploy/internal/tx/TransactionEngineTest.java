package io.vigil.deploy.internal.tx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.deploy.internal.tx.PackageContent.BundleFile;
import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.InstalledPackage;

/**
 * The transaction engine on a real Felix framework started in this JVM: packages installed, updated, rolled back
 * and refused, with the framework's bundles compared before and after. The health check here is "every bundle
 * active"; the gateway's own (components satisfied, models validated) is exercised by the itests.
 */
class TransactionEngineTest {

    @TempDir
    Path dir;

    private Framework framework;
    private TransactionEngine engine;
    private final List<String> stopped = new CopyOnWriteArrayList<>();
    /** Lets a test make the health check fail, or "crash" the process mid-transaction. */
    private volatile HealthCheck health = (bundles, timeout) -> {
        for (Bundle b : bundles) {
            if (b.getState() != Bundle.ACTIVE) {
                throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, b.getSymbolicName()
                        + " is not active");
            }
        }
    };

    @BeforeEach
    void start() throws Exception {
        startFramework();
        engine = newEngine();
    }

    private void startFramework() throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, dir.resolve("framework").toString());
        framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(config);
        framework.start();
        framework.getBundleContext().addBundleListener(e -> {
            if (e.getType() == BundleEvent.STOPPED) {
                stopped.add(e.getBundle().getSymbolicName());
            }
        });
    }

    private TransactionEngine newEngine() throws IOException {
        return new TransactionEngine(framework.getBundleContext(), dir.resolve("deploy"),
                (bundles, timeout) -> health.check(bundles, timeout), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
    }

    // --- building packages

    /** Built once each: a jar records the time it was built, so a rebuild would be another content. */
    private final Map<String, BundleFile> built = new HashMap<>();

    private BundleFile bundle(String bsn, String version, String marker, boolean failing) throws Exception {
        String key = bsn + " " + version + " " + marker + " " + failing;
        BundleFile cached = built.get(key);
        if (cached == null) {
            cached = build(bsn, version, marker, failing);
            built.put(key, cached);
        }
        return cached;
    }

    private BundleFile build(String bsn, String version, String marker, boolean failing) throws Exception {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        a.putValue(Constants.BUNDLE_SYMBOLICNAME, bsn);
        a.putValue(Constants.BUNDLE_VERSION, version);
        a.putValue("X-Marker", marker);
        if (failing) {
            a.putValue(Constants.BUNDLE_ACTIVATOR, FailingActivator.class.getName());
            a.putValue(Constants.IMPORT_PACKAGE, "org.osgi.framework");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, m)) {
            if (failing) {
                String name = FailingActivator.class.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new JarEntry(name));
                try (InputStream in = FailingActivator.class.getClassLoader().getResourceAsStream(name)) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
        }
        Path file = Files.createTempFile(dir, bsn, ".jar");
        Files.write(file, bytes.toByteArray());
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
        return new BundleFile(bsn, Version.parseVersion(version), file, sha);
    }

    private static PackageContent pkg(String version, BundleFile... bundles) {
        return new PackageContent("models", Version.parseVersion(version), null, List.of(bundles), List.of(),
                "CN=test", Map.of("DeploymentPackage-Name", "test models"));
    }

    /** Symbolic name → version and marker of every bundle but the system bundle, with its state. */
    private Map<String, String> frameworkBundles() {
        Map<String, String> map = new TreeMap<>();
        for (Bundle b : framework.getBundleContext().getBundles()) {
            if (b.getBundleId() != 0) {
                map.put(b.getSymbolicName(), b.getVersion() + " " + b.getHeaders().get("X-Marker") + " "
                        + (b.getState() == Bundle.ACTIVE ? "ACTIVE" : "state " + b.getState()) + " " + b.getLocation());
            }
        }
        return map;
    }

    private void v1AndV2Installed() throws Exception {
        engine.install(pkg("1.0.0", bundle("a", "1.0.0", "a1", false), bundle("b", "1.0.0", "b1", false)), "test",
                "file", false);
        engine.install(pkg("2.0.0", bundle("a", "2.0.0", "a2", false), bundle("b", "1.0.0", "b1", false)), "test",
                "file", false);
    }

    // --- tests

    @Test
    void installThenUpdateRestartsOnlyTheBundleThatChanged() throws Exception {
        DeploymentRecord first = engine.install(pkg("1.0.0", bundle("a", "1.0.0", "a1", false),
                bundle("b", "1.0.0", "b1", false)), "ann", "file:/tmp/models-1.dp", false);
        assertEquals("COMMITTED", first.result());
        assertEquals(Map.of("a", "1.0.0 a1 ACTIVE vigil-dp:models/a", "b", "1.0.0 b1 ACTIVE vigil-dp:models/b"),
                frameworkBundles());
        stopped.clear();

        DeploymentRecord second = engine.install(pkg("2.0.0", bundle("a", "2.0.0", "a2", false),
                bundle("b", "1.0.0", "b1", false)), "ann", "file:/tmp/models-2.dp", false);
        assertEquals("UPDATE", second.operation());
        assertEquals(Map.of("a", "2.0.0 a2 ACTIVE vigil-dp:models/a", "b", "1.0.0 b1 ACTIVE vigil-dp:models/b"),
                frameworkBundles());
        assertEquals(List.of("a"), stopped, "b did not change, so it was not stopped");
        InstalledPackage record = engine.packages().get("models");
        assertEquals("2.0.0", record.version());
        assertEquals("1.0.0", record.previous().version(), "the version it replaced is the rollback target");
        assertEquals(List.of("INSTALL", "UPDATE"), engine.history().stream().map(DeploymentRecord::operation).toList());
    }

    @Test
    void aPackageWhoseSecondBundleFailsToStartIsRolledBackWhole() throws Exception {
        v1AndV2Installed();
        Map<String, String> before = frameworkBundles();
        DeploymentException e = assertThrows(DeploymentException.class, () -> engine.install(pkg("3.0.0",
                bundle("a", "3.0.0", "a3", false), bundle("b", "3.0.0", "b3", true), bundle("c", "1.0.0", "c1",
                        false)), "ann", "file", false));
        assertTrue(e.getMessage().contains("refuses to start") || e.getMessage().contains("b"), e.getMessage());
        assertEquals(before, frameworkBundles(), "exactly the previous bundles, versions, contents and states");
        assertEquals("2.0.0", engine.packages().get("models").version());
        DeploymentRecord last = engine.history().get(engine.history().size() - 1);
        assertEquals("ROLLED_BACK", last.result());
        assertEquals(DeploymentException.CODE_OTHER_ERROR, last.code());
        assertTrue(Files.notExists(dir.resolve("deploy/journal.json")), "nothing left in progress");
    }

    @Test
    void aRollbackLeavesABundleTheOperatorHadStoppedStopped() throws Exception {
        v1AndV2Installed();
        framework.getBundleContext().getBundle("vigil-dp:models/b").stop();
        Map<String, String> before = frameworkBundles();
        assertTrue(before.get("b").contains("state"), "b stopped: " + before);
        assertThrows(DeploymentException.class, () -> engine.install(pkg("3.0.0", bundle("a", "3.0.0", "a3", false),
                bundle("b", "1.0.0", "b1", false), bundle("c", "1.0.0", "c1", true)), "ann", "file", false));
        assertEquals(before, frameworkBundles(), "b, unchanged by 3.0.0 but started by it, is stopped again");
    }

    @Test
    void aFailedHealthCheckRollsBackToo() throws Exception {
        v1AndV2Installed();
        Map<String, String> before = frameworkBundles();
        health = (bundles, timeout) -> {
            throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "model in a refused");
        };
        assertThrows(DeploymentException.class, () -> engine.install(pkg("3.0.0", bundle("a", "3.0.0", "a3",
                false), bundle("b", "1.0.0", "b1", false)), "ann", "file", false));
        assertEquals(before, frameworkBundles());
    }

    @Test
    void rollbackReinstallsThePreviousVersionInOneCall() throws Exception {
        v1AndV2Installed();
        DeploymentRecord r = engine.rollback("models", "bob");
        assertEquals("ROLLBACK", r.operation());
        assertEquals("COMMITTED", r.result());
        assertEquals(Map.of("a", "1.0.0 a1 ACTIVE vigil-dp:models/a", "b", "1.0.0 b1 ACTIVE vigil-dp:models/b"),
                frameworkBundles());
        assertEquals("1.0.0", engine.packages().get("models").version());
        assertEquals("2.0.0", engine.packages().get("models").previous().version(), "and forward again");
    }

    @Test
    void downgradesAreRefusedUnlessForced() throws Exception {
        v1AndV2Installed();
        Map<String, String> before = frameworkBundles();
        DeploymentException e = assertThrows(DeploymentException.class, () -> engine.install(pkg("1.5.0",
                bundle("a", "1.5.0", "a15", false)), "ann", "file", false));
        assertTrue(e.getMessage().contains("1.5.0") && e.getMessage().contains("older"), e.getMessage());
        assertEquals(before, frameworkBundles());
        assertEquals("REFUSED", engine.history().get(engine.history().size() - 1).result());
        engine.install(pkg("1.5.0", bundle("a", "1.5.0", "a15", false)), "ann", "file", true);
        assertEquals(Map.of("a", "1.5.0 a15 ACTIVE vigil-dp:models/a"), frameworkBundles(),
                "b, absent from 1.5.0, is uninstalled");
    }

    @Test
    void aBundleOwnedElsewhereIsRefused() throws Exception {
        v1AndV2Installed();
        PackageContent other = new PackageContent("other", Version.parseVersion("1.0.0"), null,
                List.of(bundle("a", "9.0.0", "x", false)), List.of(), "CN=test", Map.of());
        DeploymentException e = assertThrows(DeploymentException.class, () -> engine.install(other, "ann", "f",
                false));
        assertEquals(DeploymentException.CODE_BUNDLE_SHARING_VIOLATION, e.getCode());
        assertTrue(e.getMessage().contains("models"), e.getMessage());

        framework.getBundleContext().installBundle("file:outside", Files.newInputStream(bundle("z", "1.0.0", "z",
                false).file()));
        PackageContent clash = new PackageContent("zed", Version.parseVersion("1.0.0"), null,
                List.of(bundle("z", "2.0.0", "z2", false)), List.of(), "CN=test", Map.of());
        DeploymentException outside = assertThrows(DeploymentException.class, () -> engine.install(clash, "ann",
                "f", false));
        assertEquals(DeploymentException.CODE_BUNDLE_SHARING_VIOLATION, outside.getCode());
        assertTrue(outside.getMessage().contains("file:outside"), outside.getMessage());
    }

    @Test
    void aFixPackKeepsTheBundlesItLeavesOutAndNeedsItsTarget() throws Exception {
        v1AndV2Installed();
        PackageContent fix = new PackageContent("models", Version.parseVersion("2.0.1"),
                new VersionRange("[2.0,2.1)"), List.of(bundle("a", "2.0.1", "a201", false)), List.of("b"),
                "CN=test", Map.of());
        engine.install(fix, "ann", "f", false);
        assertEquals(Map.of("a", "2.0.1 a201 ACTIVE vigil-dp:models/a", "b", "1.0.0 b1 ACTIVE vigil-dp:models/b"),
                frameworkBundles());
        PackageContent wrongTarget = new PackageContent("models", Version.parseVersion("3.0.1"),
                new VersionRange("[3.0,3.1)"), List.of(bundle("a", "3.0.1", "a301", false)), List.of("b"),
                "CN=test", Map.of());
        DeploymentException e = assertThrows(DeploymentException.class, () -> engine.install(wrongTarget, "ann",
                "f", false));
        assertEquals(DeploymentException.CODE_MISSING_FIXPACK_TARGET, e.getCode());
        PackageContent missingUnknown = new PackageContent("models", Version.parseVersion("2.0.2"),
                new VersionRange("[2.0,2.1)"), List.of(bundle("a", "2.0.2", "a202", false)), List.of("q"),
                "CN=test", Map.of());
        assertEquals(DeploymentException.CODE_MISSING_BUNDLE, assertThrows(DeploymentException.class,
                () -> engine.install(missingUnknown, "ann", "f", false)).getCode());
    }

    @Test
    void uninstallRemovesEveryBundleOfThePackage() throws Exception {
        v1AndV2Installed();
        engine.uninstall("models", "ann", false);
        assertEquals(Map.of(), frameworkBundles());
        assertNull(engine.packages().get("models"));
        assertEquals(DeploymentException.CODE_OTHER_ERROR, assertThrows(DeploymentException.class,
                () -> engine.uninstall("models", "ann", false)).getCode());
    }

    /** What a kill -9 leaves: the journal written and the framework half changed; nothing after. */
    private static final class Crash extends Error {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void aCrashBeforeTheCommitPointIsUndoneAtTheNextStart() throws Exception {
        v1AndV2Installed();
        Map<String, String> before = frameworkBundles();
        health = (bundles, timeout) -> {
            throw new Crash(); // bundles of 3.0.0 installed and started, nothing recorded
        };
        assertThrows(Crash.class, () -> engine.install(pkg("3.0.0", bundle("a", "3.0.0", "a3", false),
                bundle("c", "1.0.0", "c1", false)), "ann", "file", false));
        assertTrue(frameworkBundles().get("a").startsWith("3.0.0"), "half-applied, as a crash would leave it");

        // the process dies; the framework restarts from its persistent state, then the deployment manager
        framework.stop();
        framework.waitForStop(10_000);
        startFramework();
        engine = newEngine();
        DeploymentRecord recovered = engine.recover().orElseThrow();
        assertEquals("ROLLED_BACK", recovered.result());
        assertEquals(before, frameworkBundles(), "the old set, exactly");
        assertEquals("2.0.0", engine.packages().get("models").version());
        assertTrue(engine.recover().isEmpty(), "recovered once");
    }

    @Test
    void aCrashAfterTheCommitPointIsCompletedAtTheNextStart() throws Exception {
        v1AndV2Installed();
        // commit point passed, records not yet written: simulate by writing the journal of a committed update
        DeploymentStore store = new DeploymentStore(dir.resolve("deploy"));
        List<InstalledPackage> after = new ArrayList<>(store.packages().values());
        InstalledPackage current = after.get(0);
        InstalledPackage bumped = new InstalledPackage(current.name(), "2.0.0", current.signer(), 1, current.bundles(),
                current.headers(), current.previous());
        store.writeJournal(new Journal("tx", "UPDATE", "models", "ann", List.of(), List.of(), List.of(bumped), true,
                1));
        store.savePackages(List.of()); // the record write the crash prevented
        DeploymentRecord recovered = newEngine().recover().orElseThrow();
        assertEquals("COMMITTED", recovered.result());
        assertNotNull(newEngine().packages().get("models"));
    }
}
