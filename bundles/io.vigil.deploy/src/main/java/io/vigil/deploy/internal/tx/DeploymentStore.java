package io.vigil.deploy.internal.tx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.InstalledPackage;

/**
 * The deployment manager's disk: installed packages ({@code packages.json}), a content-addressed copy of every
 * bundle of the current and previous version of each package ({@code store/<sha-256>.jar}), the journal of the
 * transaction in progress ({@code journal.json}) and the history ({@code history.jsonl}).
 *
 * <p>Every file is replaced atomically (write a temporary file, force it to disk, rename, force the directory), so a
 * power cut leaves either the old or the new content. The journal's presence is the only "transaction in progress"
 * flag; it is removed last.
 */
final class DeploymentStore {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private final Path dir;
    private final Path store;

    DeploymentStore(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.store = Files.createDirectories(dir.resolve("store"));
    }

    Path dir() {
        return dir;
    }

    Map<String, InstalledPackage> packages() {
        Path f = dir.resolve("packages.json");
        if (!Files.exists(f)) {
            return new LinkedHashMap<>();
        }
        try {
            List<InstalledPackage> list = GSON.fromJson(Files.readString(f), new TypeToken<List<InstalledPackage>>() {
            }.getType());
            Map<String, InstalledPackage> map = new LinkedHashMap<>();
            if (list != null) {
                list.forEach(p -> map.put(p.name(), p));
            }
            return map;
        } catch (IOException | JsonParseException e) {
            throw new IllegalStateException("the deployment state " + f + " is unreadable (" + e.getMessage()
                    + "); restore it from a backup or remove it to start with no deployment packages recorded", e);
        }
    }

    void savePackages(List<InstalledPackage> packages) throws IOException {
        writeAtomically(dir.resolve("packages.json"), GSON.toJson(packages));
    }

    /** Copies a staged bundle into the store under its hash (once), durably. */
    Path keep(Path staged, String sha256) throws IOException {
        Path target = bundleFile(sha256);
        if (!Files.exists(target)) {
            Path tmp = store.resolve(sha256 + ".tmp");
            Files.copy(staged, tmp, StandardCopyOption.REPLACE_EXISTING);
            force(tmp);
            move(tmp, target);
            force(store);
        }
        return target;
    }

    Path bundleFile(String sha256) {
        return store.resolve(sha256 + ".jar");
    }

    /** Deletes store copies no package record refers to any more. */
    void prune(Set<String> referenced) throws IOException {
        try (Stream<Path> files = Files.list(store)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                String sha = name.endsWith(".jar") ? name.substring(0, name.length() - 4) : name;
                if (!referenced.contains(sha)) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    void writeJournal(Journal journal) throws IOException {
        writeAtomically(dir.resolve("journal.json"), GSON.toJson(journal));
    }

    Optional<Journal> journal() {
        Path f = dir.resolve("journal.json");
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(GSON.fromJson(Files.readString(f), Journal.class));
        } catch (IOException | JsonParseException e) {
            // written atomically, so this is not a torn write: someone edited it; refuse to guess
            throw new IllegalStateException("the deployment journal " + f + " is unreadable (" + e.getMessage()
                    + "); the framework may hold a half-applied deployment. Inspect the bundles, then remove the "
                    + "file", e);
        }
    }

    void deleteJournal() throws IOException {
        Files.deleteIfExists(dir.resolve("journal.json"));
        force(dir);
    }

    void appendHistory(DeploymentRecord entry) {
        Path f = dir.resolve("history.jsonl");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ch.write(StandardCharsets.UTF_8.encode(GSON.toJson(entry) + "\n"));
            ch.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("could not append to the deployment history " + f, e);
        }
    }

    /** @return the history, oldest first; an unreadable line (a torn tail after a power cut) is skipped */
    List<DeploymentRecord> history() {
        Path f = dir.resolve("history.jsonl");
        List<DeploymentRecord> list = new ArrayList<>();
        if (!Files.exists(f)) {
            return list;
        }
        try {
            for (String line : Files.readAllLines(f)) {
                try {
                    DeploymentRecord e = GSON.fromJson(line, DeploymentRecord.class);
                    if (e != null) {
                        list.add(e);
                    }
                } catch (JsonParseException torn) {
                    // the last line of a file cut by a power loss; every complete entry is still listed
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the deployment history " + f, e);
        }
        return list;
    }

    private void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        force(tmp);
        move(tmp, target);
        force(dir);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void force(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, Files.isDirectory(p) ? StandardOpenOption.READ
                : StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }
}
