package io.vigil.cloud.mqtt.internal.remote;

import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.ACCOUNT;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.CLIENT;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.CODEC;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.CONSOLE;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.MAX_BYTES;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.bytes;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.config;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.replyTopic;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.request;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.topic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vigil.cloud.mqtt.internal.kura.KuraMetrics;
import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.Lifecycle;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.Method;
import io.vigil.cloud.mqtt.internal.outbox.Kind;
import io.vigil.cloud.mqtt.internal.remote.RemoteTesting.CollectingSender;
import io.vigil.cloud.mqtt.internal.remote.RemoteTesting.Sent;
import io.vigil.cloud.mqtt.internal.remote.RemoteTesting.Services;

/**
 * Every way a request is refused: the reply (or, where none can be sent, the silence) and that nothing was
 * executed. Where no reply is expected, {@code awaitHandled()} waits for the dispatcher's threads, so "nothing sent" is
 * checked after the request was certainly handled.
 */
class RequestRefusalTest {

    private final Services services = new Services();
    private final CollectingSender sender = new CollectingSender();
    private RequestDispatcher dispatcher = new RequestDispatcher(config(CONSOLE), services, sender);

    @AfterEach
    void close() {
        dispatcher.close();
    }

    private Sent refused(String app, String requestId, int code) {
        Sent s = sender.await(replyTopic(app, requestId));
        assertEquals(code, s.code(), s.message());
        assertEquals(RequestDispatcher.REPLY_PRIORITY, s.priority());
        assertEquals(Kind.LIFECYCLE, s.kind());
        assertTrue(!s.message().isBlank(), "an error reply says what was wrong");
        assertEquals(List.of(), services.actions(), "nothing was executed");
        return s;
    }

    private void awaitHandled() {
        try {
            dispatcher.awaitHandled(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private void nothingSentNorExecuted() {
        awaitHandled();
        assertEquals(List.of(), sender.sent);
        assertEquals(List.of(), services.actions());
    }

    @Test
    void aPayloadThatIsNotAKuraPayloadIsA400WhenItsIdsCanBeFound() {
        byte[] good = bytes(request("r1"));
        byte[] broken = Arrays.copyOf(good, good.length + 3);
        broken[good.length] = (byte) 0xaa; // tag of field 5 with wire type 2 ...
        broken[good.length + 1] = 0x01;
        broken[good.length + 2] = 0x7f; // ... whose length runs past the end

        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.EXEC, "uninstall"), broken);

        Sent s = refused(RequestDispatcher.DEPLOY_APP, "r1", 400);
        assertTrue(s.message().contains("not a valid kurapayload"), s.message());
    }

    @Test
    void garbageWithoutIdsIsOnlyLogged() {
        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.GET, "packages"),
                "{\"request.id\": \"r1\"}".getBytes());

