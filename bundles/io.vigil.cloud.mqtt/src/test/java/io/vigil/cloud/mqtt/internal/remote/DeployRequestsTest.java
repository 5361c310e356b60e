package io.vigil.cloud.mqtt.internal.remote;

import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.ACCOUNT;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.CLIENT;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.CONSOLE;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.bytes;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.config;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.record;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.replyTopic;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.request;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.topic;
import static io.vigil.cloud.mqtt.internal.remote.RemoteTesting.watch;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.deploymentadmin.DeploymentException;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.vigil.api.deploy.DeploymentWatch;
import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.Method;
import io.vigil.cloud.mqtt.internal.kura.MetricValue;
import io.vigil.cloud.mqtt.internal.outbox.Kind;
import io.vigil.cloud.mqtt.internal.remote.RemoteTesting.CollectingSender;
import io.vigil.cloud.mqtt.internal.remote.RemoteTesting.Sent;
import io.vigil.cloud.mqtt.internal.remote.RemoteTesting.Services;

/** VIGIL-DEPLOY-V1: every resource's reply, and the install job's notifications. */
class DeployRequestsTest {

    private static final String APP = RequestDispatcher.DEPLOY_APP;
    private static final String NOTIFY = KuraTopics.notification(ACCOUNT, CLIENT, APP, CONSOLE, "install");
    private static final String URL = "https://updates.example.com/pump.models-2.0.0.dp";

    private final Services services = new Services();
    private final CollectingSender sender = new CollectingSender();
    private final RequestDispatcher dispatcher = new RequestDispatcher(config(CONSOLE), services, sender);

    @AfterEach
    void close() {
        services.downloads.gate.countDown();
        dispatcher.close();
    }

    private Sent ok(String requestId) {
        Sent s = sender.await(replyTopic(APP, requestId));
        assertEquals(200, s.code(), s.message());
        assertEquals(RequestDispatcher.REPLY_PRIORITY, s.priority());
        assertEquals(Kind.LIFECYCLE, s.kind());
        return s;
    }

    private KuraPayload.Builder install(String requestId, long jobId, String sha) {
        return request(requestId).metric(RemoteMetrics.DP_URI, URL).metric(RemoteMetrics.DP_SHA256, sha)
                .metric(RemoteMetrics.JOB_ID, jobId);
    }

    private static String status(Sent s) {
        return s.string(RemoteMetrics.DP_INSTALL_STATUS);
    }

    private List<Sent> notificationsUntilEnd() {
        return await().atMost(Duration.ofSeconds(10)).until(() -> sender.on(NOTIFY), l -> !l.isEmpty()
                && !status(l.get(l.size() - 1)).equals(RemoteMetrics.STATUS_IN_PROGRESS));
    }

    @Test
    void getPackagesListsTheInstalledPackagesAsJson() {
        services.deployments.packages.put("pump.models", RemoteTestingPackages.installed("pump.models", "1.0.0",
                null));

        dispatcher.onMessage(topic(APP, Method.GET, "packages"), bytes(request("p1")));

        Sent s = ok("p1");
        assertEquals(new MetricValue.IntValue(1), s.metric(RemoteMetrics.COUNT));
        JsonObject p = s.json().getAsJsonArray().get(0).getAsJsonObject();
        assertEquals("pump.models", p.get("name").getAsString());
        assertEquals("1.0.0", p.get("version").getAsString());
        assertEquals("pump.models.bundle", p.getAsJsonArray("bundles").get(0).getAsJsonObject().get("symbolicName")
                .getAsString());
    }

    @Test
    void getHistoryReturnsTheLatestEntriesOldestFirst() {
        for (int i = 1; i <= 3; i++) {
            services.deployments.history.add(record("INSTALL", "pkg" + i, "", "1.0." + i, "rest:admin"));
        }

        dispatcher.onMessage(topic(APP, Method.GET, "history"), bytes(request("h1")
                .metric(RemoteMetrics.HISTORY_LIMIT, 2)));

        JsonArray a = ok("h1").json().getAsJsonArray();
        assertEquals(2, a.size());
        assertEquals("pkg2", a.get(0).getAsJsonObject().get("packageName").getAsString());
        assertEquals("COMMITTED", a.get(1).getAsJsonObject().get("result").getAsString());
    }

