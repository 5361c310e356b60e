package io.vigil.deploy.internal.crash;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

import org.osgi.framework.Constants;
import org.osgi.framework.Version;

import io.vigil.deploy.internal.tx.FailingActivator;
import io.vigil.deploy.internal.tx.PackageContent;
import io.vigil.deploy.internal.tx.PackageContent.BundleFile;

/**
 * The versions of the one package the crash test deploys over and over, and their bundles: built once, by the test,
 * into {@code <work dir>/jars}, and read from there by every worker process, so that a version has the same bytes
 * (the same sha-256, the same store copy) in every process that deploys it.
 *
 * <p>Each bundle carries a {@code payload.bin} of seeded random bytes so that copying it (into the store, into the
 * framework's cache) takes long enough for kills to land inside those copies, a {@code content.txt} naming its
 * marker (the verifier reads both back through the framework, so a bundle with the right headers but another
 * revision's content would be caught), and an activator: {@link SlowActivator}, whose start and stop take a few
 * milliseconds as a real bundle's do, or, in the failing version's b, {@link FailingActivator}, which throws.
 */
final class CrashBundles {

    static final String PACKAGE = "models";
    /** Size of each bundle's payload: big enough that the framework's cache copy is not instantaneous. */
    static final int PAYLOAD_BYTES = 192 * 1024;

    /** One bundle of a version: its identity and a marker naming its content. */
    record Spec(String symbolicName, String version, String marker, boolean failing) {
        String jarName() {
            return marker + (failing ? "-failing" : "") + ".jar";
        }
    }

    /**
     * The package versions, in start order. v2 changes a, keeps b byte for byte and adds c; v3 changes a, drops b and
     * changes c; 9.0.0 carries a b whose activator throws, so its install must roll back whole.
     */
    static final Map<String, List<Spec>> VERSIONS;
    static final String FAILING_VERSION = "9.0.0";

    static {
        Map<String, List<Spec>> v = new LinkedHashMap<>();
        v.put("1.0.0", List.of(new Spec("a", "1.0.0", "a1", false), new Spec("b", "1.0.0", "b1", false)));
        v.put("2.0.0", List.of(new Spec("a", "2.0.0", "a2", false), new Spec("b", "1.0.0", "b1", false),
                new Spec("c", "1.0.0", "c1", false)));
        v.put("3.0.0", List.of(new Spec("a", "3.0.0", "a3", false), new Spec("c", "2.0.0", "c2", false)));
        v.put(FAILING_VERSION, List.of(new Spec("a", "9.0.0", "a9", false), new Spec("b", "9.0.0", "b9", true)));
        VERSIONS = Map.copyOf(v);
    }

    /** Versions a healthy install can end on; the failing one never commits. */
    static final List<String> GOOD_VERSIONS = List.of("1.0.0", "2.0.0", "3.0.0");

    /** How long each good bundle's activator takes to start and to stop ({@link SlowActivator}). */
    static final int START_MILLIS = 10;
    static final int STOP_MILLIS = 5;

    /** A fixed time for every zip entry: the same input gives the same bytes whenever it is built. */
    private static final long ENTRY_TIME = 1_700_000_000_000L;

    private CrashBundles() {
    }

    static Path jarsDir(Path workDir) {
        return workDir.resolve("jars");
    }

    /** Writes every bundle of every version into {@code <work dir>/jars}. */
    static void buildAll(Path workDir) throws IOException {
        Path dir = Files.createDirectories(jarsDir(workDir));
        for (List<Spec> specs : VERSIONS.values()) {
            for (Spec s : specs) {
                Path file = dir.resolve(s.jarName());
                if (!Files.exists(file)) {
                    Path tmp = dir.resolve(s.jarName() + ".tmp");
                    Files.write(tmp, jar(s));
                    Files.move(tmp, file);
                }
            }
        }
    }

    /** The package content of a version, read from the prebuilt jars. */
    static PackageContent content(Path workDir, String version) throws IOException {
        List<BundleFile> files = new java.util.ArrayList<>();
        for (Spec s : VERSIONS.get(version)) {
            Path file = jarsDir(workDir).resolve(s.jarName());
            files.add(new BundleFile(s.symbolicName(), Version.parseVersion(s.version()), file,
                    sha256(Files.readAllBytes(file))));
        }
        return new PackageContent(PACKAGE, Version.parseVersion(version), null, files, List.of(), "CN=crash-test",
                Map.of("DeploymentPackage-Name", "crash test models"));
    }

    static byte[] payload(String marker) {
        byte[] bytes = new byte[PAYLOAD_BYTES];
        new Random(marker.hashCode()).nextBytes(bytes);
        return bytes;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] jar(Spec s) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        a.putValue(Constants.BUNDLE_SYMBOLICNAME, s.symbolicName());
        a.putValue(Constants.BUNDLE_VERSION, s.version());
        a.putValue("X-Marker", s.marker());
        Class<?> activator = s.failing() ? FailingActivator.class : SlowActivator.class;
        a.putValue(Constants.BUNDLE_ACTIVATOR, activator.getName());
        a.putValue(Constants.IMPORT_PACKAGE, "org.osgi.framework");
        a.putValue("X-Start-Millis", String.valueOf(START_MILLIS));
        a.putValue("X-Stop-Millis", String.valueOf(STOP_MILLIS));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes)) {
            put(jar, "META-INF/", new byte[0]);
            ByteArrayOutputStream manifest = new ByteArrayOutputStream();
            m.write(manifest);
            put(jar, "META-INF/MANIFEST.MF", manifest.toByteArray());
            put(jar, "content.txt", s.marker().getBytes(StandardCharsets.UTF_8));
            put(jar, "payload.bin", payload(s.marker()));
            String name = activator.getName().replace('.', '/') + ".class";
            try (InputStream in = activator.getClassLoader().getResourceAsStream(name)) {
                put(jar, name, in.readAllBytes());
            }
        }
        return bytes.toByteArray();
    }

    private static void put(JarOutputStream jar, String name, byte[] content) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTime(ENTRY_TIME);
        jar.putNextEntry(e);
        jar.write(content);
        jar.closeEntry();
    }
}
