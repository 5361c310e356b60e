package io.vigil.shadow.internal;

import static io.vigil.rest.json.JsonRequests.bool;
import static io.vigil.rest.json.JsonRequests.error;
import static io.vigil.rest.json.JsonRequests.path;
import static io.vigil.rest.json.JsonRequests.readObject;
import static io.vigil.rest.json.JsonRequests.send;
import static io.vigil.rest.json.JsonRequests.string;
import static io.vigil.rest.json.JsonRequests.user;

import java.io.IOException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.gson.JsonObject;

import io.vigil.api.rest.RestApi;
import io.vigil.api.shadow.ShadowException;
import io.vigil.api.shadow.ShadowReport;
import io.vigil.api.shadow.ShadowService;
import io.vigil.rest.json.BadRequest;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * JSON REST resource of shadow mode, in the REST API's authenticated context ({@code /vigil/api/shadow}):
 * <pre>
 * GET  /shadow                      every asset's comparison
 * GET  /shadow/{asset}              one comparison
 * POST /shadow/{asset}/start        {"model": "...", "version": "..."}
 * POST /shadow/{asset}/stop
 * POST /shadow/{asset}/promote      {"force": false}
 * POST /shadow/{asset}/reject       {"reason": "..."}
 * POST /shadow/{asset}/rollback     undo the asset's last promotion
 * </pre>
 * Commands must be {@code application/json} (also when they carry no body). Errors are {@code {"error": message,
 * "reason": REASON}} with 400 (malformed), 404 (unknown asset or model; for rollback, an asset without a
 * comparison), 409 (wrong state, e.g. nothing promoted to roll back), 413 (body too large), 415 (not JSON), 422
 * (candidate's inputs do not match), 500 (promotion or rollback could not be written).
 */
@Component(service = Servlet.class, property = { "osgi.http.whiteboard.servlet.pattern=/shadow/*",
        "osgi.http.whiteboard.servlet.pattern=/shadow",
        "osgi.http.whiteboard.context.select=" + RestApi.CONTEXT_SELECT })
public final class ShadowServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    /** A command body is a few dozen bytes; anything near this is not one. */
    static final int MAX_BODY = 16 * 1024;

    private final transient ShadowService shadows;

    @Activate
    public ShadowServlet(@Reference ShadowService shadows) {
        this.shadows = shadows;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String[] path = path(req);
        if (path.length == 0) {
            send(resp, 200, shadows.reports());
        } else if (path.length == 1) {
            ShadowReport r = shadows.report(path[0]).orElse(null);
            if (r == null) {
                error(resp, 404, "NO_COMPARISON", "asset " + path[0] + " has no shadow comparison; start one with "
                        + "POST " + RestApi.CONTEXT_PATH + "/shadow/" + path[0] + "/start");
            } else {
                send(resp, 200, r);
            }
        } else {
            error(resp, 404, "NOT_FOUND", "no resource " + req.getPathInfo() + "; GET /shadow or /shadow/{asset}");
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String[] path = path(req);
        if (path.length != 2) {
            error(resp, 404, "NOT_FOUND", "no resource " + req.getPathInfo() + "; POST /shadow/{asset}/"
                    + "start|stop|promote|reject|rollback");
            return;
        }
        String asset = path[0];
        String type = req.getContentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            // a browser holding the console's credentials can be made to post a form or text/plain elsewhere, but
            // not application/json without the page's own script: requiring it keeps commands from forged pages
            error(resp, 415, "UNSUPPORTED_MEDIA_TYPE", "commands must be sent as Content-Type: application/json, "
                    + "was " + (type == null ? "none" : "'" + type + "'"));
            return;
        }
        JsonObject body;
        try {
            body = readObject(req, MAX_BODY, "a command body is a small JSON object");
        } catch (BadRequest e) {
            error(resp, e);
            return;
        }
        String user = user(req);
        try {
            switch (path[1]) {
                case "start" -> send(resp, 201, shadows.start(asset, string(body, "model"), string(body,
                        "version")));
                case "stop" -> send(resp, 200, shadows.stop(asset));
                case "promote" -> send(resp, 200, shadows.promote(asset, bool(body, "force"), user));
                case "reject" -> send(resp, 200, shadows.reject(asset, string(body, "reason"), user));
                case "rollback" -> send(resp, 200, shadows.rollback(asset, user));
                default -> error(resp, 404, "NOT_FOUND", "unknown action '" + path[1] + "'; use start, stop, "
                        + "promote, reject or rollback");
            }
        } catch (ShadowException e) {
            int status = switch (e.reason()) {
                case UNKNOWN_ASSET, UNKNOWN_MODEL -> 404;
                case WRONG_STATE -> 409;
                case INPUT_MISMATCH -> 422;
                case BAD_REQUEST -> 400;
                case PROMOTION_FAILED -> 500;
            };
            error(resp, status, e.reason().name(), e.getMessage());
        } catch (BadRequest e) {
            error(resp, e);
        }
    }
}
