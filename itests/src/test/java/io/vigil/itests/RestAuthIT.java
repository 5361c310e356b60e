package io.vigil.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.osgi.framework.ServiceRegistration;

import io.vigil.api.rest.RestApi;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The REST API's servlet context: a servlet that joins it is reached only with the web console's credentials,
 * and learns who called it. The console itself keeps answering to the same credentials.
 */
public class RestAuthIT extends VigilTestSupport {

    private static final String ECHO = "/echo";

    /** What the test servlet saw in the last request that reached it. */
    private final AtomicReference<String> seenUser = new AtomicReference<>();
    private ServiceRegistration<Servlet> echo;

    /** A REST resource as any Vigil bundle would write one: it does no authentication of its own. */
    private final class EchoServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String user = (String) request.getAttribute(RestApi.USER_ATTRIBUTE);
            seenUser.set(user);
            response.setContentType("application/json; charset=utf-8");
            response.getOutputStream().write(("{\"user\":\"" + user + "\",\"remoteUser\":\"" + request.getRemoteUser()
                    + "\",\"authType\":\"" + request.getAuthType() + "\"}").getBytes(StandardCharsets.UTF_8));
        }
    }

    @Before
    public void registerEchoServlet() {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("osgi.http.whiteboard.servlet.pattern", ECHO + "/*");
        props.put("osgi.http.whiteboard.context.select", RestApi.CONTEXT_SELECT);
        echo = context.registerService(Servlet.class, new EchoServlet(), props);
        awaitRest(ECHO + "/ready", HttpURLConnection.HTTP_OK);
        seenUser.set(null);
    }

    @After
    public void unregisterEchoServlet() {
        echo.unregister();
    }

    @Test
    public void withoutCredentialsTheServletIsNotReached() throws IOException {
        HttpResult result = restAnonymous("GET", ECHO + "/x", null);
        assertEquals(HttpURLConnection.HTTP_UNAUTHORIZED, result.status());
        assertEquals("Basic realm=\"Vigil\"", result.header("WWW-Authenticate"));
        assertJsonError(result);
        assertNull("the servlet must not see an unauthenticated request", seenUser.get());
    }

    @Test
    public void wrongPasswordOrUserIsRefused() throws IOException {
        for (HttpResult result : new HttpResult[] { restAs(USER, PASSWORD + "x", "GET", ECHO + "/x", null),
                restAs("admin", "admin", "GET", ECHO + "/x", null), restAs(USER, "", "GET", ECHO + "/x", null) }) {
            assertEquals(HttpURLConnection.HTTP_UNAUTHORIZED, result.status());
            assertTrue(result.header("WWW-Authenticate"), result.header("WWW-Authenticate").startsWith("Basic "));
            assertJsonError(result);
            assertFalse("the password must not be echoed: " + result.body(), result.body().contains(PASSWORD));
        }
        assertNull(seenUser.get());
    }

    @Test
    public void rightCredentialsReachTheServletWithTheUser() throws IOException {
        HttpResult result = rest("GET", ECHO + "/x", null);
        assertEquals(result.body(), HttpURLConnection.HTTP_OK, result.status());
        assertEquals(USER, seenUser.get());
        assertEquals("{\"user\":\"" + USER + "\",\"remoteUser\":\"" + USER + "\",\"authType\":\""
                + HttpServletRequest.BASIC_AUTH + "\"}", result.body());
    }

    @Test
    public void unknownPathsAskForCredentialsBeforeAnswering404() throws IOException {
        HttpResult anonymous = restAnonymous("GET", "/no-such-resource", null);
        assertEquals("which resources exist is not told to anonymous clients", HttpURLConnection.HTTP_UNAUTHORIZED,
                anonymous.status());
        HttpResult authenticated = rest("GET", "/no-such-resource", null);
        assertEquals(HttpURLConnection.HTTP_NOT_FOUND, authenticated.status());
        assertJsonError(authenticated);
    }

    @Test
    public void webConsoleTakesTheSameCredentials() throws IOException {
        assertEquals(HttpURLConnection.HTTP_UNAUTHORIZED, http(null, null, "GET", "/system/console/bundles", null).status());
        assertEquals(HttpURLConnection.HTTP_UNAUTHORIZED,
                http("admin", "admin", "GET", "/system/console/bundles", null).status());
        assertEquals(HttpURLConnection.HTTP_OK, http(USER, PASSWORD, "GET", "/system/console/bundles", null).status());
    }

    private static void assertJsonError(HttpResult result) {
        String type = result.header("Content-Type");
        assertTrue("Content-Type " + type, type != null && type.replace(" ", "").equalsIgnoreCase("application/json;charset=utf-8"));
        assertTrue(result.body(), result.body().startsWith("{\"error\":\"") && result.body().strip().endsWith("\"}"));
    }
}
