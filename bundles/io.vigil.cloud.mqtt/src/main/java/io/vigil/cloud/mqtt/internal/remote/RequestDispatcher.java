package io.vigil.cloud.mqtt.internal.remote;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import io.vigil.cloud.mqtt.internal.kura.KuraMetrics;
import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.kura.KuraPayloadCodec;
import io.vigil.cloud.mqtt.internal.kura.KuraPayloadException;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.ControlTopic;
import io.vigil.cloud.mqtt.internal.kura.MalformedTopicException;
import io.vigil.cloud.mqtt.internal.kura.MetricValue;
import io.vigil.cloud.mqtt.internal.outbox.Kind;

/**
 * Remote management of the gateway over Kura's MQTT request/response convention. The MQTT connection hands it every
 * message of the request subscription ({@code $EDC/<account>/<client>/+/+/#}); it answers each request on
 * {@code $EDC/<account>/<requester.client.id>/<app>/REPLY/<request.id>} through the {@link ReplySender}, at
 * priority {@value #REPLY_PRIORITY} as {@link Kind#LIFECYCLE} (never dropped by the outbox).
 *
 * <h2>Requests</h2> {@code $EDC/<account>/<client>/<app>/<GET|PUT|POST|DEL|EXEC>/<resource...>}, a kurapayload
 * with the STRING metrics {@code request.id} and {@code requester.client.id} and the request's own metrics. The apps
 * and their resources: {@link DeployApp} ({@value #DEPLOY_APP}), {@link ShadowApp} ({@value #SHADOW_APP}),
 * {@link AssetApp} ({@value #ASSET_APP}).
 *
 * <h2>Replies</h2> INT32 {@code response.code}; on an error also STRING {@code response.exception.message} (what
 * was wrong, naming the value, and what to do). Scalar results are metrics; lists and objects are the body, as
 * UTF-8 JSON (records as objects with their component names; NaN and infinite numbers as null), a list with its
 * size in INT32 {@value RemoteMetrics#COUNT}. Codes: 200 done; 400 the payload is not a kurapayload, a metric is
 * missing, ill-typed or has a bad value; 403 the requester is not in {@code remote.allowed.requesters} (an empty
 * list refuses everybody); 404 unknown app, resource, asset, package or model; 405 the method is not allowed on the
 * resource; 409 the request contradicts the current state; 413 the payload is larger than
 * {@link RemoteConfig#maxRequestBytes()}; 500 the operation failed; 503 the service it needs is not running, or
 * too many requests are queued.
 *
 * <h2>What is not answered</h2> The gateway's own lifecycle messages, replies and notifications, which match the
 * subscription too, are skipped silently. A request without {@code request.id} or {@code requester.client.id}
 * cannot be answered: it is logged (WARNING) and not executed; so is an oversized or malformed payload in which
 * they cannot be found cheaply. Nothing of a refused request is executed.
 *
 * <h2>Threads</h2> {@link #onMessage} only queues the message: requests are decoded and executed on
 * {@value #WORKERS} own threads (so a GET is not stuck behind a rollback), installs on one more (see
 * {@link InstallJobs}). Every request and its outcome is logged at INFO with the requester and request id.
 */
public final class RequestDispatcher implements AutoCloseable {

    public static final String DEPLOY_APP = "VIGIL-DEPLOY-V1";
    public static final String SHADOW_APP = "VIGIL-SHADOW-V1";
    public static final String ASSET_APP = "VIGIL-ASSET-V1";

    /** Outbox priority of replies: before data, after nothing that waits on a person. */
    static final int REPLY_PRIORITY = 1;
    /** The reply code when the outbox cannot store a reply (HTTP's 507 Insufficient Storage). */
    static final int INSUFFICIENT_STORAGE = 507;
    /** The reply code when the result is larger than a message may be ({@code max.message.kib}). */
    static final int REPLY_TOO_LARGE = 500;
    static final int WORKERS = 2;
    static final int QUEUE = 64;

    private static final Logger LOG = System.getLogger(RequestDispatcher.class.getName());
    private static final List<String> APP_IDS = List.of(DEPLOY_APP, SHADOW_APP, ASSET_APP);

    private final RemoteConfig config;
    private final ReplySender sender;
    private final KuraPayloadCodec codec;
    private final Map<String, App> apps;
    private final InstallJobs jobs;
    private final ThreadPoolExecutor workers;
    private volatile boolean closed;

