package io.vigil.deploy.internal.hotdeploy;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;

/**
 * Which deployment package each file of the hot-deploy directory installed, kept in a small JSON file so that
 * removing the file after a restart still uninstalls its package. Replaced atomically on every change: a power cut
 * leaves the old or the new map.
 */
final class HotDeployState {

    /**
     * @param packageName the package the file installed
     * @param version the version it installed
     * @param sha256 the file's content when it did
     */
    record Entry(String packageName, String version, String sha256) {
    }

    private static final Logger LOG = System.getLogger(HotDeployState.class.getName());
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private final Path file;
    private final Map<String, Entry> entries;

    /**
     * Reads the map; an unreadable one is set aside (and reported) rather than blocking hot deployment.
     *
     * @throws IOException the file exists but cannot be read at all
     */
    HotDeployState(Path file) throws IOException {
        this.file = file;
        Map<String, Entry> read = new TreeMap<>();
        if (Files.exists(file)) {
            try {
                Map<String, Entry> m = GSON.fromJson(Files.readString(file), new TypeToken<Map<String, Entry>>() {
                }.getType());
                if (m != null) {
                    m.forEach((k, v) -> {
                        if (k != null && v != null && v.packageName() != null) {
                            read.put(k, v);
                        }
                    });
                }
            } catch (JsonParseException e) {
                Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                LOG.log(Level.ERROR, "the hot-deploy map " + file + " is unreadable (" + e.getMessage() + "); it was "
                        + "moved to " + aside + " and hot deployment starts with an empty map: removing a file "
                        + "that was deployed before no longer uninstalls its package (use vigil:dp uninstall)");
            }
        }
        this.entries = read;
    }

    synchronized Optional<Entry> get(String path) {
        return Optional.ofNullable(entries.get(path));
    }

    synchronized void put(String path, Entry entry) throws IOException {
        entries.put(path, entry);
        save();
    }

    synchronized Optional<Entry> remove(String path) throws IOException {
        Entry e = entries.remove(path);
        if (e != null) {
            save();
        }
        return Optional.ofNullable(e);
    }

    /** @return the other files that installed the package, sorted */
    synchronized List<String> filesOf(String packageName, String except) {
        return entries.entrySet().stream().filter(e -> e.getValue().packageName().equals(packageName)
                && !e.getKey().equals(except)).map(Map.Entry::getKey).toList();
    }

    private void save() throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(GSON.toJson(entries).getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                c.write(b);
            }
            c.force(true); // on disk before the rename makes it the map
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
