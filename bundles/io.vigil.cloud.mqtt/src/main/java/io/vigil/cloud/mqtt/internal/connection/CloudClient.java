package io.vigil.cloud.mqtt.internal.connection;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import javax.net.SocketFactory;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import io.vigil.cloud.mqtt.internal.kura.KuraMetrics;
import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.kura.KuraPayloadCodec;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics;
import io.vigil.cloud.mqtt.internal.outbox.Kind;
import io.vigil.cloud.mqtt.internal.outbox.Outbox;
import io.vigil.cloud.mqtt.internal.outbox.OutboxMessage;

/**
 * The MQTT side of the cloud connection, on Eclipse Paho (mqttv3): one connector thread that connects, sends
 * the birth certificate, drains the {@link Outbox} and, when the connection is lost, waits with exponential
 * backoff and jitter before the next attempt.
 *
 * <p><b>What goes through the outbox:</b> everything published with {@link #publish}: alerts, events, metrics,
 * replies. A message leaves the outbox only when the broker acknowledged it (PUBACK for QoS 1). Messages in flight
 * when the connection drops are handed out again on the next connection, in their order and with their ids, so
 * a consumer sees every message at least once, in order per priority, and drops repeats by {@code vigil.msg.id}.
 * The session certificates (birth at every connect, disconnect at a clean stop) are sent directly, not stored:
 * one stored during an outage would describe a session that no longer exists when it is finally sent. The last
 * will is handed to the broker at connect time.
 *
 * <p>Paho's own persistence is in memory and the session is clean: the outbox is the only store, so there is one
 * truth about what is unsent.
 */
public final class CloudClient implements AutoCloseable {

    /** Connection settings; see {@link CloudConfig} for their meaning. */
    public record Settings(String brokerUrl, String clientId, String account, String displayName, String username,
            char[] password, SocketFactory socketFactory, boolean hostnameVerification, int keepAliveSeconds,
            int connectTimeoutSeconds, double reconnectMinSeconds, double reconnectMaxSeconds, int maxInflight,
            boolean gzip) {
        public Settings {
            Objects.requireNonNull(brokerUrl, "brokerUrl");
            if (!brokerUrl.startsWith("tcp://") && !brokerUrl.startsWith("ssl://")) {
                throw new IllegalArgumentException("broker.url '" + brokerUrl + "' must start with tcp:// or "
                        + "ssl:// (e.g. tcp://broker.example.com:1883)");
            }
            KuraTopics.lifecycle(account, clientId, KuraTopics.Lifecycle.BIRTH); // checks both segments
            if (maxInflight < 1 || maxInflight > 65_535) {
                throw new IllegalArgumentException("max.inflight must be 1 to 65535, got " + maxInflight);
            }
            if (keepAliveSeconds < 0 || connectTimeoutSeconds < 1) {
                throw new IllegalArgumentException("keep.alive.seconds (" + keepAliveSeconds + ") must be >= 0 and "
                        + "connect.timeout.seconds (" + connectTimeoutSeconds + ") >= 1");
            }
            new Backoff(reconnectMinSeconds, reconnectMaxSeconds, () -> 0); // checks the delays
        }
    }

    /** Receives what arrives on the request subscription; must return at once and not throw. */
    @FunctionalInterface
    public interface Inbound {
        void onMessage(String topic, byte[] payload);
    }

    /** Where the connection stands. */
    public enum State {
        CONNECTING, CONNECTED, WAITING_TO_RECONNECT, STOPPED
    }

    /**
     * @param connectedSinceEpochMillis 0 when not connected
     * @param failedAttempts reconnects since the connection last stayed up for 30 s (what the delay grows with)
     * @param nextAttemptEpochMillis 0 unless waiting to reconnect
     * @param sent messages the broker acknowledged since start (repeats after a reconnect included)
     */
    public record Status(State state, String brokerUrl, String clientId, String account, long connectedSinceEpochMillis,
            int failedAttempts, long nextAttemptEpochMillis, String lastError, long connections, long sent) {
    }

    private static final System.Logger LOG = System.getLogger(CloudClient.class.getName());
    private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** How long a connection must last for the reconnect delays to start over. */
    static final long STABLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Settings settings;
    private final Outbox outbox;
    private final Inbound inbound;
    private final String requestSubscription;
    private final Supplier<KuraPayload> birth;
    private final KuraPayloadCodec codec = new KuraPayloadCodec();
    private final Backoff backoff;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final Thread connector;

