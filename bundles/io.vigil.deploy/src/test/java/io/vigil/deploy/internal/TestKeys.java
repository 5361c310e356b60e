package io.vigil.deploy.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPath;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Signing keys for tests, made by the JDK's keytool as an operator would make them (EC P-256, PKCS12). Generated once
 * per JVM and shared, because each keytool run starts a JVM.
 * <ul>
 * <li>{@link #trusted}: self-signed, its certificate is in {@link #trustStore()}</li>
 * <li>{@link #untrusted}: self-signed, unknown to the trust store</li>
 * <li>{@link #expired}: self-signed, in the trust store, but its validity ended 30 days ago</li>
 * <li>{@link #caIssued}: issued by {@link #ca}, whose certificate (only) is in the trust store</li>
 * </ul>
 */
public final class TestKeys {

    public static final char[] PASSWORD = "changeit".toCharArray();

    /** A signing key with its certificate chain, signer first. */
    public record Signer(String alias, PrivateKey key, CertPath chain) {

        public X509Certificate certificate() {
            return (X509Certificate) chain.getCertificates().get(0);
        }

        /** As the reader reports it. */
        public String subject() {
            return certificate().getSubjectX500Principal().getName();
        }
    }

    public final Path keyStoreFile;
    public final Signer trusted;
    public final Signer untrusted;
    public final Signer expired;
    public final Signer caIssued;
    public final X509Certificate ca;

    private static TestKeys shared;

    public static synchronized TestKeys shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("vigil-test-keys");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "delete vigil test keys"));
                shared = generate(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** Writes keys.p12 into {@code dir}: eight keytool runs, a few seconds. */
    public static TestKeys generate(Path dir) {
        Path store = dir.resolve("keys.p12");
        genkey(store, "trusted", "CN=Vigil Test Signer, O=Vigil");
        genkey(store, "untrusted", "CN=Mallory, O=Elsewhere");
        genkey(store, "expired", "CN=Expired Signer, O=Vigil", "-startdate", "-60d");
        genkey(store, "ca", "CN=Vigil Test CA, O=Vigil", "-ext", "bc:c");
        genkey(store, "release", "CN=Vigil Release Signer, O=Vigil");
        Path request = dir.resolve("release.csr");
        Path issued = dir.resolve("release.cer");
        keytool(store, "-certreq", "-alias", "release", "-file", request.toString());
        keytool(store, "-gencert", "-alias", "ca", "-infile", request.toString(), "-outfile", issued.toString(),
                "-validity", "30");
        keytool(store, "-importcert", "-alias", "release", "-file", issued.toString(), "-noprompt");
        return new TestKeys(store);
    }

    private TestKeys(Path store) {
        this.keyStoreFile = store;
        try {
            KeyStore keys = KeyStore.getInstance(store.toFile(), PASSWORD);
            trusted = signer(keys, "trusted");
            untrusted = signer(keys, "untrusted");
            expired = signer(keys, "expired");
            caIssued = signer(keys, "release");
            ca = (X509Certificate) keys.getCertificate("ca");
            if (caIssued.chain().getCertificates().size() != 2) {
                throw new IllegalStateException("keytool did not install the CA-issued chain: " + caIssued.chain());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the generated test keys from " + store, e);
        }
    }

    /** The gateway's trust store: the trusted and expired signers' certificates and the CA, not the others. */
    public KeyStore trustStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("trusted", trusted.certificate());
            store.setCertificateEntry("expired", expired.certificate());
            store.setCertificateEntry("ca", ca);
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public TrustPolicy policy(boolean allowUnsigned) {
        try {
            return TrustPolicy.of(trustStore(), allowUnsigned);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Signer signer(KeyStore keys, String alias) throws GeneralSecurityException {
        CertPath chain = CertificateFactory.getInstance("X.509")
                .generateCertPath(Arrays.asList(keys.getCertificateChain(alias)));
        return new Signer(alias, (PrivateKey) keys.getKey(alias, PASSWORD), chain);
    }

    private static void genkey(Path store, String alias, String dname, String... extra) {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", dname, "-validity", "30"));
        args.addAll(List.of(extra));
        keytool(store, args.toArray(String[]::new));
    }

    private static void keytool(Path store, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-keystore", store.toString(), "-storetype", "PKCS12", "-storepass",
                new String(PASSWORD), "-keypass", new String(PASSWORD)));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool failed: " + command + "\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
