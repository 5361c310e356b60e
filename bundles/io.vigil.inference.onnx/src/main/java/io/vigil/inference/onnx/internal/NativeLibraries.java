package io.vigil.inference.onnx.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;

/**
 * Loads ONNX Runtime's native libraries from a directory this engine manages instead of letting ORT copy them
 * to {@code java.io.tmpdir}.
 *
 * <p>What ORT 1.23.2 does on its own ({@code ai.onnxruntime.OnnxRuntime.init()}, read from the 1.23.2 class
 * files): it creates {@code java.io.tmpdir/onnxruntime-java<random>} on every first use in a class loader, copies
 * {@code libonnxruntime.so} (22 MB on x64) and {@code libonnxruntime4j_jni.so} there, loads them and only marks
 * files and directory {@code deleteOnExit()}. A JVM killed by a power cut or {@code kill -9}, which is how
 * gateways usually stop, leaves 22 MB behind each start, and every bundle update + refresh (a new class loader)
 * adds another copy until the JVM exits.
 *
 * <p>ORT reads the system property {@code onnxruntime.native.path} (a directory) once, in that same
 * {@code init()}, and then loads {@code <dir>/libonnxruntime.so} and {@code <dir>/libonnxruntime4j_jni.so} from
 * it without copying. So this class copies the two libraries of this platform out of the bundle into a fresh
 * {@code ort-load-*} directory under the managed directory, points the property at it for the duration of the
 * load, and deletes the files right after: Linux keeps a loaded library mapped after its file is unlinked. A
 * fresh directory per load matters: the JVM refuses to load the same library path into a second class loader,
 * which is what an update + refresh of this bundle creates while the old loader is not yet collected. Leftovers
 * of a crash during a load are swept from the managed directory the next time.
 *
 * <p>What remains and cannot be avoided from here: ORT still creates its (now empty) {@code onnxruntime-java*}
 * directory under {@code java.io.tmpdir} before reading the property, and only marks it {@code deleteOnExit()};
 * point {@code -Djava.io.tmpdir} at a directory the launcher empties on start to catch those after a crash.
 *
 * <p>An operator who sets {@code onnxruntime.native.path} (or ORT's per-library
 * {@code onnxruntime.native.<library>.path}) on the command line, for instance for a read-only root file system
 * with the libraries installed elsewhere, is obeyed: nothing is extracted.
 */
final class NativeLibraries {

    static final String NATIVE_PATH_PROPERTY = "onnxruntime.native.path";
    private static final String[] LIBRARIES = { "onnxruntime", "onnxruntime4j_jni" };
    private static final String LOAD_DIR_PREFIX = "ort-load-";

    /**
     * Whether ORT is loaded in this class loader. ORT keeps the same flag privately; both live and die with
     * this bundle's class loader, and only the engine touches ORT in it, so they agree.
     */
    private static String loadedFrom;

    private NativeLibraries() {
    }

    /**
     * Loads ORT's natives unless this class loader has them already.
     *
     * @param managedDir where to extract; created if missing; only {@code ort-load-*} entries in it are touched
     * @return how the natives were found, for the log
     */
    static synchronized String load(Path managedDir) {
        if (loadedFrom != null) {
            // a crash during an earlier JVM's load may have left files even though this loader needs none
            sweep(managedDir);
            return "already loaded in this bundle's class loader (" + loadedFrom + ")";
        }
        String operatorChoice = operatorChoice();
        if (operatorChoice != null) {
            initialise(operatorChoice);
            loadedFrom = operatorChoice;
            return loadedFrom;
        }
        String platform = platform();
        Path loadDir = null;
        try {
            Files.createDirectories(managedDir);
            sweep(managedDir);
            loadDir = Files.createTempDirectory(managedDir, LOAD_DIR_PREFIX);
            for (String library : LIBRARIES) {
                String resource = "/ai/onnxruntime/native/" + platform + "/" + System.mapLibraryName(library);
                try (InputStream in = OrtEnvironment.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IllegalStateException("this bundle has no ONNX Runtime native library for "
                                + platform + " (" + resource + " is missing); it carries linux-x64 and "
                                + "linux-aarch64 only. Install the libraries elsewhere and set -D"
                                + NATIVE_PATH_PROPERTY + "=<their directory>");
                    }
                    Files.copy(in, loadDir.resolve(System.mapLibraryName(library)), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException | RuntimeException e) {
            if (loadDir != null) {
                deleteTree(loadDir);
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new UncheckedIOException("cannot extract the ONNX Runtime natives into " + managedDir
                    + ": make it writable or set another native directory", (IOException) e);
        }
        try {
            System.setProperty(NATIVE_PATH_PROPERTY, loadDir.toString());
            initialise(platform + " natives extracted to " + loadDir);
        } finally {
            // only ORT's init() reads it, once per class loader; leaving it set would make the next class
            // loader (after a refresh) load from a directory that no longer exists
            System.clearProperty(NATIVE_PATH_PROPERTY);
            deleteTree(loadDir);
        }
        loadedFrom = platform + " natives extracted to " + loadDir + " (deleted once loaded)";
        return loadedFrom;
    }

    /**
     * The first use of an ORT class runs its native loader. The environment logs errors only: ORT writes its log
     * to the native stderr, past Vigil's logging, and its warnings are about its own optimiser passes and old
     * opsets, not about anything an operator can act on; load and run failures reach the caller as exceptions.
     */
    private static void initialise(String how) {
        try {
            OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "vigil");
        } catch (LinkageError e) {
            throw new IllegalStateException("ONNX Runtime's natives did not load (" + how + "): " + e
                    + ". If another ONNX Runtime version was loaded in this JVM before (a different bundle, or an "
                    + "update of this one to a new ORT version), only a restart of the JVM can load this one", e);
        }
    }

    /** @return a description of the operator's own ORT native settings, or null if there are none */
    private static String operatorChoice() {
        List<String> set = new ArrayList<>();
        if (System.getProperty(NATIVE_PATH_PROPERTY) != null) {
            set.add(NATIVE_PATH_PROPERTY + "=" + System.getProperty(NATIVE_PATH_PROPERTY));
        }
        for (String library : LIBRARIES) {
            String property = "onnxruntime.native." + library + ".path";
            if (System.getProperty(property) != null) {
                set.add(property + "=" + System.getProperty(property));
            }
        }
        return set.isEmpty() ? null : "natives as set on the command line: " + String.join(", ", set);
    }

    /** The folder name ORT uses for this OS and CPU (only the Linux ones are in the bundle). */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("linux") ? "linux" : os.contains("mac") ? "osx" : os.contains("win") ? "win" : os;
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch.equals("aarch64") ? "aarch64" : arch;
        return o + "-" + a;
    }

    /** Removes what a load interrupted by a crash left behind; leaves anything else in the directory alone. */
    private static void sweep(Path managedDir) {
        if (!Files.isDirectory(managedDir)) {
            return;
        }
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(managedDir, LOAD_DIR_PREFIX + "*")) {
            for (Path dir : stale) {
                deleteTree(dir);
            }
        } catch (IOException e) {
            System.getLogger(NativeLibraries.class.getName()).log(System.Logger.Level.WARNING,
                    "could not clean up " + managedDir + ": " + e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a platform that keeps loaded libraries locked (Windows) refuses; the next load sweeps them
            System.getLogger(NativeLibraries.class.getName()).log(System.Logger.Level.DEBUG,
                    "could not delete " + dir + " yet: " + e);
        }
    }
}