    private volatile State state = State.CONNECTING;
    private volatile long connectedSince;
    private volatile long nextAttempt;
    private volatile String lastError = "";
    private volatile Session session;

    /**
     * @param inbound receives requests addressed to this gateway ({@code $EDC/<account>/<client>/+/+/#}); null
     *        subscribes to nothing
     * @param birth the birth certificate, asked for at every connect
     */
    public CloudClient(Settings settings, Outbox outbox, Inbound inbound, Supplier<KuraPayload> birth) {
        this.settings = settings;
        this.outbox = outbox;
        this.inbound = inbound;
        this.birth = birth;
        this.requestSubscription = KuraTopics.requestSubscription(settings.account(), settings.clientId());
        this.backoff = new Backoff(settings.reconnectMinSeconds(), settings.reconnectMaxSeconds(),
                () -> ThreadLocalRandom.current().nextDouble());
        this.connector = new Thread(this::run, "vigil-cloud-mqtt " + settings.clientId());
        connector.setDaemon(true);
    }

    public void start() {
        connector.start();
    }

    /**
     * Stores a message for the cloud and returns its id; never waits on the network. The payload is stored as
     * encoded here; {@code vigil.msg.id} (and gzip) are added when it is sent.
     *
     * @param priority 0 (highest) to {@link Outbox#MAX_PRIORITY}
     * @throws IOException not stored (outbox full for its kind, disk full, I/O error); the reason is in the message
     */
    public long publish(int priority, Kind kind, String topic, KuraPayload payload) throws IOException {
        long id = outbox.enqueue(priority, topic, codec.encode(payload, false), 1, false, kind);
        Session s = session;
        if (s != null) {
            LockSupport.unpark(s.sender);
        }
        return id;
    }

    /**
     * Publishes without storing (QoS 1, not waiting for the acknowledgement), for the reply that says the outbox
     * cannot store anything; false when there is no connection to hand it to.
     */
    public boolean publishDirect(String topic, KuraPayload payload) {
        Session s = session;
        if (s == null || s.lost) {
            return false;
        }
        try {
            s.client.publish(topic, codec.encode(payload, settings.gzip()), 1, false);
            return true;
        } catch (MqttException | RuntimeException e) {
            LOG.log(Level.WARNING, "direct publish to " + topic + " failed: " + describe(e));
            return false;
        }
    }

    public Settings settings() {
        return settings;
    }

    public Outbox outbox() {
        return outbox;
    }

    public Status status() {
        return new Status(state, settings.brokerUrl(), settings.clientId(), settings.account(), connectedSince,
                backoff.failures(), nextAttempt, lastError, connections.get(), sent.get());
    }

