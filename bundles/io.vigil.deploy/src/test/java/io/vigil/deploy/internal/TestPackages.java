package io.vigil.deploy.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import jdk.security.jarsigner.JarSigner;

/**
 * Real deployment packages for tests, built in memory: {@code TestPackages.dp("com.acme.pkg", "1.0.0").bundle(...)
 * .build()}, then {@link #sign}ed with {@link TestKeys}, and damaged on purpose with {@link #replaceEntry},
 * {@link #tamper} and {@link #truncate}.
 * <p>
 * Signing uses the JDK's jdk.security.jarsigner API (module jdk.jartool, part of every JDK, resolved by default for
 * class-path code), which writes the same archive as the jarsigner tool: manifest first, then META-INF/NAME.SF and
 * NAME.EC, then the entries in their original order.
 */
public final class TestPackages {

    private TestPackages() {
    }

    public static Builder dp(String symbolicName, String version) {
        return new Builder().header(DpManifest.SYMBOLIC_NAME, symbolicName).header(DpManifest.VERSION, version);
    }

    /** A minimal bundle: manifest headers plus a small payload that makes its digest unique. */
    public static byte[] bundle(String symbolicName, String version) {
        return bundle(symbolicName, version, 2048);
    }

    /** A bundle with {@code payloadBytes} of incompressible content, for tests that need size. */
    public static byte[] bundle(String symbolicName, String version, int payloadBytes) {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", symbolicName);
        main.putValue("Bundle-Version", version);
        main.putValue("Bundle-Name", "test bundle " + symbolicName);
        byte[] payload = new byte[payloadBytes];
        new Random((symbolicName + version).hashCode()).nextBytes(payload);
        return jar(manifest, Map.of("payload.bin", payload));
    }

