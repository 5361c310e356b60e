package io.vigil.cloud.mqtt.internal.remote;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.service.deploymentadmin.DeploymentException;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import io.vigil.api.asset.AssetStatus;
import io.vigil.api.asset.PipelineStatus;
import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentReviews;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.deploy.DeploymentWatch;
import io.vigil.api.deploy.DownloadFailedException;
import io.vigil.api.deploy.DownloadProgress;
import io.vigil.api.deploy.InstalledPackage;
import io.vigil.api.deploy.PackageDownloads;
import io.vigil.api.model.ModelCatalog;
import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.model.RejectedModel;
import io.vigil.api.shadow.ShadowException;
import io.vigil.api.shadow.ShadowReport;
import io.vigil.api.shadow.ShadowService;
import io.vigil.api.shadow.ShadowState;
import io.vigil.cloud.mqtt.internal.kura.KuraMetrics;
import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.kura.KuraPayloadCodec;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.Method;
import io.vigil.cloud.mqtt.internal.kura.MetricValue;
import io.vigil.cloud.mqtt.internal.outbox.Kind;

/** In-memory services, a collecting sender and request builders for the dispatcher's tests. */
final class RemoteTesting {

    static final String ACCOUNT = "acme";
    static final String CLIENT = "gw-1";
    static final String CONSOLE = "console-1";
    static final int MAX_BYTES = 4096;
    static final KuraPayloadCodec CODEC = new KuraPayloadCodec();

    private RemoteTesting() {
    }

    static RemoteConfig config(String... allowed) {
        return new RemoteConfig(ACCOUNT, CLIENT, Set.of(allowed), MAX_BYTES);
    }

    static String topic(String app, Method method, String... resources) {
        return KuraTopics.control(ACCOUNT, CLIENT, app, method, resources);
    }

    static String replyTopic(String app, String requestId) {
        return KuraTopics.reply(ACCOUNT, CONSOLE, app, requestId);
    }

    /** A request payload from {@link #CONSOLE} with the given id and extra metrics. */
    static KuraPayload.Builder request(String requestId) {
        return KuraPayload.builder().metric(KuraMetrics.REQUEST_ID, requestId)
                .metric(KuraMetrics.REQUESTER_CLIENT_ID, CONSOLE);
    }

    static byte[] bytes(KuraPayload.Builder b) {
        return CODEC.encode(b.build(), false);
    }

    record Sent(String topic, KuraPayload payload, int priority, Kind kind) {

        int code() {
            return ((MetricValue.IntValue) payload.metric(KuraMetrics.RESPONSE_CODE).orElseThrow()).value();
        }

        String message() {
            return payload.stringMetric(KuraMetrics.RESPONSE_EXCEPTION_MESSAGE).orElse("");
        }

        String string(String metric) {
            return payload.stringMetric(metric).orElseThrow(() -> new AssertionError("no " + metric + " in "
                    + payload));
        }

        MetricValue metric(String metric) {
            return payload.metric(metric).orElseThrow(() -> new AssertionError("no " + metric + " in " + payload));
        }

        JsonElement json() {
            return JsonParser.parseString(new String(payload.body().orElseThrow(), StandardCharsets.UTF_8));
        }
    }

    /** Collects what the dispatcher sends. */
    static final class CollectingSender implements ReplySender {
        final List<Sent> sent = new CopyOnWriteArrayList<>();
        /** What was published without storing (the outbox-full refusal). */
        final List<Sent> direct = new CopyOnWriteArrayList<>();
        /** When set, the outbox reports a full disk. */
        volatile IOException full;
        /** Larger payloads are refused as the outbox refuses what exceeds max.message.bytes. */
        volatile int maxBytes = Integer.MAX_VALUE;

        @Override
        public void checkRoom() throws IOException {
            if (full != null) {
                throw full;
            }
        }

        @Override
        public boolean sendDirect(String topic, KuraPayload payload) {
            try {
                direct.add(new Sent(topic, CODEC.decode(CODEC.encode(payload, false)), -1, null));
            } catch (io.vigil.cloud.mqtt.internal.kura.KuraPayloadException e) {
                throw new AssertionError(e);
            }
            return true;
        }

