package io.vigil.cloud.mqtt.internal.connection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.gson.Gson;

import io.vigil.api.rest.RestApi;
import io.vigil.cloud.mqtt.internal.outbox.OutboxStats;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /vigil/api/cloud}: the cloud connection's state and its outbox, as JSON, in the REST API's
 * authenticated context. Registered only while the connection is configured.
 */
@Component(service = Servlet.class, property = { "osgi.http.whiteboard.servlet.pattern=/cloud",
        "osgi.http.whiteboard.context.select=" + RestApi.CONTEXT_SELECT })
public final class CloudServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Gson GSON = new Gson();

    private final transient CloudConnection cloud;

    @Activate
    public CloudServlet(@Reference CloudConnection cloud) {
        this.cloud = cloud;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        CloudClient.Status s = cloud.status();
        OutboxStats o = cloud.outbox().stats();
        long[] ids = cloud.outbox().idsAssigned();
        Map<String, Object> outbox = new LinkedHashMap<>();
        outbox.put("directory", cloud.outbox().directory().toString());
        outbox.put("messages", o.messages());
        outbox.put("bytes", o.bytes());
        outbox.put("inFlight", o.inFlight());
        outbox.put("enqueued", o.enqueued());
        outbox.put("acked", o.acked());
        outbox.put("dropped", o.dropped());
        outbox.put("refused", o.refused());
        outbox.put("redelivered", o.redelivered());
        outbox.put("firstId", ids[0]);
        outbox.put("lastId", ids[1]);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", s);
        body.put("notStored", cloud.notStored());
        body.put("outbox", outbox);
        byte[] json = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setContentLength(json.length);
        resp.getOutputStream().write(json);
    }
}
