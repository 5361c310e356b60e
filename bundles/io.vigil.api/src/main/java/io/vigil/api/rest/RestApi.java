package io.vigil.api.rest;

/**
 * Where Vigil's REST resources live. A resource is a Jakarta Servlet whiteboard servlet (OSGi Servlet Whiteboard
 * 2.0) that selects the context below; the context authenticates every request with the web console's
 * credentials (HTTP Basic) before the servlet sees it, so resources do no authentication of their own.
 */
public final class RestApi {

    /** Name of the servlet context of the REST API. */
    public static final String CONTEXT_NAME = "vigil.rest";

    /** Value for {@code osgi.http.whiteboard.context.select} that puts a servlet into the REST API's context. */
    public static final String CONTEXT_SELECT = "(osgi.http.whiteboard.context.name=" + CONTEXT_NAME + ")";

    /** Path of the context; a servlet with pattern {@code /shadow/*} answers under {@code /vigil/api/shadow/}. */
    public static final String CONTEXT_PATH = "/vigil/api";

    /** Request attribute holding the authenticated user name (the servlet specification's remote user too). */
    public static final String USER_ATTRIBUTE = "org.osgi.service.http.authentication.remote.user";

    private RestApi() {
    }
}