        @Override
        public void send(String topic, KuraPayload payload, int priority, Kind kind) throws IOException {
            // a round trip through the codec: what is sent must encode
            int size = CODEC.encode(payload, false).length;
            if (size > maxBytes) {
                throw new IllegalArgumentException("message to '" + topic + "' is " + size + " bytes, more than "
                        + "max.message.bytes=" + maxBytes);
            }
            try {
                sent.add(new Sent(topic, CODEC.decode(CODEC.encode(payload, false)), priority, kind));
            } catch (io.vigil.cloud.mqtt.internal.kura.KuraPayloadException e) {
                throw new AssertionError("the dispatcher sent a payload that does not round-trip: " + payload, e);
            }
        }

        /** Waits for the one message on {@code topic}. */
        Sent await(String topic) {
            return org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> on(topic),
                    l -> !l.isEmpty()).get(0);
        }

        List<Sent> on(String topic) {
            return sent.stream().filter(s -> s.topic().equals(topic)).toList();
        }
    }

    /** Every service present and recording what it was asked to do. */
    static final class Services implements RemoteServices {
        final FakeDeployments deployments = new FakeDeployments();
        final FakeDownloads downloads = new FakeDownloads(deployments);
        final FakeReviews reviews = new FakeReviews();
        final FakeShadow shadow = new FakeShadow();
        final List<AssetStatus> assets = new ArrayList<>();
        final List<ModelDescriptor> served = new ArrayList<>();
        final List<RejectedModel> rejected = new ArrayList<>();
        volatile boolean deploymentPresent = true;

        /** Calls that change something; a refused request must leave this empty. */
        List<String> actions() {
            List<String> all = new ArrayList<>(deployments.calls);
            all.addAll(downloads.calls);
            all.addAll(reviews.calls);
            all.addAll(shadow.calls);
            return all;
        }

        @Override
        public Optional<DeploymentService> deployment() {
            return deploymentPresent ? Optional.of(deployments) : Optional.empty();
        }

        @Override
        public Optional<PackageDownloads> downloads() {
            return Optional.of(downloads);
        }

        @Override
        public Optional<DeploymentReviews> reviews() {
            return Optional.of(reviews);
        }

        @Override
        public Optional<ShadowService> shadow() {
            return Optional.of(shadow);
        }

        @Override
        public Optional<PipelineStatus> pipeline() {
            return Optional.of(new PipelineStatus() {
                @Override
                public List<AssetStatus> assets() {
                    return List.copyOf(assets);
                }

                @Override
                public Optional<AssetStatus> asset(String assetId) {
                    return assets.stream().filter(a -> a.assetId().equals(assetId)).findFirst();
                }
            });
        }

        @Override
        public Optional<ModelCatalog> models() {
            return Optional.of(new ModelCatalog() {
                @Override
                public List<ModelDescriptor> served() {
                    return List.copyOf(served);
                }

                @Override
                public List<RejectedModel> rejected() {
                    return List.copyOf(rejected);
                }
            });
        }
    }

    static DeploymentRecord record(String op, String name, String from, String to, String by) {
        return new DeploymentRecord("tx-" + name + "-" + to, op, name, from, to, by, "test", "unsigned", 1, 2,
                "COMMITTED", -1, op + " of " + name + " committed");
    }

    static final class FakeDeployments implements DeploymentService {
        final Map<String, InstalledPackage> packages = new LinkedHashMap<>();
        final List<DeploymentRecord> history = new CopyOnWriteArrayList<>();
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<byte[]> installed = new CopyOnWriteArrayList<>();
        volatile DeploymentException failWith;

        @Override
        public DeploymentRecord install(InputStream in, String requestedBy, String source, boolean force)
                throws DeploymentException {
            calls.add("install " + requestedBy + " " + force);
            if (failWith != null) {
                throw failWith;
            }
            try {
                installed.add(in.readAllBytes());
            } catch (IOException e) {
                throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, e.toString());
            }
            return record("INSTALL", "pump.models", "", "2.0.0", requestedBy);
        }

        @Override
        public DeploymentRecord uninstall(String name, String requestedBy, boolean force) throws DeploymentException {
            calls.add("uninstall " + name + " " + requestedBy + " " + force);
            if (failWith != null) {
                throw failWith;
            }
            return record("UNINSTALL", name, packages.get(name).version(), "", requestedBy);
        }

        @Override
        public DeploymentRecord rollback(String name, String requestedBy) throws DeploymentException {
            calls.add("rollback " + name + " " + requestedBy);
            InstalledPackage p = packages.get(name);
            return record("ROLLBACK", name, p.version(), p.previous().version(), requestedBy);
        }

        @Override
        public Map<String, InstalledPackage> packages() {
            return Map.copyOf(packages);
        }

        @Override
        public List<DeploymentRecord> history() {
            return List.copyOf(history);
        }
    }

    /**
     * Checks the hash of {@link #content} as the real one does (before installing), reporting progress in
     * {@link #chunks} steps; {@link #gate} holds it before it finishes, for the one-at-a-time test.
     */
    static final class FakeDownloads implements PackageDownloads {
        final FakeDeployments deployments;
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile byte[] content = "a deployment package".getBytes(StandardCharsets.UTF_8);
        volatile String sha256 = sha256(content);
        volatile int chunks = 4;
        volatile CountDownLatch gate = new CountDownLatch(0);
        final CountDownLatch started = new CountDownLatch(1);
        /** Whether the install thread was interrupted while it waited at the gate; null until it passed it. */
        volatile Boolean interruptedAtGate;

        FakeDownloads(FakeDeployments deployments) {
            this.deployments = deployments;
        }

        @Override
        public DeploymentRecord install(URI uri, String sha256, String requestedBy, boolean force,
                DownloadProgress progress) throws DownloadFailedException, DeploymentException {
            calls.add("download " + uri + " " + requestedBy);
            started.countDown();
            long total = 1000L * chunks;
            for (int i = 1; i <= chunks; i++) {
                progress.bytes(1000L * i, total);
            }
            try {
                gate.await(10, TimeUnit.SECONDS);
                interruptedAtGate = Thread.currentThread().isInterrupted();
            } catch (InterruptedException e) {
                interruptedAtGate = true;
                Thread.currentThread().interrupt();
            }
            if (!sha256.equalsIgnoreCase(this.sha256)) {
                throw new DownloadFailedException(DownloadFailedException.Reason.HASH_MISMATCH, "SHA-256 mismatch for "
                        + uri + ": expected " + sha256 + " but the bytes received have " + this.sha256);
            }
            return deployments.install(new ByteArrayInputStream(content), requestedBy, uri.toString(), force);
        }

        static String sha256(byte[] b) {
            try {
                return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(b));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new AssertionError(e);
            }
        }
    }

    static DeploymentWatch watch(String pkg, DeploymentWatch.State state, double observedRate) {
        return new DeploymentWatch("tx-1/pump-7", "tx-1", pkg, "pump-7", "UPDATE", "1.0.0", "2.0.0",
                List.of("bearing:2.0.0"), state, "signalled", DeploymentWatch.Action.REVIEW, 2000, 40, 0.02,
                "before", 2, 0.04, 0.01, 0.01, 1000, 10, 3, observedRate, 5.5, 0.1, 4.2, 4.2, true, true,
                DeploymentWatch.Signal.INCREASE, 10, 1, 2, 0, "");
    }

    static final class FakeReviews implements DeploymentReviews {
        final List<DeploymentWatch> watches = new CopyOnWriteArrayList<>();
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public List<DeploymentWatch> watches() {
            return List.copyOf(watches);
        }

        @Override
        public List<DeploymentWatch> review(String packageName, boolean keep, String reviewer) {
            List<DeploymentWatch> of = watches.stream().filter(w -> w.packageName().equals(packageName)).toList();
            if (of.isEmpty()) {
                throw new IllegalArgumentException("no deployment of package '" + packageName + "' has been watched");
            }
            if (of.stream().noneMatch(w -> w.state() == DeploymentWatch.State.PENDING_REVIEW)) {
                throw new IllegalStateException("package " + packageName + " has no watch pending review");
            }
            calls.add("review " + packageName + " " + keep + " " + reviewer);
            return of.stream().map(w -> watch(packageName, keep ? DeploymentWatch.State.KEPT
                    : DeploymentWatch.State.ROLLED_BACK, w.observedRate())).toList();
        }
    }

    static ShadowReport report(String asset, ShadowState state, double agreement) {
        return new ShadowReport(asset, "bearing:2.0.0", "bearing:1.0.0", state, "", "OPERATOR", 1, 2, 0, 100, 80, 20,
                0, 0, new ShadowReport.AlertTable(5, 1, 2, 72), agreement, Double.NaN, 0.07, 0.09, 0.02, -0.01,
                0.05, 0.5, new ShadowReport.ScoreShift(80, 0.01, 0.05, 0.9), new ShadowReport.Latency(80, 120, 300),
                new ShadowReport.Latency(80, 130, 320), Double.POSITIVE_INFINITY, List.of(), "", "", false);
    }

    static final class FakeShadow implements ShadowService {
        final Map<String, ShadowReport> reports = new LinkedHashMap<>();
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public synchronized ShadowReport start(String assetId, String modelName, String modelVersion)
                throws ShadowException {
            if (!assetId.startsWith("pump")) {
                throw new ShadowException(ShadowException.Reason.UNKNOWN_ASSET, "no asset " + assetId);
            }
            calls.add("start " + assetId + " " + modelName + ":" + modelVersion);
            ShadowReport r = RemoteTesting.report(assetId, ShadowState.SHADOWING, Double.NaN);
            reports.put(assetId, r);
            return r;
        }

        @Override
        public synchronized ShadowReport stop(String assetId) throws ShadowException {
            ShadowReport r = running(assetId);
            calls.add("stop " + assetId);
            return RemoteTesting.report(r.assetId(), ShadowState.STOPPED, r.agreement());
        }

        @Override
        public synchronized ShadowReport promote(String assetId, boolean force, String operator)
                throws ShadowException {
            ShadowReport r = running(assetId);
            if (r.state() != ShadowState.READY && !force) {
                throw new ShadowException(ShadowException.Reason.WRONG_STATE, "candidate on " + assetId + " is "
                        + r.state() + ", not READY; promote with force to override the gate");
            }
            calls.add("promote " + assetId + " " + force + " " + operator);
            ShadowReport p = RemoteTesting.report(assetId, ShadowState.PROMOTED, r.agreement());
            reports.put(assetId, p);
            return p;
        }

        @Override
        public synchronized ShadowReport reject(String assetId, String reason, String operator)
                throws ShadowException {
            running(assetId);
            calls.add("reject " + assetId + " " + reason + " " + operator);
            return RemoteTesting.report(assetId, ShadowState.REJECTED, 0.5);
        }

        @Override
        public synchronized ShadowReport rollback(String assetId, String operator) throws ShadowException {
            ShadowReport r = reports.get(assetId);
            if (r == null) {
                throw new ShadowException(ShadowException.Reason.UNKNOWN_ASSET, "no comparison ran on " + assetId);
            }
            if (r.state() != ShadowState.PROMOTED) {
                throw new ShadowException(ShadowException.Reason.WRONG_STATE, "the last comparison on " + assetId
                        + " is " + r.state() + ", not PROMOTED");
            }
            calls.add("rollback " + assetId + " " + operator);
            return RemoteTesting.report(assetId, ShadowState.ROLLED_BACK, r.agreement());
        }

        private ShadowReport running(String assetId) throws ShadowException {
            ShadowReport r = reports.get(assetId);
            if (r == null || !r.state().running()) {
                throw new ShadowException(ShadowException.Reason.WRONG_STATE, "no comparison runs on " + assetId);
            }
            return r;
        }

        @Override
        public synchronized Optional<ShadowReport> report(String assetId) {
            return Optional.ofNullable(reports.get(assetId));
        }

        @Override
        public synchronized List<ShadowReport> reports() {
            return List.copyOf(reports.values());
        }
    }
}
