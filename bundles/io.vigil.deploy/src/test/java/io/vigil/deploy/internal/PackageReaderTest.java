package io.vigil.deploy.internal;

import static io.vigil.deploy.internal.TestPackages.dp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_BAD_HEADER;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_BUNDLE_NAME_ERROR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_FOREIGN_CUSTOMIZER;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_MISSING_BUNDLE;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_MISSING_HEADER;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_NOT_A_JAR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_ORDER_ERROR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_OTHER_ERROR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_PROCESSOR_NOT_FOUND;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_SIGNING_ERROR;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Version;
import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.deploy.internal.StagedPackage.StagedBundle;

class PackageReaderTest {

    private static final String SN = "com.acme.models";
    private static final String A = "bundles/a.jar";
    private static final String B = "bundles/b.jar";
    private static final byte[] BUNDLE_A = TestPackages.bundle("com.acme.a", "1.0.0");
    private static final byte[] BUNDLE_B = TestPackages.bundle("com.acme.b", "2.1.0.rc1");

    private static TestKeys keys;
    private static TrustPolicy strict;
    private static TrustPolicy lenient;

    @TempDir
    Path tmp;
    private Path staging;

    @BeforeAll
    static void generateKeys() {
        keys = TestKeys.shared();
        strict = keys.policy(false);
        lenient = keys.policy(true);
    }

    @BeforeEach
    void stagingDir() {
        staging = tmp.resolve("staging");
    }

    /** The package most tests start from: two bundles, signed by nobody yet. */
    private static TestPackages.Builder twoBundles() {
        return dp(SN, "1.2.0").header("DeploymentPackage-Name", "ACME models")
                .bundle(A, "com.acme.a", "1.0.0", BUNDLE_A)
                .bundle(B, "com.acme.b", "2.1.0.rc1", BUNDLE_B);
    }

    private StagedPackage read(byte[] dp, TrustPolicy policy) throws DeploymentException {
        return new PackageReader(policy, 0).read(new ByteArrayInputStream(dp), staging);
    }

    /** Asserts the refusal's code, that its message names each of {@code named}, and that nothing is left staged. */
    private DeploymentException refused(int code, byte[] dp, TrustPolicy policy, String... named) {
        return refused(code, () -> read(dp, policy), named);
    }

    private DeploymentException refused(int code, Reading reading, String... named) {
        DeploymentException e = assertThrows(DeploymentException.class, reading::read);
        assertEquals(code, e.getCode(), () -> "code of: " + e.getMessage());
        for (String value : named) {
            assertTrue(e.getMessage().contains(value), () -> "the message should name " + value + ": "
                    + e.getMessage());
        }
        assertEquals(List.of(), stagedFiles(), "files left in the staging directory after: " + e.getMessage());
        return e;
    }

    private interface Reading {
        StagedPackage read() throws DeploymentException;
    }

