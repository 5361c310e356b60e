package io.vigil.cloud.mqtt.internal.connection;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.vigil.api.rest.RestApi;
import io.vigil.cloud.mqtt.internal.outbox.OutboxStats;
import io.vigil.rest.json.JsonRequests;
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
        JsonRequests.send(resp, 200, body);
    }
}