    /** A JAR with the given manifest (none when null) and entries. */
    public static byte[] jar(Manifest manifest, Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            if (manifest != null) {
                zip.putNextEntry(new ZipEntry(JarFile.MANIFEST_NAME));
                manifest.write(zip);
            }
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Builds the .dp: manifest sections and archive entries in the order they were added. */
    public static final class Builder {

        private final Manifest manifest = new Manifest();
        private final Map<String, byte[]> entries = new LinkedHashMap<>();
        private boolean manifestFirst = true;

        private Builder() {
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        }

        /** Sets a main header; null removes it. */
        public Builder header(String name, String value) {
            if (value == null) {
                manifest.getMainAttributes().remove(new Attributes.Name(name));
            } else {
                manifest.getMainAttributes().putValue(name, value);
            }
            return this;
        }

        /** A bundle entry with a generated bundle whose headers match its section. */
        public Builder bundle(String name, String symbolicName, String version) {
            return bundle(name, symbolicName, version, TestPackages.bundle(symbolicName, version));
        }

        /** A bundle entry with the given content, which need not match the section. */
        public Builder bundle(String name, String symbolicName, String version, byte[] content) {
            section(name, "Bundle-SymbolicName", symbolicName, "Bundle-Version", version);
            return entry(name, content);
        }

        /** A fix pack's bundle that is not in the archive. */
        public Builder missingBundle(String name, String symbolicName, String version) {
            return section(name, "Bundle-SymbolicName", symbolicName, "Bundle-Version", version,
                    DpManifest.MISSING, "true");
        }

        /** Adds headers to the named section, creating it when needed: {@code section(name, key, value, ...)}. */
        public Builder section(String name, String... keysAndValues) {
            Attributes attributes = manifest.getEntries().computeIfAbsent(name, n -> new Attributes());
            for (int i = 0; i < keysAndValues.length; i += 2) {
                attributes.putValue(keysAndValues[i], keysAndValues[i + 1]);
            }
            return this;
        }

        /** An archive entry, with no manifest section of its own. */
        public Builder entry(String name, byte[] content) {
            entries.put(name, content);
            return this;
        }

        /** Writes the first archive entry before the manifest, which the spec forbids. */
        public Builder manifestAfterFirstEntry() {
            manifestFirst = false;
            return this;
        }

        public byte[] build() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
                List<Map.Entry<String, byte[]>> list = new ArrayList<>(entries.entrySet());
                if (!manifestFirst && !list.isEmpty()) {
                    write(zip, list.remove(0));
                }
                zip.putNextEntry(new ZipEntry(JarFile.MANIFEST_NAME));
                manifest.write(zip);
                for (Map.Entry<String, byte[]> entry : list) {
                    write(zip, entry);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        public byte[] signed(TestKeys.Signer signer) {
            return sign(build(), signer);
        }

        private static void write(ZipOutputStream zip, Map.Entry<String, byte[]> entry) throws IOException {
            zip.putNextEntry(new ZipEntry(entry.getKey()));
            zip.write(entry.getValue());
        }
    }

    /** Signs as {@code jarsigner -digestalg SHA-256} would; signing again adds a second signer. */
    public static byte[] sign(byte[] archive, TestKeys.Signer signer) {
        return sign(archive, signer, "SHA-256");
    }

    /** Signs with the given digest algorithm, e.g. one the verifying runtime disables. */
    public static byte[] sign(byte[] archive, TestKeys.Signer signer, String digestAlgorithm) {
        try {
            Path unsigned = Files.createTempFile("vigil-unsigned", ".dp");
            try {
                Files.write(unsigned, archive);
                ByteArrayOutputStream signed = new ByteArrayOutputStream();
                // jarsigner names the signature files after the signer: at most 8 characters
                String signerName = signer.alias().substring(0, Math.min(8, signer.alias().length()));
                try (ZipFile input = new ZipFile(unsigned.toFile())) {
                    new JarSigner.Builder(signer.key(), signer.chain())
                            .digestAlgorithm(digestAlgorithm)
                            .signerName(signerName)
                            .build()
                            .sign(input, signed);
                }
                return signed.toByteArray();
            } finally {
                Files.deleteIfExists(unsigned);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + signer.alias(), e);
        }
    }

    /** The archive's entries and contents in stream order. */
    public static Map<String, byte[]> entries(byte[] archive) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(archive))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null;) {
                entries.put(entry.getName(), in.readAllBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }

    /** A zip of the entries in their iteration order, manifest or not. */
    public static byte[] zip(Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Rewrites the archive with the same entries in the same order, one entry's content changed. */
    public static byte[] replaceEntry(byte[] archive, String name, UnaryOperator<byte[]> change) {
        Map<String, byte[]> entries = entries(archive);
        if (!entries.containsKey(name)) {
            throw new IllegalArgumentException("no entry " + name + " in the archive, only " + entries.keySet());
        }
        entries.put(name, change.apply(entries.get(name)));
        return zip(entries);
    }

    /** Appends an entry, e.g. one slipped in after signing. */
    public static byte[] addEntry(byte[] archive, String name, byte[] content) {
        Map<String, byte[]> entries = entries(archive);
        entries.put(name, content);
        return zip(entries);
    }

    /** Moves the named entries behind all others, keeping their contents. */
    public static byte[] moveToEnd(byte[] archive, String... names) {
        Map<String, byte[]> entries = entries(archive);
        for (String name : names) {
            byte[] content = entries.remove(name);
            if (content == null) {
                throw new IllegalArgumentException("no entry " + name + " in the archive, only " + entries.keySet());
            }
            entries.put(name, content);
        }
        return zip(entries);
    }

    /**
     * Renames an entry by patching its name bytes wherever they occur (local and central headers), the only way to
     * get two entries of the same name: ZipOutputStream refuses duplicates. The names must be of equal length.
     */
    public static byte[] renameInPlace(byte[] archive, String from, String to) {
        byte[] find = from.getBytes(StandardCharsets.UTF_8);
        byte[] replacement = to.getBytes(StandardCharsets.UTF_8);
        if (find.length != replacement.length) {
            throw new IllegalArgumentException(from + " and " + to + " differ in length");
        }
        byte[] result = archive.clone();
        int patched = 0;
        for (int at = 0; at <= result.length - find.length; at++) {
            if (Arrays.equals(result, at, at + find.length, find, 0, find.length)) {
                System.arraycopy(replacement, 0, result, at, replacement.length);
                patched++;
            }
        }
        if (patched == 0) {
            throw new IllegalArgumentException("no " + from + " in the archive's bytes");
        }
        return result;
    }

    /** Flips one bit in the middle of an entry's content, keeping everything else, signature files included. */
    public static byte[] tamper(byte[] archive, String name) {
        return replaceEntry(archive, name, content -> {
            byte[] changed = content.clone();
            changed[changed.length / 2] ^= 0x01;
            return changed;
        });
    }

    /** Appends text to the manifest as it is, e.g. a section added after signing. */
    public static byte[] appendToManifest(byte[] archive, String text) {
        return replaceEntry(archive, JarFile.MANIFEST_NAME, content -> {
            byte[] appended = text.getBytes(StandardCharsets.UTF_8);
            byte[] result = Arrays.copyOf(content, content.length + appended.length);
            System.arraycopy(appended, 0, result, content.length, appended.length);
            return result;
        });
    }

    public static byte[] truncate(byte[] archive, int length) {
        return Arrays.copyOf(archive, length);
    }

    /** Where each entry's local header starts, read from the central directory; key "" is the directory itself. */
    public static Map<String, Integer> offsets(byte[] archive) {
        ByteBuffer zip = ByteBuffer.wrap(archive).order(ByteOrder.LITTLE_ENDIAN);
        int end = archive.length - 22; // end record without comment, as ZipOutputStream writes it
        if (zip.getInt(end) != 0x06054b50) {
            throw new IllegalArgumentException("no end-of-central-directory record at " + end);
        }
        Map<String, Integer> offsets = new LinkedHashMap<>();
        int directory = zip.getInt(end + 16);
        for (int at = directory; zip.getInt(at) == 0x02014b50;) {
            int nameLength = Short.toUnsignedInt(zip.getShort(at + 28));
            int extraLength = Short.toUnsignedInt(zip.getShort(at + 30));
            int commentLength = Short.toUnsignedInt(zip.getShort(at + 32));
            String name = new String(archive, at + 46, nameLength, StandardCharsets.UTF_8);
            offsets.put(name, zip.getInt(at + 42));
            at += 46 + nameLength + extraLength + commentLength;
        }
        offsets.put("", directory);
        return offsets;
    }

    /** The names of the archive's entries in stream order. */
    public static List<String> entryNames(byte[] archive) {
        return new ArrayList<>(entries(archive).keySet());
    }

    public static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