        nothingSentNorExecuted();
    }

    @Test
    void anUnknownAppIsA404NamingTheAppsThereAre() {
        dispatcher.onMessage(topic("CONF-V1", Method.GET, "configurations"), bytes(request("r2")));

        Sent s = refused("CONF-V1", "r2", 404);
        assertTrue(s.message().contains("CONF-V1") && s.message().contains(RequestDispatcher.DEPLOY_APP),
                s.message());
    }

    @Test
    void anUnknownResourceIsA404WithTheResourcesThereAre() {
        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.EXEC, "reboot"), bytes(request("r3")));

        Sent s = refused(RequestDispatcher.DEPLOY_APP, "r3", 404);
        assertTrue(s.message().contains("'reboot'") && s.message().contains("EXEC install"), s.message());
    }

    @Test
    void aWrongMethodIsA405NamingTheRightOne() {
        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.GET, "uninstall"),
                bytes(request("r4").metric(RemoteMetrics.DP_NAME, "pump.models")));

        Sent s = refused(RequestDispatcher.DEPLOY_APP, "r4", 405);
        assertTrue(s.message().contains("GET") && s.message().contains("EXEC"), s.message());
    }

    @Test
    void aRequestWithoutRequestIdIsNeitherAnsweredNorExecuted() {
        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.EXEC, "uninstall"), bytes(KuraPayload
                .builder().metric(KuraMetrics.REQUESTER_CLIENT_ID, CONSOLE).metric(RemoteMetrics.DP_NAME, "pump")));

        nothingSentNorExecuted();
    }

    @Test
    void aRequestWithoutRequesterOrWithAnIllTypedIdIsNeitherAnsweredNorExecuted() {
        services.deployments.packages.put("pump", RemoteTestingPackages.installed("pump", "1.0.0", null));
        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.EXEC, "uninstall"), bytes(KuraPayload
                .builder().metric(KuraMetrics.REQUEST_ID, "r5").metric(RemoteMetrics.DP_NAME, "pump")));
        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.EXEC, "uninstall"), bytes(KuraPayload
                .builder().metric(KuraMetrics.REQUEST_ID, 5L).metric(KuraMetrics.REQUESTER_CLIENT_ID, CONSOLE)
                .metric(RemoteMetrics.DP_NAME, "pump")));

        nothingSentNorExecuted();
    }

    @Test
    void aRequesterNotOnTheAllowListIsRefused403AndNothingRuns() {
        services.deployments.packages.put("pump", RemoteTestingPackages.installed("pump", "1.0.0", null));
        dispatcher.close();
        dispatcher = new RequestDispatcher(config("someone-else"), services, sender);

        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.EXEC, "uninstall"),
                bytes(request("r6").metric(RemoteMetrics.DP_NAME, "pump")));

        Sent s = refused(RequestDispatcher.DEPLOY_APP, "r6", 403);
        assertTrue(s.message().contains(CONSOLE) && s.message().contains("remote.allowed.requesters"), s.message());
    }

    @Test
    void aFullOutboxDiskRefuses507DirectlyAndExecutesNothing() {
        services.deployments.packages.put("pump", RemoteTestingPackages.installed("pump", "1.0.0", null));
        sender.full = new IOException("outbox /data/cloud/outbox: the file system has 1024 bytes left");

        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.EXEC, "uninstall"),
                bytes(request("r507").metric(RemoteMetrics.DP_NAME, "pump")));

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !sender.direct.isEmpty());
        Sent s = sender.direct.get(0);
        assertEquals(replyTopic(RequestDispatcher.DEPLOY_APP, "r507"), s.topic());
        assertEquals(507, s.code());
        assertTrue(s.message().contains("1024 bytes left") && s.message().contains("not executed"), s.message());
        awaitHandled();
        assertEquals(List.of(), services.actions(), "nothing was executed");
        assertEquals(List.of(), sender.sent, "nothing stored");
    }

    @Test
    void anEmptyAllowListRefusesEverybody() {
        dispatcher.close();
        dispatcher = new RequestDispatcher(config(), services, sender);

        dispatcher.onMessage(topic(RequestDispatcher.ASSET_APP, Method.GET, "assets"), bytes(request("r7")));

        refused(RequestDispatcher.ASSET_APP, "r7", 403);
    }

    @Test
    void anOversizedPayloadIsA413WithoutBeingDecodedWhenItsIdsComeFirst() {
        KuraPayload.Builder big = request("r8").metric(RemoteMetrics.DP_NAME, "pump").body(new byte[MAX_BYTES * 4]);

        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.EXEC, "uninstall"), bytes(big));

        Sent s = refused(RequestDispatcher.DEPLOY_APP, "r8", 413);
        assertTrue(s.message().contains(String.valueOf(MAX_BYTES)), s.message());
    }

    @Test
    void anOversizedGzipPayloadIsOnlyLogged() {
        KuraPayload big = request("r9").body(new java.util.Random(1).ints(MAX_BYTES * 4).collect(
                java.io.ByteArrayOutputStream::new, (o, i) -> o.write(i), (a, b) -> a.write(b.toByteArray(), 0,
                        b.size())).toByteArray()).build();
        byte[] gz = CODEC.encode(big, true);
        assertTrue(gz.length > MAX_BYTES);

        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.GET, "packages"), gz);

        nothingSentNorExecuted();
    }

    @Test
    void theGatewaysOwnLifecycleRepliesAndNotificationsAreSkippedSilently() {
        byte[] p = bytes(request("r10"));
        dispatcher.onMessage(KuraTopics.lifecycle(ACCOUNT, CLIENT, Lifecycle.BIRTH), p);
        dispatcher.onMessage(KuraTopics.reply(ACCOUNT, CLIENT, RequestDispatcher.DEPLOY_APP, "r10"), p);
        dispatcher.onMessage(KuraTopics.notification(ACCOUNT, CLIENT, RequestDispatcher.DEPLOY_APP, CONSOLE,
                "install"), p);

        nothingSentNorExecuted();
    }

    @Test
    void aMissingOrIllTypedRequestMetricIsA400NamingIt() {
        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.EXEC, "uninstall"), bytes(request("r11")));
        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.EXEC, "uninstall"),
                bytes(request("r12").metric(RemoteMetrics.DP_NAME, 7)));

        assertTrue(refused(RequestDispatcher.DEPLOY_APP, "r11", 400).message().contains("'dp.name'"));
        Sent s = refused(RequestDispatcher.DEPLOY_APP, "r12", 400);
        assertTrue(s.message().contains("'dp.name'") && s.message().contains("STRING")
                && s.message().contains("INT32"), s.message());
    }

    @Test
    void aMissingServiceIsA503() {
        services.deploymentPresent = false;

        dispatcher.onMessage(topic(RequestDispatcher.DEPLOY_APP, Method.GET, "packages"), bytes(request("r13")));

        Sent s = refused(RequestDispatcher.DEPLOY_APP, "r13", 503);
        assertTrue(s.message().contains("io.vigil.deploy"), s.message());
    }

    @Test
    void anUnknownMethodIsA400() {
        dispatcher.onMessage("$EDC/" + ACCOUNT + "/" + CLIENT + "/" + RequestDispatcher.DEPLOY_APP + "/PATCH/x",
                bytes(request("r14")));

        Sent s = refused(RequestDispatcher.DEPLOY_APP, "r14", 400);
        assertTrue(s.message().contains("PATCH"), s.message());
    }
}
