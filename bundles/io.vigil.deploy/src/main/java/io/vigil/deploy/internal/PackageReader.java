package io.vigil.deploy.internal;

import static org.osgi.service.deploymentadmin.DeploymentException.CODE_BAD_HEADER;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_BUNDLE_NAME_ERROR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_FOREIGN_CUSTOMIZER;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_MISSING_BUNDLE;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_MISSING_RESOURCE;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_NOT_A_JAR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_ORDER_ERROR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_OTHER_ERROR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_PROCESSOR_NOT_FOUND;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_SIGNING_ERROR;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.CodeSigner;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.osgi.framework.Version;
import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.deploy.internal.DpManifest.Entry;
import io.vigil.deploy.internal.StagedPackage.StagedBundle;

/**
 * Reads a deployment package from a stream in one pass, verifies it and writes its bundles to a staging directory.
 * <p>
 * One pass because packages arrive over the network and gateways have little disk: nothing is buffered whole, each
 * bundle goes straight to its staged file while its SHA-256 and its signature digest are computed. Any failure leaves
 * the staging directory as empty as it was given. Vigil installs bundles only: resources and customizers are refused
 * before anything is written.
 * <p>
 * Signatures (standard JAR signing) when the package carries any: every entry must be signed by the same set of
 * signers, at least one of them trusted by the {@link TrustPolicy}, and every signature file must sign the manifest as
 * a whole, so that no section (a DeploymentPackage-Missing one, say) can be added after signing. A package without a
 * signature is refused unless the policy allows unsigned packages; a package with a broken or untrusted signature is
 * refused regardless.
 * <p>
 * Disk space: before each bundle and after every {@value #SPACE_CHECK_INTERVAL} bytes written, the usable space of
 * the staging file store minus the reserve must cover what remains of the entry (its declared size, or the next check
 * interval when the zip does not declare it); DeploymentPackage-RequiredStorage, when present, must be covered up
 * front. A write that fails with "no space left" is reported the same way.
 * <p>
 * Thread-safe: the reader holds configuration only.
 */
public final class PackageReader {

    /** Often enough to stop well before the reserve is used up, rarely enough to cost nothing. */
    static final int SPACE_CHECK_INTERVAL = 1 << 20;

    /** The usable bytes of the file store holding a directory; tests replace it to simulate a small disk. */
    @FunctionalInterface
    interface FreeSpace {
        long usableBytes(Path dir) throws IOException;
    }

    private final TrustPolicy trust;
    private final long minFreeBytes;
    private final FreeSpace freeSpace;

    /** @param minFreeBytes the space staging must leave free for the rest of the gateway */
    public PackageReader(TrustPolicy trust, long minFreeBytes) {
        this(trust, minFreeBytes, dir -> Files.getFileStore(dir).getUsableSpace());
    }

    PackageReader(TrustPolicy trust, long minFreeBytes, FreeSpace freeSpace) {
        this.trust = trust;
        this.minFreeBytes = minFreeBytes;
        this.freeSpace = freeSpace;
    }

    /**
     * @param in         the package; read to its end, not closed
     * @param stagingDir an empty or absent directory for the bundles; left empty when the read fails
     */
    public StagedPackage read(InputStream in, Path stagingDir) throws DeploymentException {
        return new Reading(stagingDir).read(in);
    }

    /** The state of one read. */
    private final class Reading {

        private final Path dir;
        private final Instant now = Instant.now();
        private final List<Path> created = new ArrayList<>();
        private final Map<String, byte[]> signatureFiles = new LinkedHashMap<>();
        private final Set<String> seen = new HashSet<>();
        private final List<StagedBundle> bundles = new ArrayList<>();
        private String label = "deployment package";
        private ArchiveStream source;
        private JarInputStream jar;
        private DpManifest manifest;
        private byte[] rawManifest;
        private boolean signaturesClosed;
        private boolean contentStarted;
        private boolean signed;
        private Set<CodeSigner> signerSet;
        private List<String> trustedSigners = List.of();
        private long totalBytes;

        Reading(Path dir) {
            this.dir = dir;
        }

        StagedPackage read(InputStream in) throws DeploymentException {
            prepareDirectory();
            try {
                return readPackage(in);
            } catch (DeploymentException | RuntimeException e) {
                for (Path file : created) {
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException notDeleted) {
                        e.addSuppressed(notDeleted);
                    }
                }
                throw e;
            }
        }

