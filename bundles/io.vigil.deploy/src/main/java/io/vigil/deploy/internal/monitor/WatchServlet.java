package io.vigil.deploy.internal.monitor;

import static io.vigil.rest.json.JsonRequests.error;
import static io.vigil.rest.json.JsonRequests.path;
import static io.vigil.rest.json.JsonRequests.readObject;
import static io.vigil.rest.json.JsonRequests.send;
import static io.vigil.rest.json.JsonRequests.user;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.vigil.api.deploy.DeploymentWatch;
import io.vigil.api.rest.RestApi;
import io.vigil.rest.json.BadRequest;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * JSON REST resource of the post-deployment monitor, in the REST API's authenticated context
 * ({@code /vigil/api/deploy/watches}):
 * <pre>
 * GET  /deploy/watches                      every watch, newest first
 * GET  /deploy/watches/{package}            the watches of one package (404 if it never had one)
 * POST /deploy/watches/{package}/keep       keep the deployment whose watch is PENDING_REVIEW
 * POST /deploy/watches/{package}/rollback   roll the package back to the version it replaced
 * </pre>
 * Commands must be {@code application/json} (also when they carry no body, which they need not). Errors are
 * {@code {"error": message, "reason": REASON}} with 400 (malformed), 404 (no watch of the package), 409 (no watch
 * pending review, or nothing to roll back to), 413 (body too large), 415 (not JSON), 500 (the rollback failed).
 */
@Component(service = Servlet.class, property = { "osgi.http.whiteboard.servlet.pattern=/deploy/watches/*",
        "osgi.http.whiteboard.servlet.pattern=/deploy/watches",
        "osgi.http.whiteboard.context.select=" + RestApi.CONTEXT_SELECT })
public final class WatchServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    /** A command carries no body, or a small JSON object; anything near this is not one. */
    static final int MAX_BODY = 16 * 1024;

    private final transient DeploymentMonitor monitor;

    @Activate
    public WatchServlet(@Reference DeploymentMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String[] path = path(req);
        if (path.length == 0) {
            send(resp, 200, monitor.watches());
        } else if (path.length == 1) {
            List<DeploymentWatch> of = monitor.watches().stream().filter(w -> w.packageName().equals(path[0]))
                    .toList();
            if (of.isEmpty()) {
                error(resp, 404, ReviewException.Reason.UNKNOWN_PACKAGE.name(), "no deployment of package '"
                        + path[0] + "' has been watched; GET " + RestApi.CONTEXT_PATH + "/deploy/watches lists them");
            } else {
                send(resp, 200, of);
            }
        } else {
            error(resp, 404, "NOT_FOUND", "no resource " + req.getPathInfo() + "; GET /deploy/watches or "
                    + "/deploy/watches/{package}");
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String[] path = path(req);
        if (path.length != 2) {
            error(resp, 404, "NOT_FOUND", "no resource " + req.getPathInfo() + "; POST /deploy/watches/{package}/"
                    + "keep|rollback");
            return;
        }
        String type = req.getContentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            // a browser holding the console's credentials can be made to post a form or text/plain elsewhere, but
            // not application/json without the page's own script: requiring it keeps commands from forged pages
            error(resp, 415, "UNSUPPORTED_MEDIA_TYPE", "commands must be sent as Content-Type: application/json, "
                    + "was " + (type == null ? "none" : "'" + type + "'"));
            return;
        }
        try {
            readObject(req, MAX_BODY, "a review carries no body or a small JSON object");
        } catch (BadRequest bad) {
            error(resp, bad);
            return;
        }
        WatchBook.Decision decision = switch (path[1]) {
            case "keep" -> WatchBook.Decision.KEEP;
            case "rollback" -> WatchBook.Decision.ROLLBACK;
            default -> null;
        };
        if (decision == null) {
            error(resp, 404, "NOT_FOUND", "unknown action '" + path[1] + "'; use keep or rollback");
            return;
        }
        try {
            send(resp, 200, monitor.review(path[0], decision, user(req)));
        } catch (ReviewException e) {
            int status = switch (e.reason()) {
                case UNKNOWN_PACKAGE -> 404;
                case NOT_PENDING, CONFLICT -> 409;
                case BAD_REQUEST -> 400;
                case ROLLBACK_FAILED -> 500;
            };
            error(resp, status, e.reason().name(), e.getMessage());
        }
    }
}