    @Test
    void aHistoryLimitBeyondWhatBrokersAcceptIsRefused() {
        dispatcher.onMessage(topic(APP, Method.GET, "history"), bytes(request("h2")
                .metric(RemoteMetrics.HISTORY_LIMIT, DeployApp.MAX_HISTORY + 1)));

        Sent s = sender.await(replyTopic(APP, "h2"));
        assertEquals(400, s.code());
        assertTrue(s.message().contains("0 to " + DeployApp.MAX_HISTORY) && s.message().contains(
                String.valueOf(DeployApp.MAX_HISTORY + 1)), s.message());
    }

    @Test
    void aReplyLargerThanAMessageMayBeIsReplacedByAnErrorReply() {
        for (int i = 1; i <= DeployApp.MAX_HISTORY; i++) {
            services.deployments.history.add(record("INSTALL", "pkg" + i, "", "1.0." + i, "rest:admin"));
        }
        sender.maxBytes = 4096;

        dispatcher.onMessage(topic(APP, Method.GET, "history"), bytes(request("h3")
                .metric(RemoteMetrics.HISTORY_LIMIT, DeployApp.MAX_HISTORY)));

        Sent s = sender.await(replyTopic(APP, "h3"));
        assertEquals(RequestDispatcher.REPLY_TOO_LARGE, s.code());
        assertTrue(s.message().contains("too large") && s.message().contains("max.message.bytes=4096")
                && s.message().contains("history.limit"), s.message());
        assertEquals(1, sender.on(replyTopic(APP, "h3")).size(), "one reply, the short one");
        assertTrue(sender.direct.isEmpty(), "the large reply is not sent around the outbox either");
    }

