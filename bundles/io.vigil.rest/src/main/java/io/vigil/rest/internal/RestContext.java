package io.vigil.rest.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.context.ServletContextHelper;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContext;

import io.vigil.api.rest.RestApi;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The REST API's servlet context: every request to {@value RestApi#CONTEXT_PATH} is authenticated with HTTP Basic
 * against the web console's credentials before any REST resource sees it. One password for the console and the
 * API means no second secret to generate, store and rotate on the gateway.
 * <p>
 * The credentials are the framework properties bin/vigil sets, read once at activation; a password changed later
 * in the web console's own configuration is not seen here until the bundle is restarted.
 */
@Component(service = ServletContextHelper.class)
@HttpWhiteboardContext(name = RestApi.CONTEXT_NAME, path = RestApi.CONTEXT_PATH)
public final class RestContext extends ServletContextHelper {

    private static final String USER_PROPERTY = "felix.webconsole.username";
    private static final String PASSWORD_PROPERTY = "felix.webconsole.password";
    private static final String CHALLENGE = "Basic realm=\"Vigil\"";

    private static final Logger LOG = System.getLogger(RestContext.class.getName());
    /** A scan or a client with a stale password can fail many times a second; one line per interval is enough. */
    private static final long FAILURE_LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final Credentials credentials;
    private final Object failureLogLock = new Object();
    private long lastFailureLogged;
    private boolean failureLogged;
    private long failuresSuppressed;

    @Activate
    public RestContext(BundleContext context) {
        credentials = Credentials.of(context.getProperty(USER_PROPERTY), context.getProperty(PASSWORD_PROPERTY));
        if (credentials.disabledReason() != null) {
            LOG.log(Level.ERROR, "REST API " + RestApi.CONTEXT_PATH + " refuses every request (503): "
                    + credentials.disabledReason());
        }
    }

    @Override
    public boolean handleSecurity(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Credentials.Check check = credentials.check(request.getHeader("Authorization"));
        switch (check.verdict()) {
            case AUTHENTICATED -> {
                // the same name today; both set so a resource may rely on either contract. The whiteboard answers
                // getRemoteUser() and getAuthType() from these attributes.
                request.setAttribute(RestApi.USER_ATTRIBUTE, check.user());
                request.setAttribute(REMOTE_USER, check.user());
                request.setAttribute(AUTHENTICATION_TYPE, HttpServletRequest.BASIC_AUTH);
                return true;
            }
            case DISABLED -> JsonError.send(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, check.message());
            // no credentials is the normal first step of a Basic exchange (browsers, curl --anyauth): not logged
            case MISSING -> challenge(response, check);
            case MALFORMED, WRONG -> {
                logFailure(request, check);
                challenge(response, check);
            }
        }
        return false;
    }

    private static void challenge(HttpServletResponse response, Credentials.Check check) throws IOException {
        response.setHeader("WWW-Authenticate", CHALLENGE);
        JsonError.send(response, HttpServletResponse.SC_UNAUTHORIZED, check.message());
    }

    private void logFailure(HttpServletRequest request, Credentials.Check check) {
        long suppressed;
        synchronized (failureLogLock) {
            long now = System.nanoTime();
            if (failureLogged && now - lastFailureLogged < FAILURE_LOG_INTERVAL_NANOS) {
                failuresSuppressed++;
                return;
            }
            failureLogged = true;
            lastFailureLogged = now;
            suppressed = failuresSuppressed;
            failuresSuppressed = 0;
        }
        String who = check.user() == null ? "" : " as user " + printable(check.user());
        LOG.log(Level.WARNING, "REST API: authentication failed for " + request.getMethod() + " "
                + printable(request.getRequestURI()) + " from " + request.getRemoteAddr() + who + ": " + check.message()
                + (suppressed > 0 ? " (" + suppressed + " more failures in the last interval not logged)" : ""));
    }

    /** Client-supplied text goes into the log quoted, shortened and without control characters (no forged lines). */
    private static String printable(String text) {
        String shortened = text.length() > 64 ? text.substring(0, 64) + "…" : text;
        return "'" + shortened.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