        private void prepareDirectory() throws DeploymentException {
            try (Stream<Path> files = Files.list(Files.createDirectories(dir))) {
                Optional<Path> leftover = files.findFirst();
                if (leftover.isPresent()) {
                    throw fail(CODE_OTHER_ERROR, "staging directory " + dir + " is not empty (it holds "
                            + leftover.get().getFileName() + "); stage each package into a fresh directory", null);
                }
            } catch (IOException e) {
                throw fail(CODE_OTHER_ERROR, "cannot use staging directory " + dir + ": " + e, e);
            }
        }

        private StagedPackage readPackage(InputStream in) throws DeploymentException {
            readManifest(in);
            String previous = null;
            for (JarEntry entry; (entry = next(previous)) != null; previous = entry.getName()) {
                readEntry(entry);
            }
            try {
                source.drain();
            } catch (IOException e) {
                throw notAJar("after its last entry", e);
            }
            if (!source.endsWithEndRecord()) {
                throw fail(CODE_NOT_A_JAR, "the archive is truncated: it ends after " + source.count()
                        + " bytes without the zip end-of-central-directory record; transfer the package again", null);
            }
            startContent();
            if (signed && signerSet == null) {
                throw fail(CODE_SIGNING_ERROR, "the package is signed but has no entry the signature could be "
                        + "verified on, so its signer is unknown; include at least one bundle", null);
            }
            for (Entry entry : manifest.entries()) {
                if (!entry.missing() && !seen.contains(entry.name())) {
                    throw fail(entry.isBundle() ? CODE_MISSING_BUNDLE : CODE_MISSING_RESOURCE, entry
                            + " is named in the manifest but not in the archive; add it to the archive"
                            + (manifest.isFixPack() ? ", or mark it " + DpManifest.MISSING
                                    + ": true when the installed version already has it" : ""), null);
                }
            }
            List<Entry> missing = manifest.entries().stream().filter(Entry::missing).toList();
            return new StagedPackage(manifest, bundles, missing, trustedSigners, !signed, totalBytes);
        }

        private void readManifest(InputStream in) throws DeploymentException {
            source = new ArchiveStream(in);
            source.startRecording();
            try {
                jar = new JarInputStream(source, true);
            } catch (IOException | IllegalArgumentException e) {
                throw notAJar("at its start", e);
            }
            byte[] head = source.stopRecording();
            Manifest jarManifest = jar.getManifest();
            if (jarManifest == null) {
                JarEntry first = next(null);
                if (first == null) {
                    throw fail(CODE_NOT_A_JAR, "the input is not a JAR: no zip entry in the " + source.count()
                            + " bytes received; send the .dp file itself", null);
                }
                throw fail(CODE_ORDER_ERROR, "the archive starts with " + first.getName() + ", but "
                        + JarFile.MANIFEST_NAME + " must be its first entry; build the package with a tool that "
                        + "writes the manifest first (jar, JarOutputStream, osgi-dp)", null);
            }
            manifest = DpManifest.parse(jarManifest);
            label = "deployment package " + manifest;
            refuseUnsupported();
            rawManifest = manifestBytes(head);
            if (manifest.requiredStorage().isPresent()) {
                ensureSpace("the whole package (" + DpManifest.REQUIRED_STORAGE + ")",
                        manifest.requiredStorage().getAsLong());
            }
        }

        private void readEntry(JarEntry entry) throws DeploymentException {
            String name = entry.getName();
            if (isSignatureFile(name)) {
                if (signaturesClosed) {
                    throw fail(CODE_ORDER_ERROR, "signature file " + name + " comes after other entries; signature "
                            + "files must directly follow the manifest: re-sign with jarsigner", null);
                }
                signatureFiles.put(name, readAll(entry));
                return;
            }
            // as in the JDK's verifier: the first entry that is neither a signature file nor META-INF/ ends them
            boolean meta = name.toUpperCase(Locale.ROOT).startsWith("META-INF/");
            signaturesClosed |= !(meta && entry.isDirectory());
            if (meta || entry.isDirectory()) {
                readAll(entry); // not content: nothing to stage
                return;
            }
            startContent();
            Entry declared = manifest.entry(name).orElseThrow(() -> fail(CODE_ORDER_ERROR, "the archive contains "
                    + name + ", which the manifest does not name; every entry of a deployment package needs a Name "
                    + "section: add one or remove the entry", null));
            if (!seen.add(name)) {
                throw fail(CODE_ORDER_ERROR, "the archive contains " + name + " twice; rebuild the package", null);
            }
            if (declared.missing()) {
                throw fail(CODE_BAD_HEADER, name + " is marked " + DpManifest.MISSING + ": true but is in the "
                        + "archive; remove the header or the entry", null);
            }
            stage(entry, declared);
        }

