package io.vigil.shadow.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonParseException;

import io.vigil.api.shadow.ShadowReport;
import io.vigil.rest.json.VigilJson;

/**
 * The last report of every asset, one JSON file each, replaced atomically: a crash while writing leaves the
 * previous report, never half of one.
 */
final class ReportStore {

    private static final Logger LOG = System.getLogger(ReportStore.class.getName());
    private static final String SUFFIX = ".json";

    private final Path dir;

    ReportStore(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    /** Serialised: the manager's threads may write the same asset's report at once. */
    synchronized void save(ShadowReport report) {
        Path target = dir.resolve(URLEncoder.encode(report.assetId(), StandardCharsets.UTF_8) + SUFFIX);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, VigilJson.GSON.toJson(report));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // the comparison goes on; only its record on disk is behind
            LOG.log(Level.WARNING, "could not write the shadow report of asset " + report.assetId() + " to "
                    + target + ": " + e + "; the report in memory is intact, writing is retried with the next one");
        }
    }

    /** @return every stored report; unreadable files are logged and left where they are for inspection */
    List<ShadowReport> loadAll() {
        List<ShadowReport> list = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                try {
                    ShadowReport r = VigilJson.GSON.fromJson(Files.readString(f), ShadowReport.class);
                    String name = f.getFileName().toString();
                    String asset = URLDecoder.decode(name.substring(0, name.length() - SUFFIX.length()),
                            StandardCharsets.UTF_8);
                    if (r == null || !asset.equals(r.assetId())) {
                        throw new JsonParseException("not a report of asset " + asset);
                    }
                    list.add(r);
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.WARNING, "shadow report " + f + " is unreadable and was ignored: " + e);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not list the shadow reports in " + dir + ": " + e);
        }
        return list;
    }
}
