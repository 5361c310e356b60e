package io.vigil.rest.internal;

import java.io.IOException;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import io.vigil.api.rest.RestApi;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The REST context's default servlet: a JSON 404 for every path no resource claims. It is there for security more
 * than for the body: the whiteboard calls {@link RestContext#handleSecurity} only when some servlet of the context
 * matches, so without it an unknown path would answer 404 to anyone, and which resources exist could be probed
 * without credentials. With it, every path under {@value RestApi#CONTEXT_PATH} asks for credentials first.
 */
@Component(service = Servlet.class)
@HttpWhiteboardContextSelect(RestApi.CONTEXT_SELECT)
@HttpWhiteboardServletPattern("/")
@HttpWhiteboardServletName("vigil.rest.not-found")
public final class NotFoundServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        JsonError.send(response, HttpServletResponse.SC_NOT_FOUND, "no REST resource at " + request.getRequestURI());
    }
}