    /** Starts its threads; {@link #close()} stops them. */
    public RequestDispatcher(RemoteConfig config, RemoteServices services, ReplySender sender) {
        this(config, services, sender, System::nanoTime);
    }

    RequestDispatcher(RemoteConfig config, RemoteServices services, ReplySender sender, LongSupplier nanoClock) {
        this.config = config;
        this.sender = sender;
        this.codec = new KuraPayloadCodec(config.maxRequestBytes());
        this.jobs = new InstallJobs(config, sender, nanoClock);
        this.apps = Map.of(DEPLOY_APP, new DeployApp(services, jobs), SHADOW_APP, new ShadowApp(services),
                ASSET_APP, new AssetApp(services));
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "vigil-remote-request-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.workers = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE), threads);
    }

    /** @return the app ids answered here, for the birth certificate's {@code application_ids} */
    public List<String> appIds() {
        return APP_IDS;
    }

    /**
     * Takes a message of the request subscription. Returns at once: the request is handled on the dispatcher's
     * threads. Never throws.
     */
    public void onMessage(String topic, byte[] payload) {
        try {
            workers.execute(() -> handle(topic, payload));
        } catch (RejectedExecutionException e) {
            refuseAll(topic, payload, closed ? "remote management is stopping; send the request again when the "
                    + "gateway is back" : "the gateway has " + QUEUE + " requests queued already; send it again "
                            + "shortly");
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "could not take the message on " + topic + ": " + e, e);
        }
    }

    /** The queue is full or closed: answer 503 to an answerable, allowed request, without executing it. */
    private void refuseAll(String topic, byte[] payload, String why) {
        try {
            Request r = admit(topic, payload);
            if (r != null) {
                refuse(r, new Refusal(503, why));
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "could not refuse the request on " + topic + ": " + e, e);
        }
    }

    private void handle(String topic, byte[] payload) {
        try {
            Request r = admit(topic, payload);
            if (r != null && closed) {
                LOG.log(Level.INFO, "request " + r.describe() + " from " + r.requester() + " (request.id "
                        + r.requestId() + ") not executed: remote management is stopping; send it again");
            } else if (r != null) {
                execute(r);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "request on " + topic + " failed unexpectedly: " + e, e);
        }
    }

    // --- admission: everything that is checked before anything is executed

    /** @return the request to execute, or null when it was skipped, logged or refused */
    private Request admit(String topic, byte[] bytes) {
        if (topic == null || bytes == null) {
            LOG.log(Level.WARNING, "ignored a message without " + (topic == null ? "topic" : "payload"));
            return null;
        }
        String[] s = topic.split("/", -1);
        if (s.length < 5 || !s[0].equals(KuraTopics.CONTROL_PREFIX)) {
            LOG.log(Level.WARNING, "ignored a message on '" + DeployApp.abbreviate(topic) + "': not a request topic ("
                    + KuraTopics.CONTROL_PREFIX + "/<account>/<client>/<app>/<method>/...)");
            return null;
        }
        if (s[3].equals(KuraTopics.LIFECYCLE_APP) || s[4].equals(KuraTopics.REPLY)
                || s[4].equals(KuraTopics.NOTIFY)) {
            return null; // the gateway's own certificates, replies and notifications come back on the subscription
        }
        if (!s[1].equals(config.account()) || !s[2].equals(config.clientId())) {
            LOG.log(Level.WARNING, "ignored a request on '" + DeployApp.abbreviate(topic) + "': it is addressed to "
                    + s[1] + "/" + s[2] + ", this gateway is " + config.account() + "/" + config.clientId());
            return null;
        }
        String app = s[3];
        if (bytes.length > config.maxRequestBytes()) {
            WireIds ids = WireIds.scan(bytes);
            String why = "request payload of " + bytes.length + " bytes exceeds the limit of "
                    + config.maxRequestBytes() + " bytes; a request carries a few metrics, send large data by URL";
            answerUndecoded(topic, app, ids, 413, why);
            return null;
        }
        KuraPayload payload;
        try {
            payload = codec.decode(bytes);
        } catch (KuraPayloadException e) {
            boolean oversize = e.problem() == KuraPayloadException.Problem.OVERSIZE;
            answerUndecoded(topic, app, WireIds.scan(bytes), oversize ? 413 : 400, oversize ? e.getMessage()
                    + "; a request carries a few metrics" : "the payload is not a valid kurapayload ("
                            + e.getMessage() + "); send the request as a Kura protobuf payload");
            return null;
        }
        Optional<String> requestId = payload.stringMetric(KuraMetrics.REQUEST_ID);
        Optional<String> requester = payload.stringMetric(KuraMetrics.REQUESTER_CLIENT_ID);
        if (requestId.isEmpty() || requester.isEmpty()) {
            LOG.log(Level.WARNING, "request on '" + DeployApp.abbreviate(topic) + "' cannot be answered and was not "
                    + "executed: " + missing(payload, KuraMetrics.REQUEST_ID, requestId)
                    + missing(payload, KuraMetrics.REQUESTER_CLIENT_ID, requester)
                    + "a request needs both as STRING metrics");
            return null;
        }
        if (!replyable(topic, app, requestId.get(), requester.get())) {
            return null;
        }
        if (!config.allowedRequesters().contains(requester.get())) {
            notAllowed(topic, app, requestId.get(), requester.get());
            return null;
        }
        ControlTopic control;
        try {
            control = KuraTopics.parseControl(topic);
        } catch (MalformedTopicException e) {
            sendError(app, requestId.get(), requester.get(), 400, e.getMessage() + "; methods are GET, PUT, POST, "
                    + "DEL and EXEC", Map.of());
            return null;
        }
        return new Request(control, payload, requestId.get(), requester.get());
    }

    private static String missing(KuraPayload p, String name, Optional<String> value) {
        if (value.isPresent()) {
            return "";
        }
        Optional<MetricValue> m = p.metric(name);
        return m.isEmpty() ? "metric '" + name + "' is missing; " : "metric '" + name + "' is " + m.get().type()
                + ", not STRING; ";
    }

    /** An oversized or malformed payload: answer when its ids could be found cheaply, else log. */
    private void answerUndecoded(String topic, String app, WireIds ids, int code, String why) {
        if (ids.requestId == null || ids.requester == null || !replyable(topic, app, ids.requestId, ids.requester)) {
            LOG.log(Level.WARNING, "request on '" + DeployApp.abbreviate(topic) + "' was not executed and cannot be "
                    + "answered (" + (ids.requestId == null ? "no request.id" : "request.id " + ids.requestId)
                    + ", " + (ids.requester == null ? "no requester.client.id" : "requester " + ids.requester)
                    + " found): " + why);
            return;
        }
        if (!config.allowedRequesters().contains(ids.requester)) {
            notAllowed(topic, app, ids.requestId, ids.requester);
            return;
        }
        LOG.log(Level.INFO, "request on '" + DeployApp.abbreviate(topic) + "' from " + ids.requester + " (request.id "
                + ids.requestId + "): " + code + " " + why);
        sendError(app, ids.requestId, ids.requester, code, why, Map.of());
    }

    /** @return whether a reply topic can be built from these ids; logs why not */
    private boolean replyable(String topic, String app, String requestId, String requester) {
        try {
            KuraTopics.reply(config.account(), requester, app, requestId);
            return true;
        } catch (MalformedTopicException e) {
            LOG.log(Level.WARNING, "request on '" + DeployApp.abbreviate(topic) + "' cannot be answered and was not "
                    + "executed: its request.id '" + DeployApp.abbreviate(requestId) + "' or requester.client.id '"
                    + DeployApp.abbreviate(requester) + "' cannot go into a reply topic (" + e.getMessage() + ")");
            return false;
        }
    }

    private void notAllowed(String topic, String app, String requestId, String requester) {
        String why = "requester '" + requester + "' may not manage gateway " + config.clientId();
        LOG.log(Level.WARNING, "refused (403) the request on '" + DeployApp.abbreviate(topic) + "' from " + requester
                + " (request.id " + requestId + "): " + why + "; to allow it, add " + requester + " to "
                + RemoteConfig.ALLOWED_REQUESTERS_KEY + " in the MQTT connection's configuration"
                + (config.allowedRequesters().isEmpty() ? " (it is empty, which refuses everybody)" : ""));
        sendError(app, requestId, requester, 403, why + "; it is not in the gateway's "
                + RemoteConfig.ALLOWED_REQUESTERS_KEY, Map.of());
    }

    // --- execution

    private void execute(Request r) {
        App app = apps.get(r.topic().appId());
        if (app == null) {
            refuse(r, Refusal.notFound("unknown app '" + r.topic().appId() + "'; this gateway answers "
                    + String.join(", ", APP_IDS)));
            return;
        }
        try {
            sender.checkRoom();
        } catch (IOException e) {
            String why = "the gateway cannot store the reply (" + e.getMessage() + "); the request was not "
                    + "executed: free disk space on the gateway, then send it again";
            boolean direct = sender.sendDirect(KuraTopics.reply(config.account(), r.requester(), r.topic().appId(),
                    r.requestId()), Reply.error(INSUFFICIENT_STORAGE, why, Map.of(), now()));
            LOG.log(Level.WARNING, "request " + r.describe() + " from " + r.requester() + " (request.id "
                    + r.requestId() + "): " + INSUFFICIENT_STORAGE + " " + why + (direct ? ""
                            : "; the refusal could not be sent either (no connection)"));
            return;
        }
        Reply reply;
        try {
            reply = app.handle(r);
        } catch (Refusal f) {
            refuse(r, f);
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "request " + r.describe() + " from " + r.requester() + " (request.id "
                    + r.requestId() + ") failed unexpectedly: " + e, e);
            refuse(r, new Refusal(500, "unexpected error: " + e + "; see the gateway log"));
            return;
        }
        KuraPayload answer = reply.payload(now());
        boolean sent = send(r.topic().appId(), r.requestId(), r.requester(), answer);
        if (!sent) {
            // executed, so the requester must hear of it: over the live connection, if there is one
            sent = sender.sendDirect(KuraTopics.reply(config.account(), r.requester(), r.topic().appId(),
                    r.requestId()), answer);
        }
        LOG.log(Level.INFO, "request " + r.describe() + " from " + r.requester() + " (request.id " + r.requestId()
                + "): 200" + (reply.summary().isEmpty() ? "" : " " + reply.summary()) + (sent ? ""
                        : "; the reply could not be stored"));
        if (sent) {
            reply.sent();
        } else {
            reply.notSent();
        }
    }

    private void refuse(Request r, Refusal f) {
        LOG.log(f.code >= 500 ? Level.WARNING : Level.INFO, "request " + r.describe() + " from " + r.requester()
                + " (request.id " + r.requestId() + "): " + f.code + " " + f.getMessage());
        sendError(r.topic().appId(), r.requestId(), r.requester(), f.code, f.getMessage(), f.metrics);
    }

    private void sendError(String app, String requestId, String requester, int code, String message,
            Map<String, MetricValue> extra) {
        send(app, requestId, requester, Reply.error(code, message, extra, now()));
    }

    private boolean send(String app, String requestId, String requester, KuraPayload payload) {
        String topic = KuraTopics.reply(config.account(), requester, app, requestId);
        try {
            sender.send(topic, payload, REPLY_PRIORITY, Kind.LIFECYCLE);
            return true;
        } catch (IllegalArgumentException tooLarge) {
            // larger than the outbox takes (max.message.kib, kept within what the broker accepts): a short error
            // instead, never the large reply itself, which the broker would answer by dropping the connection
            LOG.log(Level.WARNING, "the reply to request " + requestId + " of " + requester + " is too large to "
                    + "send: " + tooLarge.getMessage());
            try {
                sender.send(topic, Reply.error(REPLY_TOO_LARGE, "the reply is too large to send (" + tooLarge
                        .getMessage() + "); ask for less, e.g. a smaller history.limit or one asset at a time",
                        Map.of(), now()), REPLY_PRIORITY, Kind.LIFECYCLE);
                return true;
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "could not store the error reply to request " + requestId + " either: " + e);
                return true; // the large reply must not be sent directly either
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "could not store the reply to request " + requestId + " of " + requester + ": "
                    + e);
            return false;
        }
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    /**
     * Stops taking requests, waits up to 2 s for those being executed (a deployment or review that takes longer goes
     * on in the deployment manager; its reply is lost), then stops the install thread (see
     * {@link InstallJobs#close()}).
     */
    /**
     * For tests: takes no more requests and waits until those already received are handled (without
     * {@link #close()}'s skipping of queued requests), so that "nothing was sent" can be checked.
     */
    void awaitHandled(java.time.Duration timeout) throws InterruptedException {
        workers.shutdown();
        if (!workers.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("requests still being handled after " + timeout);
        }
    }

    @Override
    public void close() {
        closed = true;
        // no interrupt and no waiting: a request being executed may be a deployment whose refresh is what stops
        // this bundle (waiting would stall the refresh, an interrupt would cancel the deployment half-way); it
        // finishes in the deployment manager, queued requests are skipped (see handle)
        workers.shutdown();
        jobs.close();
    }
}
