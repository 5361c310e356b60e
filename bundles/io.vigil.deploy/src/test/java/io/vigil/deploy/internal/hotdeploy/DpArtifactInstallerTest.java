package io.vigil.deploy.internal.hotdeploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.deploy.InstalledPackage;

/**
 * The hot-deploy directory's installer, driven as FileInstall drives it, over a deployment service that reads a
 * package as the text "name version" (or "refuse" for one it refuses).
 */
class DpArtifactInstallerTest {

    @TempDir
    Path dir;

    private final Deployments deployments = new Deployments();
    private final AtomicLong nanos = new AtomicLong();
    private Path stateFile;
    private DpArtifactInstaller installer;

    @BeforeEach
    void start() throws IOException {
        stateFile = dir.resolve("data/hot-deploy.json");
        installer = restart();
    }

    private DpArtifactInstaller restart() throws IOException {
        return new DpArtifactInstaller(deployments, stateFile, nanos::get);
    }

    private File write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content, StandardCharsets.UTF_8);
        return f.toFile();
    }

    @Test
    void handlesDeploymentPackagesOnly() {
        assertTrue(installer.canHandle(new File(dir.toFile(), "model.dp")));
        assertTrue(installer.canHandle(new File(dir.toFile(), "MODEL.DP")));
        assertFalse(installer.canHandle(new File(dir.toFile(), "bundle.jar")));
        assertFalse(installer.canHandle(new File(dir.toFile(), "io.vigil.deploy.cfg")));
        assertFalse(installer.canHandle(new File(dir.toFile(), "model.dp.part")));
    }

    @Test
    void aFileDroppedInIsInstalledReplacedIsUpdatedAndRemovedIsUninstalled() throws IOException {
        File f = write("model.dp", "pkg.a 1.0.0");
        installer.install(f);
        assertEquals(List.of("install pkg.a 1.0.0 by hot-deploy:model.dp"), deployments.calls);
        assertTrue(deployments.sources.get(0).startsWith(f.getAbsolutePath() + " sha256="));

        write("model.dp", "pkg.a 2.0.0");
        installer.update(f);
        assertEquals("install pkg.a 2.0.0 by hot-deploy:model.dp", deployments.last());
        assertEquals("2.0.0", deployments.installed.get("pkg.a").version());

        Files.delete(f.toPath());
        installer.uninstall(f);
        assertEquals("uninstall pkg.a by hot-deploy:model.dp", deployments.last());
        assertTrue(deployments.installed.isEmpty());
    }

    @Test
    void theFileToPackageMapSurvivesARestart() throws IOException {
        File f = write("model.dp", "pkg.a 1.0.0");
        installer.install(f);

        installer = restart();
        Files.delete(f.toPath());
        installer.uninstall(f);

        assertEquals("uninstall pkg.a by hot-deploy:model.dp", deployments.last());
        assertFalse(Files.readString(stateFile).contains("pkg.a"), "the map forgets the file");
    }

    @Test
    void anUnchangedFileIsNotInstalledAgainAfterARestartSoAnOperatorsRollbackStands() throws IOException {
        File f = write("model.dp", "pkg.a 2.0.0");
        installer.install(f);
        deployments.installed.put("pkg.a", pkg("pkg.a", "1.0.0")); // rolled back over REST meanwhile

        installer = restart();
        installer.install(f); // FileInstall reports every file as new after a restart
        installer.update(f); // and a touch

        assertEquals(1, deployments.calls.size(), deployments.calls.toString());
        assertEquals("1.0.0", deployments.installed.get("pkg.a").version());
    }

    @Test
    void aPackageChangedByOtherMeansIsStillUninstalledByNameWhenItsFileGoes() throws IOException {
        File f = write("model.dp", "pkg.a 1.0.0");
        installer.install(f);
        deployments.installed.put("pkg.a", pkg("pkg.a", "3.0.0")); // updated over REST

        installer.uninstall(f);

        assertEquals("uninstall pkg.a by hot-deploy:model.dp", deployments.last());
        assertTrue(deployments.installed.isEmpty());
    }

    @Test
    void aPackageAlreadyUninstalledIsLeftAloneWhenItsFileGoes() throws IOException {
        File f = write("model.dp", "pkg.a 1.0.0");
        installer.install(f);
        deployments.installed.clear();

        installer.uninstall(f);

        assertEquals(1, deployments.calls.size(), deployments.calls.toString());
    }

    @Test
    void aRefusedFileIsLeftAndNotRetriedUntilItChangesOrIsTouchedAMinuteLater() throws IOException {
        File f = write("bad.dp", "refuse");
        installer.install(f);
        assertEquals("install refuse by hot-deploy:bad.dp", deployments.last());
        assertTrue(deployments.installed.isEmpty());

        installer.update(f); // rewritten with the same content seconds later
        assertEquals(1, deployments.calls.size(), "the same content is not tried again at once");

        nanos.addAndGet(DpArtifactInstaller.RETRY_REFUSED_AFTER.toNanos());
        installer.update(f); // touched after the trust store was fixed
        assertEquals(2, deployments.calls.size(), "tried again a minute later");

        write("bad.dp", "pkg.b 1.0.0");
        installer.update(f);
        assertEquals("install pkg.b 1.0.0 by hot-deploy:bad.dp", deployments.last());

        Files.delete(f.toPath());
        installer.uninstall(f);
        assertEquals("uninstall pkg.b by hot-deploy:bad.dp", deployments.last());
    }

    @Test
    void aRemovedFileThatInstalledNothingUninstallsNothing() throws IOException {
        File f = write("bad.dp", "refuse");
        installer.install(f);
        Files.delete(f.toPath());

        installer.uninstall(f);

        assertEquals(List.of("install refuse by hot-deploy:bad.dp"), deployments.calls);
    }

    @Test
    void aFileThatNowHoldsAnotherPackageReplacesTheOneItHeld() throws IOException {
        File f = write("model.dp", "pkg.a 1.0.0");
        installer.install(f);

        write("model.dp", "pkg.b 1.0.0");
        installer.update(f);

        assertEquals(List.of("install pkg.a 1.0.0 by hot-deploy:model.dp", "install pkg.b 1.0.0 by hot-deploy:model.dp",
                "uninstall pkg.a by hot-deploy:model.dp"), deployments.calls);
        assertNull(deployments.installed.get("pkg.a"));
        assertEquals("1.0.0", deployments.installed.get("pkg.b").version());
    }

    @Test
    void anUnreadableMapIsSetAsideAndHotDeploymentGoesOn() throws IOException {
        Files.createDirectories(stateFile.getParent());
        Files.writeString(stateFile, "{not json");

        installer = restart();
        installer.install(write("model.dp", "pkg.a 1.0.0"));

        assertTrue(Files.exists(stateFile.resolveSibling("hot-deploy.json.unreadable")));
        assertTrue(Files.readString(stateFile).contains("pkg.a"));
    }

    private static InstalledPackage pkg(String name, String version) {
        return new InstalledPackage(name, version, "test", 0, List.of(), Map.of(), null);
    }

    /** Reads "name version" as a package; "refuse" is refused with a signing error. */
    private static final class Deployments implements DeploymentService {
        final Map<String, InstalledPackage> installed = new LinkedHashMap<>();
        final List<String> calls = new ArrayList<>();
        final List<String> sources = new ArrayList<>();

        String last() {
            return calls.get(calls.size() - 1);
        }

        @Override
        public DeploymentRecord install(InputStream in, String requestedBy, String source, boolean force)
                throws DeploymentException {
            String text;
            try {
                text = new String(in.readNBytes(100), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            calls.add("install " + text + " by " + requestedBy);
            sources.add(source);
            if (text.equals("refuse")) {
                throw new DeploymentException(DeploymentException.CODE_SIGNING_ERROR, "not signed by a trusted key");
            }
            String[] p = text.split(" ");
            InstalledPackage old = installed.put(p[0], pkg(p[0], p[1]));
            return record(old == null ? "INSTALL" : "UPDATE", p[0], old == null ? "" : old.version(), p[1],
                    requestedBy);
        }

        @Override
        public DeploymentRecord uninstall(String name, String requestedBy, boolean force) throws DeploymentException {
            calls.add("uninstall " + name + " by " + requestedBy);
            InstalledPackage old = installed.remove(name);
            if (old == null) {
                throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "no package " + name);
            }
            return record("UNINSTALL", name, old.version(), "", requestedBy);
        }

        @Override
        public DeploymentRecord rollback(String name, String requestedBy) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<String, InstalledPackage> packages() {
            return new LinkedHashMap<>(installed);
        }

        @Override
        public List<DeploymentRecord> history() {
            return List.of();
        }

        private static DeploymentRecord record(String op, String name, String from, String to, String by) {
            return new DeploymentRecord("tx", op, name, from, to, by, "", "test", 0, 0, "COMMITTED", -1, op + " of "
                    + name + " committed");
        }
    }
}