        private void refuseUnsupported() throws DeploymentException {
            for (Entry entry : manifest.entries()) {
                if (!entry.isBundle()) {
                    String processor = entry.resourceProcessor() == null
                            ? " without a " + DpManifest.RESOURCE_PROCESSOR
                            : " for the resource processor " + entry.resourceProcessor();
                    throw fail(CODE_PROCESSOR_NOT_FOUND, "entry " + entry.name() + " is a resource" + processor
                            + ", but Vigil ships no resource processors: the package must contain bundles only "
                            + "(put configuration and data inside a bundle)", null);
                }
                if (entry.customizer()) {
                    throw fail(CODE_FOREIGN_CUSTOMIZER, entry + " is marked " + DpManifest.CUSTOMIZER + ": true, but "
                            + "customizers are not supported by Vigil (it has no resource processors for them to "
                            + "serve); remove the header or the bundle", null);
                }
            }
        }

        /** Called at the first content entry, or at the end when there is none: the signature files are all read. */
        private void startContent() throws DeploymentException {
            if (contentStarted) {
                return;
            }
            contentStarted = true;
            signed = !signatureFiles.isEmpty();
            if (!signed && !trust.allowUnsigned()) {
                throw fail(CODE_SIGNING_ERROR, "unsigned package refused (no signature file between the manifest "
                        + "and the first entry); sign it with jarsigner or set allow.unsigned for development", null);
            }
            if (signed) {
                checkManifestSigned();
            }
        }

        /**
         * The JDK falls back to per-section digests when the whole-manifest digest fails, and so ignores sections
         * without an archive entry; in a deployment package those sections matter (DeploymentPackage-Missing).
         */
        private void checkManifestSigned() throws DeploymentException {
            List<String> sfNames = signatureFiles.keySet().stream()
                    .filter(n -> n.toUpperCase(Locale.ROOT).endsWith(".SF")).toList();
            if (sfNames.isEmpty()) {
                throw fail(CODE_SIGNING_ERROR, "the package has signature blocks " + signatureFiles.keySet()
                        + " but no signature file (.SF); re-sign it with jarsigner", null);
            }
            for (String sfName : sfNames) {
                Attributes main;
                try {
                    main = new Manifest(new ByteArrayInputStream(signatureFiles.get(sfName))).getMainAttributes();
                } catch (IOException e) {
                    throw fail(CODE_SIGNING_ERROR, "signature file " + sfName + " is unreadable (" + e
                            + "); re-sign the package", e);
                }
                boolean covered = false;
                for (Map.Entry<Object, Object> attribute : main.entrySet()) {
                    String key = attribute.getKey().toString();
                    if (key.toLowerCase(Locale.ROOT).endsWith("-digest-manifest")) {
                        String algorithm = key.substring(0, key.length() - "-Digest-Manifest".length());
                        covered |= digestMatches(algorithm, attribute.getValue().toString());
                    }
                }
                if (!covered) {
                    throw fail(CODE_SIGNING_ERROR, "signature file " + sfName + " does not sign the manifest as a "
                            + "whole: the manifest was changed after signing (or signed with jarsigner -sectionsonly);"
                            + " re-sign the package", null);
                }
            }
        }

        private boolean digestMatches(String algorithm, String base64) {
            try {
                byte[] expected = Base64.getMimeDecoder().decode(base64);
                return MessageDigest.isEqual(expected, MessageDigest.getInstance(algorithm).digest(rawManifest));
            } catch (NoSuchAlgorithmException | IllegalArgumentException unusable) {
                return false;
            }
        }

