package io.vigil.deploy.internal.rest;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.osgi.framework.BundleContext;

/**
 * What every install-by-URL path shares, set up from the {@value DeployServlet#PID} configuration: the
 * {@link Downloader} with its limits and timeouts, the directory downloads go to (beside the deployment manager's
 * staging area: the same disk, the same free-space reserve) and the rule for {@code file:} URLs.
 */
final class DownloadArea {

    private static final Logger LOG = System.getLogger(DownloadArea.class.getName());

    private final Downloader downloader;
    private final Path dir;
    private final List<Path> fileDirs;

    /** The download directory is {@code $vigil.data/deploy/downloads}, or below the bundle's data area. */
    DownloadArea(DeployRestConfig config, BundleContext context) throws IOException {
        this(config, deployDir(context));
    }

    /** @param deployDir the deployment data directory; downloads go to its {@code downloads} subdirectory */
    DownloadArea(DeployRestConfig config, Path deployDir) throws IOException {
        this.downloader = new Downloader(Duration.ofSeconds(config.connect_timeout_seconds()),
                Duration.ofSeconds(config.read_timeout_seconds()), config.max_package_mib() * 1024 * 1024,
                Math.max(1, config.download_connections()), Duration.ofMillis(Math.max(0,
                        config.resume_delay_millis())));
        this.dir = Files.createDirectories(deployDir.resolve("downloads"));
        this.fileDirs = Arrays.stream(config.file_dirs()).filter(d -> !d.isBlank())
                .map(d -> Path.of(d.trim()).toAbsolutePath().normalize()).toList();
        removeLeftovers(dir);
    }

    private static Path deployDir(BundleContext context) {
        String data = context.getProperty("vigil.data");
        return data == null || data.isBlank() ? context.getDataFile("deploy").toPath() : Path.of(data, "deploy");
    }

    Downloader downloader() {
        return downloader;
    }

    /** @return a new, not yet existing file for one download; the caller deletes it when done */
    Path newPartFile() {
        return dir.resolve(UUID.randomUUID() + ".part");
    }

    /**
     * A file: URL must name a file under one of the configured package directories, judged before the file is
     * touched (so the answer does not say whether it exists) and again on its real path (so a link cannot lead
     * out). Other schemes pass.
     *
     * @throws LocalFileRefused when it does not
     */
    void checkLocal(URI uri) throws LocalFileRefused {
        if (!"file".equalsIgnoreCase(uri.getScheme())) {
            return;
        }
        Path p;
        try {
            p = Path.of(uri).toAbsolutePath().normalize();
        } catch (IllegalArgumentException | FileSystemNotFoundException e) {
            throw new LocalFileRefused(false, "'" + Downloader.abbreviate(uri.toString())
                    + "' is not a local file URL (write file:/absolute/path)");
        }
        boolean inside = fileDirs.stream().anyMatch(p::startsWith);
        if (inside && Files.exists(p)) {
            try {
                Path real = p.toRealPath();
                inside = fileDirs.stream().anyMatch(d -> {
                    try {
                        return real.startsWith(d.toRealPath());
                    } catch (IOException e) {
                        return false;
                    }
                });
            } catch (IOException e) {
                inside = false;
            }
        }
        if (!inside) {
            throw new LocalFileRefused(true, "file: URLs are accepted only under the directories of file.dirs in the "
                    + DeployServlet.PID + " configuration (" + fileDirs + "); use an http(s) URL or upload the "
                    + "package instead, or add its directory there");
        }
    }

    /**
     * Downloads a crash or a kill interrupted are of no use: each request starts its own. Only those older than
     * this JVM: a reactivation (new configuration) must not pull a file from under a download still running.
     */
    private static void removeLeftovers(Path dir) {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.part")) {
            for (Path p : s) {
                if (Files.getLastModifiedTime(p).toMillis() < jvmStart) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove interrupted downloads in " + dir + ": " + e);
        }
    }

    /** A file: URL that is malformed, or outside the allowed directories ({@link #forbidden}). */
    static final class LocalFileRefused extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean forbidden;

        LocalFileRefused(boolean forbidden, String message) {
            super(message);
            this.forbidden = forbidden;
        }
    }
}
