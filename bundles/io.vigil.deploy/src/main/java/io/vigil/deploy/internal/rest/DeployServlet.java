package io.vigil.deploy.internal.rest;

import static io.vigil.rest.json.JsonRequests.bool;
import static io.vigil.rest.json.JsonRequests.error;
import static io.vigil.rest.json.JsonRequests.path;
import static io.vigil.rest.json.JsonRequests.readObject;
import static io.vigil.rest.json.JsonRequests.send;
import static io.vigil.rest.json.JsonRequests.string;
import static io.vigil.rest.json.JsonRequests.user;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.deploymentadmin.DeploymentException;
import org.osgi.service.metatype.annotations.Designate;

import com.google.gson.JsonObject;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.deploy.InstalledPackage;
import io.vigil.api.rest.RestApi;
import io.vigil.rest.json.BadRequest;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * JSON REST resource of deployment packages, in the REST API's authenticated context ({@code /vigil/api/deploy}):
 * <pre>
 * GET  /deploy/packages                      installed packages
 * GET  /deploy/packages/{name}               one package
 * GET  /deploy/history[?limit=n]             the last n deployments, oldest first (default 100)
 * POST /deploy/install                       {"url": "https://...|file:/...", "sha256": "...", "force": false}
 * POST /deploy/install[?force=true]          the .dp itself as application/vnd.osgi.dp, optional X-Content-SHA256
 * POST /deploy/packages/{name}/uninstall     {"force": false}
 * POST /deploy/packages/{name}/rollback      {}
 * </pre>
 * A URL install must name the package's SHA-256: the package is fetched into the deployment data directory while
 * it is hashed, and installed only if the hash matches, from that local copy (so the bytes installed are the bytes
 * checked). Commands must be {@code application/json} (uploads {@code application/vnd.osgi.dp}): a forged page
 * cannot send either without the page's own script. Errors are {@code {"error": message, "reason": REASON}}, and
 * for a refused or failed deployment also {@code "code"} and {@code "codeName"} (the Deployment Admin error code)
 * and {@code "result"} (REFUSED or ROLLED_BACK) — see {@link DeploymentErrors} for the statuses. Other statuses:
 * 400 malformed request, missing or malformed sha256, a URL that is not http, https or file or that points at
 * nothing (404/410, no such file); 404 unknown package or resource; 409 no previous version to roll back to; 413
 * body or package too large; 415 wrong content type; 422 the SHA-256 does not match; 502/504 the download source
 * failed (connection, other status, broke off beyond resuming) or timed out; 507 no room for the download. A
 * refused download is logged but not in the deployment history: the deployment manager never saw a package.
 */
@Component(service = Servlet.class, configurationPid = DeployServlet.PID, property = {
        "osgi.http.whiteboard.servlet.pattern=/deploy/*",
        "osgi.http.whiteboard.context.select=" + RestApi.CONTEXT_SELECT })
@Designate(ocd = DeployRestConfig.class)
public final class DeployServlet extends HttpServlet {

    static final String PID = "io.vigil.deploy.rest";
    static final String DP_TYPE = "application/vnd.osgi.dp";
    private static final String COMMAND_BODY = "a command body is a small JSON object (upload a package as "
            + DP_TYPE + ")";
    static final String SHA_HEADER = "X-Content-SHA256";
    /** A command body is a few dozen bytes (a URL and a hash); anything near this is not one. */
    static final int MAX_BODY = 16 * 1024;
    static final int DEFAULT_HISTORY = 100;

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = System.getLogger(DeployServlet.class.getName());
    private static final String JSON = "application/json";
    private static final String USAGE = "GET " + RestApi.CONTEXT_PATH + "/deploy/packages, /deploy/packages/{name}, "
            + "/deploy/history; POST /deploy/install, /deploy/packages/{name}/uninstall|rollback";

    private final transient DeploymentService deployments;
    private final transient DownloadArea area;
    private final transient Downloader downloader;

