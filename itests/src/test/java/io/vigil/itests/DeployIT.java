package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.service.deploymentadmin.DeploymentAdmin;
import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectionListener;
import io.vigil.itests.support.FailingActivator;

/**
 * Deployment packages on the gateway's bundle set, all in one running container: the model package built and
 * signed by features/ installed through the standard Deployment Admin, updated, rolled back; a package whose
 * second bundle fails to start rolled back whole; unsigned and tampered packages refused. A CWRU recording is
 * replayed throughout, so "serving" means windows scored by that model version.
 */
public class DeployIT extends VigilTestSupport {

    private static final String ASSET = "dp-asset";
    private static final String PACKAGE = MODEL_PACKAGE;

    @Inject
    DeploymentAdmin deploymentAdmin;

    private DeploymentService deployments;
    private final List<Detection> detections = new CopyOnWriteArrayList<>();

    @Before
    public void trustTheBuildsKeyAndReplay() throws Exception {
        deployments = trustTheBuildsKey(10);
        context.registerService(DetectionListener.class, detections::add, null);
        if (pipelines.asset(ASSET).isEmpty()) {
            Path file = Path.of(System.getProperty("vigil.data.dir"), "cwru/1797_IR_7_DE12.npz");
            factoryConfig("io.vigil.runtime.asset", Map.of("vigil.asset", ASSET, "commissioning.seconds", "0",
                    "min.commissioning.windows", "20", "model.name", "bearing-fault", "model.mode", "EVERY_WINDOW"));
            factoryConfig("io.vigil.driver.replay", Map.of("vigil.asset", ASSET, "file", file.toString(),
                    "speed", "4", "loop", "true"));
        }
    }

    private void awaitServing(String version) {
        int from = detections.size();
        await().atMost(Duration.ofSeconds(60)).until(() -> detections.stream().skip(from).filter(d -> d.assetId()
                .equals(ASSET) && d.source().name().equals("bearing-fault")).count() >= 5);
        List<String> versions = detections.stream().skip(from).filter(d -> d.assetId().equals(ASSET)
                && d.source().name().equals("bearing-fault")).map(d -> d.source().version()).distinct().toList();
        assertEquals("the windows after the deployment are scored by " + version, version,
                versions.get(versions.size() - 1));
    }

    private DeploymentRecord last() {
        List<DeploymentRecord> h = deployments.history();
        return h.get(h.size() - 1);
    }

    private void ensureV1() throws Exception {
        if (deployments.packages().get(PACKAGE) == null) {
            try (InputStream in = Files.newInputStream(dp("1.0.0"))) {
                deploymentAdmin.installDeploymentPackage(in);
            }
        } else if (!deployments.packages().get(PACKAGE).version().equals("1.0.0")) {
            try (InputStream in = Files.newInputStream(dp("1.0.0"))) {
                deployments.install(in, "itest", dp("1.0.0").toString(), true);
            }
        }
    }

