package io.vigil.deploy.internal.monitor;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import com.google.gson.JsonParseException;

import io.vigil.api.deploy.DeploymentWatch;
import io.vigil.rest.json.VigilJson;

/**
 * Every watch in one JSON file, replaced atomically: a crash while writing leaves the previous file, never half of
 * one. A PENDING_REVIEW waits for a person across restarts, so it must survive them.
 */
final class WatchStore {

    private static final Logger LOG = System.getLogger(WatchStore.class.getName());
    private static final int FORMAT = 1;

    private record Stored(int format, List<DeploymentWatch> watches) {
    }

    private final Path file;

    WatchStore(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** Serialised: the control thread and a deactivation may write at once. */
    synchronized void save(List<DeploymentWatch> watches) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(tmp, VigilJson.GSON.toJson(new Stored(FORMAT, watches)));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // the watches go on in memory; only their record on disk is behind until the next write
            LOG.log(Level.WARNING, "could not write the deployment watches to " + file + ": " + e + "; they are "
                    + "intact in memory and the write is retried with the next change");
        }
    }

    /**
     * @return the stored watches; an unreadable file is moved aside (and logged) so that the next write does not
     *         destroy what a person may still recover from it
     */
    synchronized List<DeploymentWatch> load() {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            Stored s = VigilJson.GSON.fromJson(Files.readString(file), Stored.class);
            if (s == null || s.format() != FORMAT || s.watches() == null) {
                throw new JsonParseException("not a watch file of format " + FORMAT);
            }
            return s.watches().stream().filter(w -> w != null && w.id() != null && w.state() != null).toList();
        } catch (IOException | RuntimeException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".unreadable-" + System.currentTimeMillis());
            try {
                Files.move(file, aside);
            } catch (IOException moveFailed) {
                aside = file;
            }
            LOG.log(Level.WARNING, "the deployment watches in " + file + " are unreadable (" + e + "); kept as "
                    + aside + ", starting without them");
            return List.of();
        }
    }
}