    /** Sends the disconnect certificate if connected, disconnects and stops; the outbox stays open. */
    @Override
    public void close() {
        stopping.countDown();
        Session s = session;
        if (s != null) {
            LockSupport.unpark(s.sender);
        }
        try {
            // the connector sees the stop within a quarter second and sends the disconnect certificate; only a
            // connection attempt hanging on an unreachable broker is interrupted
            connector.join(TimeUnit.SECONDS.toMillis(10)); // up to 5 s for the DC's PUBACK, 2 s of quiesce
            if (connector.isAlive()) {
                connector.interrupt();
                connector.join(TimeUnit.SECONDS.toMillis(settings.connectTimeoutSeconds() + 10L));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (connector.isAlive()) {
            LOG.log(Level.WARNING, "cloud connection to " + settings.brokerUrl() + " did not stop in time; its "
                    + "thread is left to end on its own");
        }
        state = State.STOPPED;
    }

    private boolean stopped() {
        return stopping.getCount() == 0;
    }

    // --- connector thread -----------------------------------------------------------------------------------

    private void run() {
        while (!stopped()) {
            state = State.CONNECTING;
            long sessionStartNanos = 0;
            MqttAsyncClient client = null;
            try {
                client = new MqttAsyncClient(settings.brokerUrl(), settings.clientId(), new MemoryPersistence());
                Session s = new Session(client, Thread.currentThread(), settings.maxInflight());
                client.setCallback(s);
                long connectedAtUptime = uptimeMillis();
                client.connect(options(connectedAtUptime)).waitForCompletion(connectTimeoutMillis());
                if (inbound != null) {
                    client.subscribe(requestSubscription, 1).waitForCompletion(connectTimeoutMillis());
                }
                client.publish(KuraTopics.lifecycle(settings.account(), settings.clientId(),
                        KuraTopics.Lifecycle.BIRTH), codec.encode(birth.get(), settings.gzip()), 1, false)
                        .waitForCompletion(connectTimeoutMillis());
                connections.incrementAndGet();
                connectedSince = System.currentTimeMillis();
                lastError = "";
                sessionStartNanos = System.nanoTime();
                session = s;
                state = State.CONNECTED;
                LOG.log(Level.INFO, "connected to " + settings.brokerUrl() + " as " + settings.clientId() + " ("
                        + outbox.size() + " message(s) waiting in the outbox)");
                s.drain();
            } catch (MqttException | RuntimeException e) {
                lastError = describe(e);
                if (!stopped()) {
                    LOG.log(Level.WARNING, "cloud connection to " + settings.brokerUrl() + " failed: " + lastError);
                }
            } catch (IOException e) {
                lastError = "outbox: " + e.getMessage();
                LOG.log(Level.ERROR, "cloud connection: reading the outbox failed; reconnecting", e);
            } finally {
                session = null;
                connectedSince = 0;
                endSession(client);
            }
            if (!stopped()) {
                waitBeforeReconnect(sessionStartNanos);
            }
        }
    }

    private void endSession(MqttAsyncClient client) {
        int again;
        try {
            again = outbox.requeueInFlight();
        } catch (RuntimeException e) {
            again = 0; // the outbox was closed under us: stopping
        }
        if (again > 0) {
            LOG.log(Level.INFO, again + " message(s) sent but not acknowledged will be sent again on the next "
                    + "connection");
        }
        if (client == null) {
            return;
        }
        try {
            if (client.isConnected() && stopped()) {
                client.publish(KuraTopics.lifecycle(settings.account(), settings.clientId(),
                        KuraTopics.Lifecycle.DC), codec.encode(KuraMetrics.disconnect(displayName(), uptimeMillis(),
                                System.currentTimeMillis()), settings.gzip()), 1, false)
                        .waitForCompletion(TimeUnit.SECONDS.toMillis(5));
                client.disconnect(TimeUnit.SECONDS.toMillis(2)).waitForCompletion(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (MqttException | RuntimeException e) {
            LOG.log(Level.DEBUG, "disconnect from " + settings.brokerUrl() + ": " + describe(e));
        }
        try {
            if (client.isConnected()) {
                client.disconnectForcibly(0, 1000);
            }
            client.close(true);
        } catch (MqttException | RuntimeException e) {
            LOG.log(Level.DEBUG, "closing the MQTT client: " + describe(e));
        }
    }

    /**
     * Only a connection that stayed up for {@link #STABLE_NANOS} starts the delays over: one the broker drops at
     * once (a second gateway with the same client id, a message it refuses) keeps backing off.
     */
    private void waitBeforeReconnect(long sessionStartNanos) {
        if (sessionStartNanos != 0 && System.nanoTime() - sessionStartNanos >= STABLE_NANOS) {
            backoff.reset();
        }
        Duration delay = backoff.next();
        nextAttempt = System.currentTimeMillis() + delay.toMillis();
        state = State.WAITING_TO_RECONNECT;
        LOG.log(Level.INFO, "next connection attempt to " + settings.brokerUrl() + " in " + delay.toMillis()
                + " ms (attempt " + (backoff.failures() + 1) + "; " + outbox.size() + " message(s) kept in the "
                + "outbox)");
        try {
            stopping.await(delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            if (!stopped()) {
                Thread.currentThread().interrupt();
            }
        }
        Thread.interrupted(); // an interrupt from close() is seen through stopping
        nextAttempt = 0;
    }

    private MqttConnectOptions options(long uptimeAtConnect) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(settings.keepAliveSeconds());
        o.setConnectionTimeout(settings.connectTimeoutSeconds());
        // Paho frees a slot a little after it completes the token; headroom keeps its own limit (error 32202)
        // from tripping while the permits hold the real bound
        o.setMaxInflight(Math.min(65_535, settings.maxInflight() * 2 + 16));
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        if (!settings.username().isEmpty()) {
            o.setUserName(settings.username());
        }
        if (settings.password().length > 0) {
            o.setPassword(settings.password());
        }
        if (settings.socketFactory() != null) {
            o.setSocketFactory(settings.socketFactory());
        }
        o.setHttpsHostnameVerificationEnabled(settings.hostnameVerification());
        o.setWill(KuraTopics.lifecycle(settings.account(), settings.clientId(), KuraTopics.Lifecycle.LWT),
                codec.encode(KuraMetrics.lastWill(displayName(), uptimeAtConnect, System.currentTimeMillis()),
                        settings.gzip()), 1, false);
        return o;
    }

    private String displayName() {
        return settings.displayName().isEmpty() ? settings.clientId() : settings.displayName();
    }

    private long connectTimeoutMillis() {
        return TimeUnit.SECONDS.toMillis(settings.connectTimeoutSeconds() + 5L);
    }

    private static long uptimeMillis() {
        return ManagementFactory.getRuntimeMXBean().getUptime();
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        Throwable c = e.getCause();
        String cause = c == null ? "" : " (" + c.getClass().getSimpleName() + ": " + c.getMessage() + ")";
        if (e instanceof MqttException me) {
            return "MQTT reason " + me.getReasonCode() + ": " + m + cause;
        }
        return e.getClass().getSimpleName() + ": " + m + cause;
    }

    /**
     * One connection: the drain loop (on the connector thread) and Paho's callbacks. Its permits bound the
     * messages in flight; acknowledgements of an ended session are ignored by the outbox.
     */
    private final class Session implements MqttCallbackExtended, IMqttActionListener {

        final MqttAsyncClient client;
        final Thread sender;
        final Semaphore permits;
        volatile boolean lost;

        Session(MqttAsyncClient client, Thread sender, int maxInflight) {
            this.client = client;
            this.sender = sender;
            this.permits = new Semaphore(maxInflight);
        }

        /** Sends what the outbox holds, priority 0 first, until the connection is lost or the client stops. */
        void drain() throws IOException {
            while (!lost && !stopped()) {
                int n = permits.drainPermits();
                if (n == 0) {
                    try {
                        if (!permits.tryAcquire(IDLE_WAIT_NANOS, TimeUnit.NANOSECONDS)) {
                            continue;
                        }
                    } catch (InterruptedException e) {
                        continue; // close() interrupts; the loop condition sees it
                    }
                    n = 1;
                }
                List<OutboxMessage> batch = outbox.take(n);
                if (batch.size() < n) {
                    permits.release(n - batch.size());
                }
                if (batch.isEmpty()) {
                    LockSupport.parkNanos(IDLE_WAIT_NANOS);
                    continue;
                }
                for (OutboxMessage m : batch) {
                    if (lost) {
                        permits.release(); // taken and unsent: requeued when the session ends
                        continue;
                    }
                    try {
                        client.publish(m.topic(), KuraPayloadCodec.withMessageId(m.payload(), m.id(),
                                settings.gzip()), m.qos(), m.retain(), m, this);
                    } catch (MqttException | RuntimeException e) {
                        permits.release();
                        lost = true;
                        lastError = describe(e);
                        LOG.log(Level.WARNING, "publishing message " + m.id() + " to " + m.topic() + " failed: "
                                + lastError + "; reconnecting");
                    }
                }
            }
            if (lost) {
                LOG.log(Level.WARNING, "connection to " + settings.brokerUrl() + " lost: " + lastError);
            }
        }

        // published and acknowledged (QoS 1: PUBACK; QoS 0: written)
        @Override
        public void onSuccess(IMqttToken token) {
            if (token.getUserContext() instanceof OutboxMessage m) {
                try {
                    if (outbox.ack(m.id())) {
                        sent.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.DEBUG, "acknowledging message " + m.id() + ": " + e);
                }
            }
            permits.release();
        }

        @Override
        public void onFailure(IMqttToken token, Throwable e) {
            permits.release();
            if (!lost) {
                lastError = describe(e);
                lost = true; // the message stays in flight; the next session sends it again
            }
            LockSupport.unpark(sender);
        }

        @Override
        public void connectionLost(Throwable cause) {
            lastError = cause == null ? "connection lost" : describe(cause);
            lost = true;
            LockSupport.unpark(sender);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            try {
                inbound.onMessage(topic, message.getPayload());
            } catch (RuntimeException e) {
                // Paho drops the connection when a callback throws; a bad request must not do that
                LOG.log(Level.ERROR, "handling a message on " + topic + " failed", e);
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // acknowledged through onSuccess, which also sees the message
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            // the connector thread follows the connect token
        }
    }
}