    @Activate
    public DeployServlet(@Reference DeploymentService deployments, BundleContext context, DeployRestConfig config)
            throws IOException {
        this.deployments = deployments;
        this.area = new DownloadArea(config, context);
        this.downloader = area.downloader();
    }

    // --- GET

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String[] path = path(req);
        if (path.length == 1 && path[0].equals("packages")) {
            send(resp, 200, new ArrayList<>(deployments.packages().values()));
        } else if (path.length == 2 && path[0].equals("packages")) {
            InstalledPackage p = deployments.packages().get(path[1]);
            if (p == null) {
                error(resp, 404, "NO_PACKAGE", noPackage(path[1]));
            } else {
                send(resp, 200, p);
            }
        } else if (path.length == 1 && path[0].equals("history")) {
            history(req, resp);
        } else {
            error(resp, 404, "NOT_FOUND", "no resource " + req.getPathInfo() + "; " + USAGE);
        }
    }

    private void history(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String text = req.getParameter("limit");
        int limit = DEFAULT_HISTORY;
        if (text != null) {
            try {
                limit = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 0) {
                error(resp, 400, "BAD_REQUEST", "limit must be a number of entries (0 or more), was '"
                        + Downloader.abbreviate(text) + "'");
                return;
            }
        }
        List<DeploymentRecord> all = deployments.history();
        send(resp, 200, all.subList(Math.max(0, all.size() - limit), all.size()));
    }

    // --- POST

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String[] path = path(req);
        String type = mediaType(req);
        if (path.length == 1 && path[0].equals("install")) {
            if (DP_TYPE.equals(type)) {
                upload(req, resp);
            } else if (JSON.equals(type)) {
                fromUrl(req, resp);
            } else {
                error(resp, 415, "UNSUPPORTED_MEDIA_TYPE", "install takes Content-Type: application/json "
                        + "({\"url\": ..., \"sha256\": ..., \"force\": false}) or the package itself as " + DP_TYPE
                        + ", was " + describe(req.getContentType()));
            }
        } else if (path.length == 3 && path[0].equals("packages")
                && (path[2].equals("uninstall") || path[2].equals("rollback"))) {
            if (!JSON.equals(type)) {
                error(resp, 415, "UNSUPPORTED_MEDIA_TYPE", "commands must be sent as Content-Type: "
                        + "application/json, was " + describe(req.getContentType()));
                return;
            }
            command(req, resp, path[1], path[2]);
        } else {
            error(resp, 404, "NOT_FOUND", "no resource " + req.getPathInfo() + "; " + USAGE);
        }
    }

    private void fromUrl(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String url;
        String sha;
        boolean force;
        URI uri;
        try {
            JsonObject body = readObject(req, MAX_BODY, COMMAND_BODY);
            url = string(body, "url");
            String hash = string(body, "sha256");
            force = bool(body, "force");
            if (url == null || url.isBlank()) {
                throw new BadRequest(400, "BAD_REQUEST", "'url' is required: the http, https or file URL of the "
                        + "package");
            }
            if (hash == null || hash.isBlank()) {
                throw new BadRequest(400, "BAD_REQUEST", "'sha256' is required: the SHA-256 of the package (64 "
                        + "hex digits, e.g. from sha256sum), so that only the package meant is installed");
            }
            try {
                sha = Downloader.sha256(hash);
            } catch (IllegalArgumentException e) {
                throw new BadRequest(400, "BAD_REQUEST", "'sha256' is malformed: " + e.getMessage());
            }
            try {
                uri = new URI(url.trim());
            } catch (URISyntaxException e) {
                throw new BadRequest(400, "BAD_URL", "'url' is not a URL: " + e.getMessage());
            }
            try {
                area.checkLocal(uri);
            } catch (DownloadArea.LocalFileRefused e) {
                throw new BadRequest(e.forbidden ? 403 : 400, e.forbidden ? "FILE_NOT_ALLOWED" : "BAD_URL",
                        e.getMessage());
            }
        } catch (BadRequest e) {
            error(resp, e);
            return;
        }
        String user = user(req);
        Path tmp = area.newPartFile();
        try {
            String what = "download of " + Downloader.abbreviate(url) + " for " + user;
            Downloader.Result r = downloader.download(uri, tmp, sha, new ProgressLog(what, m -> LOG.log(Level.INFO,
                    m)));
            if (r.connections() > 1) {
                LOG.log(Level.INFO, what + " completed over " + r.connections() + " connections");
            }
            install(resp, r, user, Downloader.abbreviate(url) + " sha256=" + r.sha256(), force);
        } catch (DownloadException e) {
            downloadFailed(resp, e, user);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void upload(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String sha = req.getHeader(SHA_HEADER);
        boolean force;
        try {
            if (sha != null) {
                try {
                    sha = Downloader.sha256(sha);
                } catch (IllegalArgumentException e) {
                    throw new BadRequest(400, "BAD_REQUEST", SHA_HEADER + " is malformed: " + e.getMessage());
                }
            }
            force = flag(req.getParameter("force"));
        } catch (BadRequest e) {
            error(resp, e);
            return;
        }
        long length = req.getContentLengthLong();
        if (length > downloader.maxBytes()) {
            // refused before a byte is read: the client learns it at once rather than after the upload
            error(resp, 413, "TOO_LARGE", "the package has " + length + " bytes, more than the limit of "
                    + downloader.maxBytes() + " (max.package.mib of " + PID + ")");
            return;
        }
        String user = user(req);
        Path tmp = area.newPartFile();
        try {
            Downloader.Result r;
            try (InputStream in = req.getInputStream()) {
                r = downloader.receive(in, length, tmp, sha, new ProgressLog("upload by " + user,
                        m -> LOG.log(Level.INFO, m)));
            }
            install(resp, r, user, "upload from " + req.getRemoteAddr() + " sha256=" + r.sha256(), force);
        } catch (DownloadException e) {
            downloadFailed(resp, e, user);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void install(HttpServletResponse resp, Downloader.Result r, String user, String source, boolean force)
            throws IOException {
        long started = System.currentTimeMillis();
        InputStream in;
        try {
            in = Files.newInputStream(r.file());
        } catch (IOException e) {
            error(resp, 500, "STORAGE", "the downloaded package " + r.file() + " could not be read back: " + e);
            return;
        }
        DeploymentRecord record;
        try (in) {
            record = deployments.install(in, user, source, force);
        } catch (DeploymentException e) {
            String result = outcome(user, started);
            boolean downgrade = e.getCode() == DeploymentException.CODE_OTHER_ERROR && "REFUSED".equals(result)
                    && !force && isDowngrade(r.file());
            // the deployment manager logged the refusal or roll-back; this adds who asked over REST, from where
            LOG.log(Level.INFO, "install by " + user + " from " + source + " " + (result == null ? "failed"
                    : result) + " (code " + e.getCode() + " " + DeploymentErrors.codeName(e.getCode()) + "): "
                    + e.getMessage());
            deploymentError(resp, e, result, downgrade ? 409 : DeploymentErrors.status(e.getCode()), downgrade
                    ? "DOWNGRADE" : DeploymentErrors.reason(e.getCode()));
            return;
        }
        if ("INSTALL".equals(record.operation())) {
            resp.setHeader("Location", RestApi.CONTEXT_PATH + "/deploy/packages/" + record.packageName());
            send(resp, 201, record);
        } else {
            send(resp, 200, record);
        }
    }

    private void command(HttpServletRequest req, HttpServletResponse resp, String name, String action)
            throws IOException {
        boolean force;
        try {
            JsonObject body = readObject(req, MAX_BODY, COMMAND_BODY);
            force = bool(body, "force");
        } catch (BadRequest e) {
            error(resp, e);
            return;
        }
        InstalledPackage p = deployments.packages().get(name);
        if (p == null) {
            error(resp, 404, "NO_PACKAGE", noPackage(name));
            return;
        }
        if (action.equals("rollback") && p.previous() == null) {
            error(resp, 409, "NO_PREVIOUS_VERSION", "package " + name + " " + p.version() + " has no previous "
                    + "version to roll back to (nothing was installed before it)");
            return;
        }
        String user = user(req);
        long started = System.currentTimeMillis();
        try {
            DeploymentRecord r = action.equals("rollback") ? deployments.rollback(name, user)
                    : deployments.uninstall(name, user, force);
            send(resp, 200, r);
        } catch (DeploymentException e) {
            String result = outcome(user, started);
            LOG.log(Level.INFO, action + " of " + name + " by " + user + " " + (result == null ? "failed"
                    : result) + " (code " + e.getCode() + " " + DeploymentErrors.codeName(e.getCode()) + "): "
                    + e.getMessage());
            deploymentError(resp, e, result, DeploymentErrors.status(e.getCode()), DeploymentErrors.reason(
                    e.getCode()));
        }
    }

    /** @return REFUSED or ROLLED_BACK as the history recorded this request's outcome, null if not found */
    private String outcome(String user, long startedMillis) {
        List<DeploymentRecord> h = deployments.history();
        for (int i = h.size() - 1; i >= 0; i--) {
            DeploymentRecord r = h.get(i);
            if (r.startedEpochMillis() < startedMillis) {
                break;
            }
            if (user.equals(r.requestedBy())) {
                return r.result();
            }
        }
        return null;
    }

    /** A refusal with CODE_OTHER_ERROR is a downgrade when the package is older than the installed version. */
    private boolean isDowngrade(Path dp) {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(dp), false)) {
            Manifest m = in.getManifest();
            String name = m == null ? null : m.getMainAttributes().getValue("DeploymentPackage-SymbolicName");
            String version = m == null ? null : m.getMainAttributes().getValue("DeploymentPackage-Version");
            InstalledPackage installed = name == null ? null : deployments.packages().get(name.trim());
            return installed != null && version != null
                    && Version.parseVersion(version.trim()).compareTo(Version.parseVersion(installed.version())) < 0;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private static void downloadFailed(HttpServletResponse resp, DownloadException e, String user)
            throws IOException {
        int status = switch (e.reason()) {
            case UNSUPPORTED_SCHEME, BAD_URL, NOT_FOUND -> 400;
            case TOO_LARGE -> 413;
            case HASH_MISMATCH -> 422;
            case SOURCE_FAILED -> 502;
            case TIMEOUT -> 504;
            case STORAGE -> 507;
        };
        LOG.log(e.reason() == DownloadException.Reason.HASH_MISMATCH ? Level.WARNING : Level.INFO, "package for "
                + user + " not installed: " + e.getMessage());
        error(resp, status, e.reason().name(), e.getMessage());
    }

    private static void deploymentError(HttpServletResponse resp, DeploymentException e, String result, int status,
            String reason) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.getMessage());
        body.put("reason", reason);
        body.put("code", e.getCode());
        body.put("codeName", DeploymentErrors.codeName(e.getCode()));
        if (result != null) {
            body.put("result", result);
        }
        send(resp, status, body);
    }

    // --- request and response

    private static String noPackage(String name) {
        return "no deployment package " + name + " is installed; GET " + RestApi.CONTEXT_PATH
                + "/deploy/packages lists the installed ones";
    }

    /** @return the media type without parameters, lower case; null if none */
    private static String mediaType(HttpServletRequest req) {
        String type = req.getContentType();
        if (type == null) {
            return null;
        }
        int semicolon = type.indexOf(';');
        return (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static String describe(String contentType) {
        return contentType == null ? "none" : "'" + Downloader.abbreviate(contentType) + "'";
    }

    private static boolean flag(String value) throws BadRequest {
        if (value == null || value.equalsIgnoreCase("false")) {
            return false;
        }
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        throw new BadRequest(400, "BAD_REQUEST", "force must be true or false, was '" + Downloader.abbreviate(value)
                + "'");
    }
}