        private void stage(JarEntry entry, Entry declared) throws DeploymentException {
            Path file = dir.resolve(String.format("%03d-%s-%s.jar", bundles.size(), declared.bundleSymbolicName(),
                    declared.bundleVersion()));
            MessageDigest sha256 = sha256();
            long size;
            created.add(file);
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
                size = copy(entry, out, sha256);
            } catch (IOException e) {
                throw writeFailed(entry.getName(), SPACE_CHECK_INTERVAL, e);
            }
            checkSigners(entry);
            checkBundleIdentity(entry.getName(), file, declared);
            bundles.add(new StagedBundle(entry.getName(), declared.bundleSymbolicName(), declared.bundleVersion(),
                    file, HexFormat.of().formatHex(sha256.digest()), size));
            totalBytes += size;
        }

        private long copy(JarEntry entry, OutputStream out, MessageDigest sha256) throws DeploymentException {
            String name = entry.getName();
            long declaredSize = entry.getSize(); // -1 when the zip puts it in a data descriptor after the data
            byte[] buffer = new byte[64 * 1024];
            ensureSpace(name, stillToWrite(declaredSize, 0));
            long written = 0;
            long sinceCheck = 0;
            for (int n; (n = read(entry, buffer)) >= 0;) {
                if (sinceCheck >= SPACE_CHECK_INTERVAL) {
                    ensureSpace(name, stillToWrite(declaredSize, written));
                    sinceCheck = 0;
                }
                try {
                    out.write(buffer, 0, n);
                } catch (IOException e) {
                    throw writeFailed(name, stillToWrite(declaredSize, written), e);
                }
                sha256.update(buffer, 0, n);
                written += n;
                sinceCheck += n;
            }
            return written;
        }

        private void checkSigners(JarEntry entry) throws DeploymentException {
            if (!signed) {
                return;
            }
            String name = entry.getName();
            CodeSigner[] signers = entry.getCodeSigners();
            if (signers == null || signers.length == 0) {
                throw fail(CODE_SIGNING_ERROR, "entry " + name + " is not signed although the package is: it was "
                        + "added or changed after signing, or signed with an algorithm this Java runtime disables "
                        + "(such as SHA-1); rebuild and re-sign the package with SHA-256", null);
            }
            Set<CodeSigner> set = new HashSet<>(Arrays.asList(signers));
            if (signerSet == null) {
                List<String> accepted = new ArrayList<>();
                List<String> reasons = new ArrayList<>();
                for (CodeSigner signer : signers) {
                    try {
                        trust.check(signer, now);
                        accepted.add(subject(signer));
                    } catch (CertificateException e) {
                        reasons.add(e.getMessage());
                    }
                }
                if (accepted.isEmpty()) {
                    throw fail(CODE_SIGNING_ERROR, "entry " + name + " is signed by " + subjects(set)
                            + ", which is not trusted (" + String.join("; ", reasons) + "); add the signer's "
                            + "certificate or its CA to the trust store, or sign with a trusted key", null);
                }
                signerSet = set;
                trustedSigners = accepted;
            } else if (!signerSet.equals(set)) {
                throw fail(CODE_SIGNING_ERROR, "entry " + name + " is signed by " + subjects(set) + " but the first "
                        + "entry by " + subjects(signerSet) + "; all entries must carry the same signatures: "
                        + "re-sign the whole package", null);
            }
        }

        private void checkBundleIdentity(String name, Path file, Entry declared) throws DeploymentException {
            String declaredAs = declared.bundleSymbolicName() + " " + declared.bundleVersion();
            String bsn;
            String versionText;
            try (JarFile bundle = new JarFile(file.toFile(), false)) {
                Manifest bundleManifest = bundle.getManifest();
                Attributes main = bundleManifest == null ? new Attributes() : bundleManifest.getMainAttributes();
                bsn = main.getValue(DpManifest.BUNDLE_SYMBOLIC_NAME);
                versionText = main.getValue(DpManifest.BUNDLE_VERSION);
            } catch (IOException e) {
                throw fail(CODE_BUNDLE_NAME_ERROR, "entry " + name + " is declared as bundle " + declaredAs
                        + " but is not a JAR (" + e + "); package the bundle's JAR file", e);
            }
            if (bsn == null) {
                throw fail(CODE_BUNDLE_NAME_ERROR, "entry " + name + " is declared as bundle " + declaredAs
                        + " but is not an OSGi bundle: its manifest has no " + DpManifest.BUNDLE_SYMBOLIC_NAME
                        + "; package the bundle built by bnd, not the plain JAR", null);
            }
            bsn = DpManifest.withoutDirectives(bsn);
            Version version;
            try {
                version = Version.parseVersion(versionText);
            } catch (IllegalArgumentException e) {
                throw fail(CODE_BUNDLE_NAME_ERROR, "entry " + name + " has the invalid "
                        + DpManifest.BUNDLE_VERSION + " '" + versionText + "'; rebuild the bundle", e);
            }
            if (!bsn.equals(declared.bundleSymbolicName()) || !version.equals(declared.bundleVersion())) {
                throw fail(CODE_BUNDLE_NAME_ERROR, "entry " + name + " is bundle " + bsn + " " + version
                        + " but the deployment package manifest declares " + declaredAs + "; correct the entry's "
                        + "section or package the intended bundle", null);
            }
        }

        private void ensureSpace(String what, long needed) throws DeploymentException {
            long usable;
            try {
                usable = freeSpace.usableBytes(dir);
            } catch (IOException e) {
                throw fail(CODE_OTHER_ERROR, "cannot determine the free space for staging in " + dir + ": " + e, e);
            }
            if (usable - minFreeBytes < needed) {
                throw noSpace(what, needed, usable, null);
            }
        }

        private DeploymentException noSpace(String what, long needed, long usable, Throwable cause) {
            String store;
            try {
                store = Files.getFileStore(dir).toString();
            } catch (IOException e) {
                store = dir.toString();
            }
            return fail(CODE_OTHER_ERROR, "staging needs " + needed + " more bytes for " + what + " but only "
                    + Math.max(usable - minFreeBytes, 0) + " are free above the reserve of " + minFreeBytes
                    + " bytes on " + store + "; free disk space on the gateway and install again", cause);
        }

        private DeploymentException writeFailed(String name, long needed, IOException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("No space left") || message.contains("not enough space")) {
                long usable;
                try {
                    usable = freeSpace.usableBytes(dir);
                } catch (IOException unknown) {
                    usable = 0;
                }
                return noSpace(name, needed, usable, e);
            }
            return fail(CODE_OTHER_ERROR, "cannot write the staged copy of " + name + " to " + dir + " (" + e
                    + "); check the staging directory", e);
        }

        private JarEntry next(String previous) throws DeploymentException {
            try {
                return jar.getNextJarEntry();
            } catch (SecurityException e) {
                throw fail(CODE_SIGNING_ERROR, "signature check failed after entry " + previous + " (" + e.getMessage()
                        + "); the package was modified after signing: rebuild and re-sign it", e);
            } catch (IOException | IllegalArgumentException e) {
                throw notAJar(previous == null ? "at its first entry" : "after entry " + previous, e);
            }
        }

        private int read(JarEntry entry, byte[] buffer) throws DeploymentException {
            try {
                return jar.read(buffer, 0, buffer.length);
            } catch (SecurityException e) {
                String what = isSignatureFile(entry.getName()) ? "the signature in " + entry.getName() + " does not "
                        + "verify" : "entry " + entry.getName() + " does not match the signature";
                throw fail(CODE_SIGNING_ERROR, what + " (" + e.getMessage() + "); the package was modified after "
                        + "signing: rebuild and re-sign it", e);
            } catch (IOException e) {
                throw notAJar("in entry " + entry.getName(), e);
            }
        }

        private byte[] readAll(JarEntry entry) throws DeploymentException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = read(entry, buffer)) >= 0;) {
                bytes.write(buffer, 0, n);
            }
            return bytes.toByteArray();
        }

        private DeploymentException notAJar(String where, Exception e) {
            return fail(CODE_NOT_A_JAR, "the archive is truncated or corrupt " + where + " (" + e + ", "
                    + source.count() + " bytes received); transfer the package again", e);
        }

        private DeploymentException fail(int code, String detail, Throwable cause) {
            return new DeploymentException(code, label + ": " + detail, cause);
        }
    }

    private static long stillToWrite(long declaredSize, long written) {
        return declaredSize >= 0 ? Math.max(declaredSize - written, 0) : SPACE_CHECK_INTERVAL;
    }

    /** Signature-related files as the JAR specification names them; they are not content and are not signed. */
    static boolean isSignatureFile(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (!upper.startsWith("META-INF/") || upper.indexOf('/', "META-INF/".length()) >= 0) {
            return false;
        }
        String file = upper.substring("META-INF/".length());
        return file.startsWith("SIG-") || Stream.of(".SF", ".RSA", ".DSA", ".EC").anyMatch(file::endsWith);
    }

    /** The recorded head holds the whole manifest entry: the JarInputStream read all of it to parse it. */
    private static byte[] manifestBytes(byte[] head) {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(head))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null;) {
                if (JarFile.MANIFEST_NAME.equalsIgnoreCase(entry.getName())) {
                    return zip.readAllBytes();
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("the recorded head of the archive does not parse again", e);
        }
        throw new IllegalStateException("the recorded head of the archive lacks the manifest");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static String subject(CodeSigner signer) {
        return TrustPolicy.subject((X509Certificate) signer.getSignerCertPath().getCertificates().get(0));
    }

    private static String subjects(Set<CodeSigner> signers) {
        return signers.stream().map(PackageReader::subject).sorted().collect(Collectors.joining(", ", "[", "]"));
    }
}