    @Test
    public void aSignedModelPackageIsInstalledUpdatedAndRolledBackWithAModelServingThroughout() throws Exception {
        List<org.osgi.service.event.Event> events = collectEvents("vigil/deploy/*");
        ensureV1();
        awaitServing("1.0.0");
        assertEquals("1.0.0", deploymentAdmin.getDeploymentPackage(PACKAGE).getVersion().toString());

        try (InputStream in = Files.newInputStream(dp("2.0.0"))) {
            DeploymentRecord r = deployments.install(in, "itest", dp("2.0.0").toString(), false);
            assertEquals("UPDATE", r.operation());
            assertEquals("COMMITTED", r.result());
        }
        awaitServing("2.0.0");
        assertEquals("2.0.0", deployments.packages().get(PACKAGE).version());
        assertTrue(deployments.packages().get(PACKAGE).signer().contains("Vigil test signing key"));
        assertNull("the 1.0.0 model bundle left with its package version", bundle("io.vigil.model.bearing.v1"));

        DeploymentRecord back = deployments.rollback(PACKAGE, "itest");
        assertEquals("ROLLBACK", back.operation());
        assertEquals("COMMITTED", back.result());
        awaitServing("1.0.0");
        assertNull(bundle("io.vigil.model.bearing.v2"));
        assertEquals("1.0.0", deploymentAdmin.getDeploymentPackage(PACKAGE).getVersion().toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> "ROLLBACK".equals(
                e.getProperty("operation"))));
        List<String> committed = events.stream().filter(e -> e.getTopic().equals("vigil/deploy/COMMITTED"))
                .map(e -> e.getProperty("operation") + " " + e.getProperty("to.version")).toList();
        assertTrue(committed.toString(), committed.containsAll(List.of("UPDATE 2.0.0", "ROLLBACK 1.0.0")));
    }

    @Test
    public void aPackageWhoseSecondBundleFailsToStartIsRolledBackWhole() throws Exception {
        ensureV1();
        awaitServing("1.0.0");
        // 3.0.0: the 2.0.0 model bundle, then a bundle whose activator throws; signed with the build's key
        Path broken = Files.createTempFile("broken-", ".dp");
        try (JarFile v2 = new JarFile(dp("2.0.0").toFile())) {
            JarEntry modelEntry = v2.stream().filter(e -> e.getName().endsWith(".jar")).findFirst().orElseThrow();
            byte[] model;
            try (InputStream in = v2.getInputStream(modelEntry)) {
                model = in.readAllBytes();
            }
            String modelBsn = v2.getManifest().getAttributes(modelEntry.getName()).getValue("Bundle-SymbolicName");
            String modelVersion = v2.getManifest().getAttributes(modelEntry.getName()).getValue("Bundle-Version");
            writeDp(broken, "3.0.0", Map.of("bundles/model.jar", new String[] { modelBsn, modelVersion },
                    "bundles/failing.jar", new String[] { "it.failing", "1.0.0" }), Map.of("bundles/model.jar", model,
                            "bundles/failing.jar", failingBundle()));
        }
        sign(broken);
        try (InputStream in = Files.newInputStream(broken)) {
            deployments.install(in, "itest", broken.toString(), false);
            fail("a package whose bundle fails to start must not commit");
        } catch (DeploymentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("it.failing") || e.getMessage().contains("refuses"));
        }
        assertEquals("ROLLED_BACK", last().result());
        assertEquals("1.0.0", deployments.packages().get(PACKAGE).version());
        assertNull("nothing of 3.0.0 left", bundle("it.failing"));
        assertNull(bundle("io.vigil.model.bearing.v2"));
        assertEquals(Bundle.ACTIVE, bundle("io.vigil.model.bearing.v1").getState());
        awaitServing("1.0.0");
    }

    @Test
    public void aPackageWhoseModelFailsValidationIsRolledBackAndTheLiveModelKeepsServing() throws Exception {
        ensureV1();
        awaitServing("1.0.0");
        Path reference = Path.of(System.getProperty("vigil.models.dir"), "bearing-fault-1.0.0");
        byte[] descriptor = new String(Files.readAllBytes(reference.resolve("descriptor.json")))
                .replaceFirst("\"version\": \"1.0.0\"", "\"version\": \"4.0.0\"").getBytes();
        byte[] corrupt = modelBundle("it.model.corrupt", "4.0.0", "bearing-fault;version=4.0.0;"
                + "model=model/model.onnx;descriptor=model/descriptor.json", "not an onnx file".getBytes(),
                descriptor);
        Path broken = Files.createTempFile("corrupt-model-", ".dp");
        writeDp(broken, "4.0.0", Map.of("bundles/model.jar", new String[] { "it.model.corrupt", "4.0.0" }),
                Map.of("bundles/model.jar", corrupt));
        sign(broken);
        try (InputStream in = Files.newInputStream(broken)) {
            deployments.install(in, "itest", broken.toString(), false);
            fail("a package whose model the extender refuses must not commit");
        } catch (DeploymentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("failed validation")
                    && e.getMessage().contains("it.model.corrupt"));
        }
        assertEquals("ROLLED_BACK", last().result());
        assertNull(bundle("it.model.corrupt"));
        assertEquals("1.0.0", deployments.packages().get(PACKAGE).version());
        awaitServing("1.0.0");
    }

    @Test
    public void unsignedAndTamperedPackagesAreRefusedAndNothingChanges() throws Exception {
        ensureV1();
        int before = deployments.history().size();
        Path unsigned = Files.createTempFile("unsigned-", ".dp");
        copyZip(dp("2.0.0"), unsigned, name -> !name.matches("META-INF/[^/]+\\.(SF|EC|RSA|DSA)"), null);
        Path tampered = Files.createTempFile("tampered-", ".dp");
        copyZip(dp("2.0.0"), tampered, name -> true, name -> name.endsWith(".jar"));
        for (Path bad : List.of(unsigned, tampered)) {
            try (InputStream in = Files.newInputStream(bad)) {
                deployments.install(in, "itest", bad.toString(), false);
                fail(bad + " must be refused");
            } catch (DeploymentException e) {
                assertEquals(e.getMessage(), DeploymentException.CODE_SIGNING_ERROR, e.getCode());
            }
        }
        assertEquals("1.0.0", deployments.packages().get(PACKAGE).version());
        assertEquals(before + 2, deployments.history().size());
        assertEquals("REFUSED", last().result());
        awaitServing("1.0.0");
    }

    @Test
    public void theCorePackageCannotReplaceTheDeploymentManagerItRunsOn() throws Exception {
        ensureV1();
        Path core;
        try (var files = Files.list(packages())) {
            core = files.filter(f -> f.getFileName().toString().startsWith("io.vigil.core-")).findFirst()
                    .orElseThrow();
        }
        try (InputStream in = Files.newInputStream(core)) {
            deployments.install(in, "itest", core.toString(), false);
            fail("the core package carries io.vigil.deploy itself");
        } catch (DeploymentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("deployment manager"));
        }
        assertEquals("REFUSED", last().result());
        assertEquals("1.0.0", deployments.packages().get(PACKAGE).version());
    }

    // --- building packages

    private Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    private byte[] failingBundle() throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "it.failing");
        a.putValue("Bundle-Version", "1.0.0");
        a.putValue("Bundle-Activator", FailingActivator.class.getName());
        a.putValue("Import-Package", "org.osgi.framework");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String name = FailingActivator.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream jar = new JarOutputStream(bytes, m);
                InputStream in = FailingActivator.class.getClassLoader().getResourceAsStream(name)) {
            jar.putNextEntry(new JarEntry(name));
            in.transferTo(jar);
            jar.closeEntry();
        }
        return bytes.toByteArray();
    }

    /** A deployment package: the manifest first, then the bundles in the given order. */
    private static void writeDp(Path target, String version, Map<String, String[]> sections,
            Map<String, byte[]> contents) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("DeploymentPackage-SymbolicName", PACKAGE);
        m.getMainAttributes().putValue("DeploymentPackage-Version", version);
        sections.forEach((name, bsnVersion) -> {
            Attributes a = new Attributes();
            a.putValue("Bundle-SymbolicName", bsnVersion[0]);
            a.putValue("Bundle-Version", bsnVersion[1]);
            m.getEntries().put(name, a);
        });
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(target), m)) {
            for (String name : List.of("bundles/model.jar", "bundles/failing.jar")) {
                if (contents.containsKey(name)) {
                    jar.putNextEntry(new JarEntry(name));
                    jar.write(contents.get(name));
                    jar.closeEntry();
                }
            }
        }
    }

    /** Signs in place with the key features/ generated for this build, with the JDK's jarsigner. */
    private static void sign(Path dp) throws Exception {
        Path jarsigner = Path.of(System.getProperty("java.home"), "bin", "jarsigner");
        Process p = new ProcessBuilder(jarsigner.toString(), "-keystore",
                packages().resolve("vigil-test-signing.p12").toString(), "-storepass", "vigil-test", "-sigalg",
                "SHA256withECDSA", "-digestalg", "SHA-256", dp.toString(), "vigil-test").redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals("jarsigner: " + out, 0, p.waitFor());
    }

    /** Copies a zip keeping the entries {@code keep} accepts; flips a byte in those {@code tamper} names. */
    private static void copyZip(Path from, Path to, java.util.function.Predicate<String> keep,
            java.util.function.Predicate<String> tamper) throws IOException {
        try (ZipFile in = new ZipFile(from.toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
            for (Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements();) {
                ZipEntry entry = e.nextElement();
                if (!keep.test(entry.getName())) {
                    continue;
                }
                byte[] data;
                try (InputStream s = in.getInputStream(entry)) {
                    data = s.readAllBytes();
                }
                if (tamper != null && tamper.test(entry.getName()) && data.length > 100) {
                    data[data.length / 2] ^= 0x55;
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                out.write(data);
                out.closeEntry();
            }
        }
    }
}