    private List<Path> stagedFiles() {
        if (!Files.exists(staging)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(staging)) {
            return files.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- accepted packages ---------------------------------------------------------------------------------------

    @Test
    void stagesSignedPackageWithTwoBundles() throws Exception {
        StagedPackage staged = read(twoBundles().signed(keys.trusted), strict);

        assertEquals(SN, staged.manifest().symbolicName());
        assertEquals(new Version(1, 2, 0), staged.manifest().version());
        assertEquals("ACME models", staged.manifest().header("deploymentpackage-name"));
        assertEquals(List.of(keys.trusted.subject()), staged.signers());
        assertFalse(staged.unsigned());
        assertEquals(List.of(), staged.missing());
        assertEquals(BUNDLE_A.length + BUNDLE_B.length, staged.totalBytes());
        List<StagedBundle> bundles = staged.bundles();
        assertEquals(List.of(A, B), bundles.stream().map(StagedBundle::name).toList());
        assertStaged(bundles.get(0), "com.acme.a", new Version(1, 0, 0), BUNDLE_A);
        assertStaged(bundles.get(1), "com.acme.b", new Version(2, 1, 0, "rc1"), BUNDLE_B);
        assertEquals(2, stagedFiles().size());

        staged.discard();
        assertEquals(List.of(), stagedFiles());
    }

    private static void assertStaged(StagedBundle bundle, String bsn, Version version, byte[] content)
            throws IOException {
        assertEquals(bsn, bundle.symbolicName());
        assertEquals(version, bundle.version());
        assertEquals(content.length, bundle.size());
        assertEquals(TestPackages.sha256(content), bundle.sha256());
        assertArrayEquals(content, Files.readAllBytes(bundle.file()));
    }

    @Test
    void acceptsSignerIssuedByTrustedCa() throws Exception {
        StagedPackage staged = read(twoBundles().signed(keys.caIssued), strict);
        assertEquals(List.of(keys.caIssued.subject()), staged.signers());
    }

    @Test
    void acceptsPackageSignedByTrustedAndUntrustedSigner() throws Exception {
        byte[] dp = TestPackages.sign(twoBundles().signed(keys.trusted), keys.untrusted);
        assertEquals(List.of(keys.trusted.subject()), read(dp, strict).signers());
    }

    @Test
    void stagesFixPackWithMissingBundle() throws Exception {
        byte[] dp = dp(SN, "1.2.1").header(DpManifest.FIX_PACK, "[1.2,1.3)")
                .bundle(A, "com.acme.a", "1.0.1")
                .missingBundle(B, "com.acme.b", "2.1.0.rc1")
                .signed(keys.trusted);
        StagedPackage staged = read(dp, strict);
        assertEquals(List.of(A), staged.bundles().stream().map(StagedBundle::name).toList());
        assertEquals(List.of(B), staged.missing().stream().map(DpManifest.Entry::name).toList());
        assertEquals("com.acme.b", staged.missing().get(0).bundleSymbolicName());
    }

    @Test
    void acceptsUnsignedPackageOnlyWhenAllowed() throws Exception {
        byte[] dp = twoBundles().build();
        refused(CODE_SIGNING_ERROR, dp, strict, SN, "unsigned package refused", "jarsigner", "allow.unsigned");

        StagedPackage staged = read(dp, lenient);
        assertTrue(staged.unsigned());
        assertEquals(List.of(), staged.signers());
        assertEquals(2, staged.bundles().size());
    }

    // ---- not a (complete) JAR ------------------------------------------------------------------------------------

    @Test
    void refusesInputThatIsNotAZip() {
        byte[] text = "this is not a deployment package".getBytes(StandardCharsets.UTF_8);
        refused(CODE_NOT_A_JAR, text, strict, "not a JAR", text.length + " bytes");
        refused(CODE_NOT_A_JAR, new byte[0], strict, "not a JAR", "0 bytes");
    }

    @Test
    void refusesArchiveTruncatedAnywhere() {
        byte[] dp = twoBundles().signed(keys.trusted);
        Map<String, Integer> at = TestPackages.offsets(dp);
        int manifest = at.get("META-INF/MANIFEST.MF");
        int signatureFile = at.get("META-INF/TRUSTED.SF");
        int a = at.get(A);
        int b = at.get(B);
        int directory = at.get("");
        Map<String, Integer> cuts = new LinkedHashMap<>();
        cuts.put("inside the first local header", 10);
        cuts.put("inside the manifest", (manifest + signatureFile) / 2);
        cuts.put("inside the first bundle", (a + b) / 2);
        cuts.put("between the bundles", b);
        cuts.put("inside the second bundle", (b + directory) / 2);
        cuts.put("at the central directory", directory);
        cuts.put("inside the end record", dp.length - 1);
        cuts.forEach((where, length) -> {
            DeploymentException e = refused(CODE_NOT_A_JAR, TestPackages.truncate(dp, length), strict,
                    length + " bytes");
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("not a JAR"),
                    where + ": " + e.getMessage());
        });
    }

    @Test
    void refusesTruncationAtSampledOffsetsThroughoutTheArchive() {
        byte[] dp = twoBundles().signed(keys.trusted);
        // every 7th length: a few hundred cuts through headers, deflated data, descriptors and the directory
        for (int length = 0; length < dp.length; length += 7) {
            refused(CODE_NOT_A_JAR, TestPackages.truncate(dp, length), strict, length + " bytes");
        }
    }

    // ---- structure and headers -----------------------------------------------------------------------------------

    @Test
    void refusesManifestThatIsNotFirst() {
        byte[] dp = twoBundles().manifestAfterFirstEntry().build();
        refused(CODE_ORDER_ERROR, dp, lenient, A, "META-INF/MANIFEST.MF must be its first entry");
    }

    @Test
    void refusesSignatureFilesAfterContent() {
        byte[] dp = TestPackages.moveToEnd(twoBundles().signed(keys.trusted), "META-INF/TRUSTED.SF",
                "META-INF/TRUSTED.EC");
        // by the first bundle the package looks unsigned, and the strict policy stops there
        refused(CODE_SIGNING_ERROR, dp, strict, "unsigned package refused", "no signature file");
        refused(CODE_ORDER_ERROR, dp, lenient, "META-INF/TRUSTED.SF", "must directly follow the manifest");
    }

    @Test
    void refusesMissingRequiredHeaders() {
        refused(CODE_MISSING_HEADER, twoBundles().header(DpManifest.SYMBOLIC_NAME, null).signed(keys.trusted), strict,
                "DeploymentPackage-SymbolicName");
        refused(CODE_MISSING_HEADER, twoBundles().header(DpManifest.VERSION, null).signed(keys.trusted), strict,
                SN, "DeploymentPackage-Version");
    }

    @Test
    void refusesMalformedHeaders() {
        refused(CODE_BAD_HEADER, twoBundles().header(DpManifest.VERSION, "1.x").signed(keys.trusted), strict,
                "DeploymentPackage-Version", "'1.x'");
        refused(CODE_BAD_HEADER, twoBundles().header(DpManifest.FIX_PACK, "[1.0,").signed(keys.trusted), strict,
                "DeploymentPackage-FixPack", "'[1.0,'");
        refused(CODE_BAD_HEADER, twoBundles().header(DpManifest.SYMBOLIC_NAME, "com acme").signed(keys.trusted),
                strict, "'com acme'");
        refused(CODE_BAD_HEADER, twoBundles().header(DpManifest.REQUIRED_STORAGE, "lots").signed(keys.trusted),
                strict, "'lots'");
    }

    @Test
    void refusesContradictorySections() {
        byte[] both = twoBundles().section(B, DpManifest.RESOURCE_PROCESSOR, "org.osgi.deployment.rp.autoconf")
                .signed(keys.trusted);
        refused(CODE_BAD_HEADER, both, strict, B, "org.osgi.deployment.rp.autoconf");

        byte[] noVersion = dp(SN, "1.2.0").section(A, "Bundle-SymbolicName", "com.acme.a").entry(A, BUNDLE_A)
                .signed(keys.trusted);
        refused(CODE_BAD_HEADER, noVersion, strict, A, "com.acme.a", "no Bundle-Version");
    }

    @Test
    void refusesTwoEntriesWithTheSameBundle() {
        byte[] dp = twoBundles().bundle("bundles/a-copy.jar", "com.acme.a", "1.0.0", BUNDLE_A).signed(keys.trusted);
        refused(CODE_BAD_HEADER, dp, strict, "com.acme.a", A, "bundles/a-copy.jar");
    }

    @Test
    void refusesEntryNamedInManifestButAbsent() {
        byte[] dp = twoBundles().section("bundles/c.jar", "Bundle-SymbolicName", "com.acme.c", "Bundle-Version", "1")
                .signed(keys.trusted);
        refused(CODE_MISSING_BUNDLE, dp, strict, "bundles/c.jar", "com.acme.c");
    }

    @Test
    void refusesMissingEntryOutsideFixPack() {
        byte[] dp = twoBundles().missingBundle("bundles/c.jar", "com.acme.c", "1.0.0").signed(keys.trusted);
        refused(CODE_BAD_HEADER, dp, strict, "bundles/c.jar", "DeploymentPackage-Missing", "DeploymentPackage-FixPack");
    }

    @Test
    void refusesFixPackEntryMarkedMissingButPresent() {
        byte[] dp = twoBundles().header(DpManifest.FIX_PACK, "[1.0,2.0)").section(B, DpManifest.MISSING, "true")
                .signed(keys.trusted);
        refused(CODE_BAD_HEADER, dp, strict, B, "DeploymentPackage-Missing");
    }

    @Test
    void refusesArchiveEntryTheManifestDoesNotName() {
        // added after signing: jarsigner would have given it a (digest) section, making it a resource
        byte[] dp = TestPackages.addEntry(twoBundles().signed(keys.trusted), "extra/readme.txt",
                "hello".getBytes(StandardCharsets.UTF_8));
        refused(CODE_ORDER_ERROR, dp, strict, "extra/readme.txt", "does not name");
    }

    @Test
    void refusesEntryThatAppearsTwice() {
        byte[] dp = TestPackages.renameInPlace(twoBundles().build(), B, A);
        refused(CODE_ORDER_ERROR, dp, lenient, A, "twice");
    }

    // ---- bundles -------------------------------------------------------------------------------------------------

    @Test
    void refusesBundleWhoseHeadersDifferFromItsSection() {
        byte[] otherName = dp(SN, "1.2.0").bundle(A, "com.acme.a", "1.0.0", TestPackages.bundle("com.acme.x", "1.0.0"))
                .signed(keys.trusted);
        refused(CODE_BUNDLE_NAME_ERROR, otherName, strict, A, "com.acme.x", "com.acme.a");

        byte[] otherVersion = dp(SN, "1.2.0")
                .bundle(A, "com.acme.a", "1.0.0", TestPackages.bundle("com.acme.a;singleton:=true", "1.0.1"))
                .signed(keys.trusted);
        refused(CODE_BUNDLE_NAME_ERROR, otherVersion, strict, A, "1.0.1", "1.0.0");
    }

    @Test
    void acceptsBundleSymbolicNameWithDirectives() throws Exception {
        byte[] dp = dp(SN, "1.2.0")
                .bundle(A, "com.acme.a", "1.0.0", TestPackages.bundle("com.acme.a;singleton:=true", "1.0.0"))
                .signed(keys.trusted);
        assertEquals("com.acme.a", read(dp, strict).bundles().get(0).symbolicName());
    }

    @Test
    void refusesEntryThatIsNotABundle() {
        Manifest plain = new Manifest();
        plain.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        byte[] plainJar = TestPackages.jar(plain, Map.of("a.txt", new byte[10]));
        refused(CODE_BUNDLE_NAME_ERROR, dp(SN, "1.2.0").bundle(A, "com.acme.a", "1.0.0", plainJar)
                .signed(keys.trusted), strict, A, "not an OSGi bundle", "Bundle-SymbolicName");

        byte[] text = "not even a zip".getBytes(StandardCharsets.UTF_8);
        refused(CODE_BUNDLE_NAME_ERROR, dp(SN, "1.2.0").bundle(A, "com.acme.a", "1.0.0", text)
                .signed(keys.trusted), strict, A, "not a JAR");
    }

    @Test
    void refusesResourcesAndCustomizers() {
        byte[] resource = twoBundles().section("conf/a.xml", DpManifest.RESOURCE_PROCESSOR,
                "org.osgi.deployment.rp.autoconf").entry("conf/a.xml", new byte[10]).signed(keys.trusted);
        refused(CODE_PROCESSOR_NOT_FOUND, resource, strict, "conf/a.xml", "org.osgi.deployment.rp.autoconf",
                "bundles only");

        byte[] customizer = twoBundles().section(B, DpManifest.CUSTOMIZER, "true").signed(keys.trusted);
        refused(CODE_FOREIGN_CUSTOMIZER, customizer, strict, B, "customizers are not supported");
    }

    // ---- signatures ----------------------------------------------------------------------------------------------

    @Test
    void refusesTamperedEntryEvenWhenUnsignedIsAllowed() {
        byte[] dp = TestPackages.tamper(twoBundles().signed(keys.trusted), B);
        refused(CODE_SIGNING_ERROR, dp, strict, B, "modified after signing");
        refused(CODE_SIGNING_ERROR, dp, lenient, B, "modified after signing");
    }

    @Test
    void refusesUntrustedSignerEvenWhenUnsignedIsAllowed() {
        byte[] dp = twoBundles().signed(keys.untrusted);
        refused(CODE_SIGNING_ERROR, dp, strict, keys.untrusted.subject(), "not trusted", "trust store");
        refused(CODE_SIGNING_ERROR, dp, lenient, keys.untrusted.subject(), "not trusted");
    }

    @Test
    void refusesExpiredSigner() {
        DeploymentException e = refused(CODE_SIGNING_ERROR, twoBundles().signed(keys.expired), strict,
                keys.expired.subject(), "expired on");
        assertTrue(e.getMessage().contains(keys.expired.certificate().getNotAfter().toInstant().toString()),
                e.getMessage());
    }

    @Test
    void refusesMainHeaderChangedAfterSigning() {
        byte[] dp = TestPackages.replaceEntry(twoBundles().signed(keys.trusted), "META-INF/MANIFEST.MF",
                manifest -> new String(manifest, StandardCharsets.UTF_8)
                        .replace("DeploymentPackage-Version: 1.2.0", "DeploymentPackage-Version: 1.3.0")
                        .getBytes(StandardCharsets.UTF_8));
        refused(CODE_SIGNING_ERROR, dp, strict, "META-INF/TRUSTED.EC", "Manifest main attributes");
    }

    @Test
    void refusesSectionAddedToManifestAfterSigning() {
        byte[] signed = dp(SN, "1.2.1").header(DpManifest.FIX_PACK, "[1.2,1.3)").bundle(A, "com.acme.a", "1.0.1")
                .signed(keys.trusted);
        byte[] dp = TestPackages.appendToManifest(signed, "Name: " + B + "\r\nBundle-SymbolicName: com.acme.b\r\n"
                + "Bundle-Version: 2.1.0.rc1\r\nDeploymentPackage-Missing: true\r\n\r\n");
        refused(CODE_SIGNING_ERROR, dp, strict, "META-INF/TRUSTED.SF", "does not sign the manifest");
    }

    @Test
    void refusesEntryAddedAfterSigning() {
        // the section is signed, the bundle it names is not: it was not in the archive when it was signed
        byte[] signed = twoBundles().section("bundles/c.jar", "Bundle-SymbolicName", "com.acme.c",
                "Bundle-Version", "1.0.0").signed(keys.trusted);
        byte[] dp = TestPackages.addEntry(signed, "bundles/c.jar", TestPackages.bundle("com.acme.c", "1.0.0"));
        refused(CODE_SIGNING_ERROR, dp, strict, "bundles/c.jar", "digest missing", "modified after signing");
    }

    @Test
    void refusesEntriesSignedWithADisabledDigestAlgorithm() {
        // Java 17 ignores SHA-1 digests of signed JARs (jdk.jar.disabledAlgorithms), so the entries count as unsigned
        byte[] dp = TestPackages.sign(twoBundles().build(), keys.trusted, "SHA-1");
        refused(CODE_SIGNING_ERROR, dp, strict, A, "not signed although the package is", "SHA-256");
    }

    // ---- disk space ----------------------------------------------------------------------------------------------

    @Test
    void refusesWhenTheReserveExceedsTheFreeSpace() throws IOException {
        Files.createDirectories(staging);
        long reserve = Files.getFileStore(staging).getUsableSpace() + (1L << 30);
        byte[] dp = twoBundles().signed(keys.trusted);
        refused(CODE_OTHER_ERROR, () -> new PackageReader(strict, reserve).read(new ByteArrayInputStream(dp), staging),
                "staging needs", A, "above the reserve of " + reserve + " bytes");
    }

    @Test
    void refusesWhenTheDiskFillsUpDuringAnEntry() {
        byte[] large = TestPackages.bundle("com.acme.large", "1.0.0", 3 << 19); // 1.5 MiB, incompressible
        byte[] dp = dp(SN, "1.2.0").bundle(A, "com.acme.large", "1.0.0", large)
                .bundle(B, "com.acme.large2", "1.0.0", TestPackages.bundle("com.acme.large2", "1.0.0", 3 << 19))
                .signed(keys.trusted);
        // a disk of 2.6 MiB: enough to start the second bundle, not to finish it
        long capacity = (26L << 20) / 10;
        AtomicLong mostUsed = new AtomicLong();
        PackageReader.FreeSpace smallDisk = dir -> {
            long used = sizeOf(dir);
            mostUsed.accumulateAndGet(used, Math::max);
            return capacity - used;
        };
        refused(CODE_OTHER_ERROR, () -> new PackageReader(strict, 0, smallDisk).read(new ByteArrayInputStream(dp),
                staging), "staging needs", B, "reserve of 0 bytes");
        assertTrue(mostUsed.get() > large.length, "the check should have stopped the second bundle part-way, "
                + "but at most " + mostUsed.get() + " bytes were staged");
    }

    @Test
    void refusesWhenRequiredStorageExceedsTheFreeSpace() {
        String required = String.valueOf(Long.MAX_VALUE / 2);
        byte[] dp = twoBundles().header(DpManifest.REQUIRED_STORAGE, required).signed(keys.trusted);
        refused(CODE_OTHER_ERROR, dp, strict, "staging needs " + required, "DeploymentPackage-RequiredStorage");
    }

    @Test
    void refusesStagingDirectoryThatIsNotEmpty() throws IOException {
        Path leftover = Files.createDirectories(staging).resolve("leftover.jar");
        Files.writeString(leftover, "from an earlier deployment");
        DeploymentException e = assertThrows(DeploymentException.class,
                () -> read(twoBundles().signed(keys.trusted), strict));
        assertEquals(CODE_OTHER_ERROR, e.getCode());
        assertTrue(e.getMessage().contains("leftover.jar") && e.getMessage().contains(staging.toString()),
                e.getMessage());
        assertEquals(List.of(leftover), stagedFiles(), "someone else's file must be left alone");
    }

    private static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long size = 0;
            for (Path file : files.toList()) {
                size += Files.size(file);
            }
            return size;
        }
    }
}