    @Test
    void stoppingRemoteManagementLetsARunningDeploymentFinishUninterrupted() throws InterruptedException {
        // the deployment may be what stops this bundle (a refresh of the cloud bundle waits for its deactivation),
        // so close() must neither wait for the install thread nor interrupt it
        services.downloads.gate = new CountDownLatch(1);
        dispatcher.onMessage(topic(APP, Method.EXEC, "install"), bytes(install("i9", 9L, services.downloads.sha256)));
        ok("i9");
        assertTrue(services.downloads.started.await(10, TimeUnit.SECONDS));

        dispatcher.close(); // returns with the job still at the gate: it does not wait for it
        assertEquals(null, services.downloads.interruptedAtGate, "the job was still running when close returned");
        services.downloads.gate.countDown();

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> services.downloads.interruptedAtGate != null);
        assertEquals(Boolean.FALSE, services.downloads.interruptedAtGate, "the install thread was not interrupted");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> services.deployments.calls.stream().anyMatch(c -> c.startsWith("install ")));
    }

    @Test
    void installAnswersAtOnceWithTheJobThenNotifiesProgressAndCompletion() {
        dispatcher.onMessage(topic(APP, Method.EXEC, "install"), bytes(install("i1", 42L, services.downloads.sha256)
                .metric(RemoteMetrics.DP_FORCE, true)));

        assertEquals(new MetricValue.LongValue(42), ok("i1").metric(RemoteMetrics.JOB_ID));
        List<Sent> n = notificationsUntilEnd();
        Sent first = n.get(0);
        Sent last = n.get(n.size() - 1);
        assertEquals(RemoteMetrics.STATUS_IN_PROGRESS, status(first));
        assertEquals(RemoteMetrics.STATUS_COMPLETED, status(last));
        for (Sent s : n) {
            assertEquals(new MetricValue.LongValue(42), s.metric(RemoteMetrics.JOB_ID));
            assertEquals(InstallJobs.NOTIFY_PRIORITY, s.priority());
            assertEquals(Kind.LIFECYCLE, s.kind());
        }
        assertTrue(n.stream().anyMatch(s -> s.metric(RemoteMetrics.DP_DOWNLOAD_PROGRESS)
                .equals(new MetricValue.IntValue(50))), n.toString());
        assertEquals(new MetricValue.IntValue(100), last.metric(RemoteMetrics.DP_DOWNLOAD_PROGRESS));
        assertEquals(new MetricValue.LongValue(4000), last.metric(RemoteMetrics.DP_DOWNLOAD_SIZE));
        assertEquals("pump.models", last.string(RemoteMetrics.DP_NAME));
        assertEquals("2.0.0", last.string(RemoteMetrics.DP_VERSION));
        assertEquals(List.of("download " + URL + " mqtt:" + CONSOLE), services.downloads.calls);
        assertEquals(List.of("install mqtt:" + CONSOLE + " true"), services.deployments.calls);
        assertArrayEquals(services.downloads.content, services.deployments.installed.get(0));
    }

    @Test
    void aHashMismatchFailsTheJobWithHashMismatchAndInstallsNothing() {
        String wrong = "0".repeat(64);

        dispatcher.onMessage(topic(APP, Method.EXEC, "install"), bytes(install("i2", 43L, wrong)));

        ok("i2");
        Sent last = notificationsUntilEnd().get(sender.on(NOTIFY).size() - 1);
        assertEquals(RemoteMetrics.STATUS_FAILED, status(last));
        assertEquals("HASH_MISMATCH", last.string(RemoteMetrics.DP_ERROR_CODE));
        assertTrue(last.string(RemoteMetrics.DP_ERROR_MESSAGE).contains(wrong));
        assertEquals(List.of(), services.deployments.calls, "nothing reached the deployment manager");
        assertEquals(List.of(), services.deployments.installed);
    }

    @Test
    void aRefusedDeploymentFailsTheJobWithTheDeploymentAdminCode() {
        services.deployments.failWith = new DeploymentException(DeploymentException.CODE_SIGNING_ERROR,
                "not signed by a trusted key");

        dispatcher.onMessage(topic(APP, Method.EXEC, "install"), bytes(install("i3", 44L, services.downloads.sha256)));

        ok("i3");
        List<Sent> n = notificationsUntilEnd();
        Sent last = n.get(n.size() - 1);
        assertEquals(RemoteMetrics.STATUS_FAILED, status(last));
        assertEquals("CODE_SIGNING_ERROR", last.string(RemoteMetrics.DP_ERROR_CODE));
        assertEquals(new MetricValue.IntValue(DeploymentException.CODE_SIGNING_ERROR),
                last.metric(RemoteMetrics.DP_ERROR_DEPLOYMENT_CODE));
    }

    @Test
    void installsRunOneAtATime() throws InterruptedException {
        services.downloads.gate = new CountDownLatch(1);
        dispatcher.onMessage(topic(APP, Method.EXEC, "install"), bytes(install("i4", 1L, services.downloads.sha256)));
        ok("i4");
        assertTrue(services.downloads.started.await(10, TimeUnit.SECONDS));

        dispatcher.onMessage(topic(APP, Method.EXEC, "install"), bytes(install("i5", 2L, services.downloads.sha256)));

        Sent busy = sender.await(replyTopic(APP, "i5"));
        assertEquals(409, busy.code());
        assertTrue(busy.message().contains("job 1"), busy.message());
        services.downloads.gate.countDown();
        assertEquals(RemoteMetrics.STATUS_COMPLETED, status(notificationsUntilEnd().get(sender.on(NOTIFY).size()
                - 1)));
        assertEquals(1, services.downloads.calls.size());
    }

    @Test
    void progressNotificationsAreThrottled() {
        services.downloads.chunks = 1000;

        dispatcher.onMessage(topic(APP, Method.EXEC, "install"), bytes(install("i6", 7L, services.downloads.sha256)));

        ok("i6");
        List<Sent> n = notificationsUntilEnd();
        // the start, one per 5 % (20), the end; a slow machine may add one per second elapsed
        assertTrue(n.size() >= 22 && n.size() <= 30, n.size() + " notifications");
    }

    @Test
    void installValidatesItsMetricsBeforeAcceptingTheJob() {
        dispatcher.onMessage(topic(APP, Method.EXEC, "install"), bytes(install("i7", 1L, "abc")));
        dispatcher.onMessage(topic(APP, Method.EXEC, "install"), bytes(request("i8")
                .metric(RemoteMetrics.DP_URI, "ftp://example.com/x.dp").metric(RemoteMetrics.DP_SHA256,
                        services.downloads.sha256).metric(RemoteMetrics.JOB_ID, 1L)));
        dispatcher.onMessage(topic(APP, Method.EXEC, "install"), bytes(request("i9")
                .metric(RemoteMetrics.DP_URI, URL).metric(RemoteMetrics.DP_SHA256, services.downloads.sha256)));

        assertTrue(sender.await(replyTopic(APP, "i7")).message().contains("'abc'"));
        assertTrue(sender.await(replyTopic(APP, "i8")).message().contains("ftp://example.com/x.dp"));
        assertTrue(sender.await(replyTopic(APP, "i9")).message().contains("'job.id'"));
        for (String id : List.of("i7", "i8", "i9")) {
            assertEquals(400, sender.await(replyTopic(APP, id)).code());
        }
        assertEquals(List.of(), services.actions());
    }

    @Test
    void uninstallAndRollbackAnswerWithTheHistoryRecord() {
        services.deployments.packages.put("pump.models", RemoteTestingPackages.installed("pump.models", "2.0.0",
                RemoteTestingPackages.installed("pump.models", "1.0.0", null)));

        dispatcher.onMessage(topic(APP, Method.EXEC, "rollback"), bytes(request("u1")
                .metric(RemoteMetrics.DP_NAME, "pump.models")));
        dispatcher.onMessage(topic(APP, Method.EXEC, "uninstall"), bytes(request("u2")
                .metric(RemoteMetrics.DP_NAME, "pump.models").metric(RemoteMetrics.DP_FORCE, true)));

        Sent rollback = ok("u1");
        assertEquals("1.0.0", rollback.string(RemoteMetrics.DP_VERSION));
        assertEquals("COMMITTED", rollback.string(RemoteMetrics.DP_RESULT));
        assertEquals("ROLLBACK", rollback.json().getAsJsonObject().get("operation").getAsString());
        Sent uninstall = ok("u2");
        assertEquals("pump.models", uninstall.string(RemoteMetrics.DP_NAME));
        assertEquals("mqtt:" + CONSOLE, uninstall.json().getAsJsonObject().get("requestedBy").getAsString());
        assertTrue(services.actions().contains("uninstall pump.models mqtt:" + CONSOLE + " true"));
    }

    @Test
    void uninstallOfAnUnknownPackageIs404AndRollbackWithoutPreviousIs409() {
        services.deployments.packages.put("first", RemoteTestingPackages.installed("first", "1.0.0", null));

        dispatcher.onMessage(topic(APP, Method.EXEC, "uninstall"), bytes(request("u3")
                .metric(RemoteMetrics.DP_NAME, "nothing")));
        dispatcher.onMessage(topic(APP, Method.EXEC, "rollback"), bytes(request("u4")
                .metric(RemoteMetrics.DP_NAME, "first")));

        assertEquals(404, sender.await(replyTopic(APP, "u3")).code());
        assertEquals(409, sender.await(replyTopic(APP, "u4")).code());
        assertEquals(List.of(), services.actions());
    }

    @Test
    void getWatchesRendersNaNAsNull() {
        services.reviews.watches.add(watch("pump.models", DeploymentWatch.State.PENDING_REVIEW, Double.NaN));

        dispatcher.onMessage(topic(APP, Method.GET, "watches"), bytes(request("w1")));

        JsonObject w = ok("w1").json().getAsJsonArray().get(0).getAsJsonObject();
        assertEquals("PENDING_REVIEW", w.get("state").getAsString());
        assertTrue(w.get("observedRate").isJsonNull());
        assertEquals(0.02, w.get("baselineRate").getAsDouble());
    }

    @Test
    void reviewKeepsOrRollsBackAndRefusesWhatIsNotPending() {
        services.reviews.watches.add(watch("pump.models", DeploymentWatch.State.PENDING_REVIEW, 0.3));
        services.reviews.watches.add(watch("done.models", DeploymentWatch.State.OK, 0.01));

        dispatcher.onMessage(topic(APP, Method.EXEC, "review"), bytes(request("v1")
                .metric(RemoteMetrics.DP_NAME, "pump.models").metric(RemoteMetrics.REVIEW_DECISION, "keep")));
        Sent kept = ok("v1");
        dispatcher.onMessage(topic(APP, Method.EXEC, "review"), bytes(request("v2")
                .metric(RemoteMetrics.DP_NAME, "done.models").metric(RemoteMetrics.REVIEW_DECISION, "rollback")));
        dispatcher.onMessage(topic(APP, Method.EXEC, "review"), bytes(request("v3")
                .metric(RemoteMetrics.DP_NAME, "never.models").metric(RemoteMetrics.REVIEW_DECISION, "keep")));
        dispatcher.onMessage(topic(APP, Method.EXEC, "review"), bytes(request("v4")
                .metric(RemoteMetrics.DP_NAME, "pump.models").metric(RemoteMetrics.REVIEW_DECISION, "maybe")));

        assertEquals("KEPT", kept.json().getAsJsonArray().get(0).getAsJsonObject().get("state").getAsString());
        assertEquals(409, sender.await(replyTopic(APP, "v2")).code());
        assertEquals(404, sender.await(replyTopic(APP, "v3")).code());
        Sent bad = sender.await(replyTopic(APP, "v4"));
        assertEquals(400, bad.code());
        assertTrue(bad.message().contains("'maybe'"), bad.message());
        assertEquals(List.of("review pump.models true mqtt:" + CONSOLE), services.reviews.calls);
    }

    @Test
    void appIdsAreTheThreeApps() {
        assertEquals(List.of(APP, RequestDispatcher.SHADOW_APP, RequestDispatcher.ASSET_APP), dispatcher.appIds());
    }
}
