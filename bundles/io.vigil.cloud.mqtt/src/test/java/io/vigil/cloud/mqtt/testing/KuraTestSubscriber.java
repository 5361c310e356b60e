package io.vigil.cloud.mqtt.testing;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A consumer of what the gateway publishes, set up as a fleet back end would be and sharing no code with the
 * gateway: its own Paho client and client id, a persistent session ({@code cleanSession=false}, so the broker
 * queues QoS 1 messages for it while it is disconnected, across a broker restart too), automatic reconnection,
 * and QoS 1 subscriptions that it renews after each reconnection.
 * <p>
 * Every message that arrives is recorded, in arrival order, as a {@link Received}; the {@code await} methods wait
 * for them with Awaitility. Recording is lean (one record and one synchronized append per message, no logging), so a
 * benchmark can push a million messages through it; the payloads are kept, so memory grows with what is received
 * until {@link #clear()}.
 * <p>
 * {@link #close()} disconnects without cleaning the session: the broker keeps queueing for the client id, and a new
 * subscriber with the same id receives what was queued. Renewing subscriptions after a reconnection makes the broker
 * send retained messages again (with {@link Received#retained()} set).
 */
public final class KuraTestSubscriber implements AutoCloseable {

    private static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(30);
    // polls look only at what is new (see Tally), so polling often costs little and saves Awaitility's 100 ms default
    private static final Duration POLL = Duration.ofMillis(10);

    /**
     * One message as it arrived.
     *
     * @param topic the topic it was published on
     * @param payload its bytes, as received
     * @param qos the QoS it was delivered with
     * @param duplicate whether the broker flagged it as a redelivery
     * @param retained whether it came from the broker's retained store
     * @param arrivalNanos {@link System#nanoTime()} when it arrived, for latency measurements
     */
    public record Received(String topic, byte[] payload, int qos, boolean duplicate, boolean retained,
            long arrivalNanos) {

        /** The payload as UTF-8 text. */
        public String payloadAsString() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Received[" + topic + ", " + payload.length + " bytes, qos " + qos + (duplicate ? ", dup" : "")
                    + (retained ? ", retained" : "") + "]";
        }
    }

    private final MqttAsyncClient client;
    private final String[] topicFilters;
    private final int[] qos;

    private final Object lock = new Object();
    private ArrayList<Received> received = new ArrayList<>(); // guarded by lock; replaced, never emptied, by clear()
    private int clears; // guarded by lock

    private volatile Throwable lastConnectionLoss;
    private volatile Throwable lastResubscribeFailure;

    private KuraTestSubscriber(MqttAsyncClient client, String[] topicFilters) {
        this.client = client;
        this.topicFilters = topicFilters;
        this.qos = new int[topicFilters.length];
        Arrays.fill(qos, 1);
    }

    /**
     * Connects to {@code brokerUrl} as {@code clientId} with a persistent session and subscribes to
     * {@code topicFilters} at QoS 1. Messages the broker had queued for that client id arrive right after the
     * connection, before this method returns, and are recorded.
     *
     * @throws IllegalArgumentException if a topic filter is malformed or none is given
     * @throws IllegalStateException if the connection or subscription fails within 30 s
     */
    public static KuraTestSubscriber connect(String brokerUrl, String clientId, String... topicFilters) {
        return connect(brokerUrl, clientId, options -> {
        }, topicFilters);
    }

    /**
     * As {@link #connect(String, String, String...)}, with a chance to adjust the connection options first, e.g. a
     * TLS socket factory ({@code options -> options.setSocketFactory(broker.tlsSocketFactory())}). The defaults
     * it may override: {@code cleanSession=false}, automatic reconnection at most 1 s apart, keep-alive 30 s.
     */
    public static KuraTestSubscriber connect(String brokerUrl, String clientId, Consumer<MqttConnectOptions> options,
            String... topicFilters) {
        Objects.requireNonNull(brokerUrl, "brokerUrl");
        Objects.requireNonNull(clientId, "clientId");
        if (topicFilters.length == 0) {
            throw new IllegalArgumentException("subscriber " + clientId + " needs at least one topic filter");
        }
        for (String filter : topicFilters) {
            checkFilter(filter);
        }
        MqttConnectOptions connectOptions = new MqttConnectOptions();
        connectOptions.setCleanSession(false);
        connectOptions.setAutomaticReconnect(true);
        connectOptions.setMaxReconnectDelay(1000);
        connectOptions.setKeepAliveInterval(30);
        options.accept(connectOptions);

        MqttAsyncClient client;
        try {
            client = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot create an MQTT client for " + brokerUrl + " as " + clientId
                    + ": " + e.getMessage(), e);
        }
        KuraTestSubscriber subscriber = new KuraTestSubscriber(client, topicFilters.clone());
        client.setCallback(subscriber.new Callback());
        try {
            client.connect(connectOptions).waitForCompletion(OPERATION_TIMEOUT.toMillis());
            IMqttToken subscribed = client.subscribe(subscriber.topicFilters, subscriber.qos);
            subscribed.waitForCompletion(OPERATION_TIMEOUT.toMillis());
            int[] granted = subscribed.getGrantedQos();
            for (int i = 0; i < granted.length; i++) {
                if (granted[i] == 0x80) {
                    subscriber.close();
                    throw new IllegalStateException("broker " + brokerUrl + " refused subscriber " + clientId
                            + " the topic filter " + topicFilters[i] + " (SUBACK 0x80); check the broker's ACL");
                }
            }
            return subscriber;
        } catch (MqttException e) {
            subscriber.close();
            throw new IllegalStateException("subscriber " + clientId + " cannot connect to " + brokerUrl
                    + " and subscribe to " + Arrays.toString(topicFilters) + ": " + e + "; is the broker running?", e);
        }
    }

    /** Every message received so far, in arrival order (a snapshot). */
    public List<Received> received() {
        synchronized (lock) {
            return List.copyOf(received);
        }
    }

    /** The messages received so far on topics that {@code topicFilter} matches, in arrival order. */
    public List<Received> on(String topicFilter) {
        checkFilter(topicFilter);
        List<Received> out = new ArrayList<>();
        for (Received r : received()) {
            if (matchesChecked(topicFilter, r.topic())) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * Waits until a message on a topic that {@code topicFilter} matches has arrived, and returns the first such.
     *
     * @throws AssertionError if none arrives within {@code timeout}
     */
    public Received awaitOne(String topicFilter, Duration timeout) {
        Tally tally = new Tally(topicFilter);
        awaitTally(tally, 1, timeout);
        return tally.first;
    }

    /**
     * Waits until at least {@code n} messages on topics that {@code topicFilter} matches have arrived. Each poll
     * looks only at what arrived since the previous one, so waiting for a million messages stays cheap.
     *
     * @throws AssertionError if fewer arrive within {@code timeout}; the message says how many did
     */
    public void awaitCount(String topicFilter, int n, Duration timeout) {
        awaitTally(new Tally(topicFilter), n, timeout);
    }

    /** Waits until the client is connected (again), e.g. after a broker restart. */
    public void awaitConnected(Duration timeout) {
        try {
            await("subscriber " + client.getClientId() + " connected")
                    .atMost(timeout)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(POLL)
                    .until(client::isConnected);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("subscriber " + client.getClientId() + " not connected to "
                    + client.getServerURI() + " after " + timeout + "; last connection loss: " + lastConnectionLoss, e);
        }
    }

    /**
     * Reads a received payload as kurapayload with {@link IndependentWireReader}, which shares no code with the
     * gateway.
     *
     * @throws AssertionError if the payload is not kurapayload (or gzipped kurapayload); the message names the topic
     */
    public IndependentWireReader.Kura decode(Received message) {
        try {
            return IndependentWireReader.readKura(message.payload());
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("payload on " + message.topic() + " (" + message.payload().length
                    + " bytes) is not kurapayload: " + e.getMessage(), e);
        }
    }

    /**
     * Publishes, e.g. a request to the gateway, and waits until the broker has it (for QoS 1 and 2).
     *
     * @throws IllegalArgumentException if {@code qos} is not 0, 1 or 2
     * @throws IllegalStateException if the client is not connected or the broker does not confirm within 30 s
     */
    public void publish(String topic, byte[] payload, int qos) {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("QoS " + qos + " for " + topic + " is not 0, 1 or 2");
        }
        try {
            IMqttDeliveryToken token = client.publish(topic, payload, qos, false);
            token.waitForCompletion(OPERATION_TIMEOUT.toMillis());
        } catch (MqttException e) {
            throw new IllegalStateException("subscriber " + client.getClientId() + " cannot publish " + payload.length
                    + " bytes to " + topic + " at QoS " + qos + ": " + e, e);
        }
    }

    /** Forgets everything received so far. */
    public void clear() {
        synchronized (lock) {
            received = new ArrayList<>();
            clears++;
        }
    }

    /** Whether the client is connected right now. */
    public boolean connected() {
        return client.isConnected();
    }

    /** The client id, which names the persistent session on the broker. */
    public String clientId() {
        return client.getClientId();
    }

    /**
     * Whether the MQTT topic filter {@code filter} matches {@code topic}: {@code +} stands for exactly one level
     * (possibly empty), a trailing {@code #} for the parent level and any number below it, and a filter starting
     * with a wildcard does not match topics starting with {@code $} (MQTT 3.1.1, 4.7).
     *
     * @throws IllegalArgumentException if {@code filter} is malformed
     */
    public static boolean matches(String filter, String topic) {
        checkFilter(filter);
        return matchesChecked(filter, Objects.requireNonNull(topic, "topic"));
    }

    private static boolean matchesChecked(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        // walk both level by level; t == topic.length() + 1 means the topic has no levels left
        int f = 0;
        int t = 0;
        while (true) {
            int fEnd = levelEnd(filter, f);
            int fLength = fEnd - f;
            if (fLength == 1 && filter.charAt(f) == '#') {
                return true; // also when the topic has no levels left: "a/#" matches "a"
            }
            if (t > topic.length()) {
                return false;
            }
            int tEnd = levelEnd(topic, t);
            boolean plus = fLength == 1 && filter.charAt(f) == '+';
            if (!plus && !(fLength == tEnd - t && filter.regionMatches(f, topic, t, fLength))) {
                return false;
            }
            if (fEnd == filter.length()) {
                return tEnd == topic.length();
            }
            f = fEnd + 1;
            t = tEnd + 1;
        }
    }

    /**
     * Disconnects without cleaning the session, so the broker keeps queueing QoS 1 messages for this client id, and
     * releases the client. Idempotent.
     */
    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(OPERATION_TIMEOUT.toMillis());
            }
        } catch (MqttException e) {
            // the connection is going away either way; close() below releases the client
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            // already closed
        }
    }

    @Override
    public String toString() {
        return "KuraTestSubscriber[" + client.getClientId() + " on " + client.getServerURI() + " "
                + Arrays.toString(topicFilters) + "]";
    }

    private void awaitTally(Tally tally, int n, Duration timeout) {
        try {
            await("subscriber " + client.getClientId() + ": " + n + " message(s) on " + tally.filter)
                    .atMost(timeout)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(POLL)
                    .until(() -> tally.advance() >= n);
        } catch (ConditionTimeoutException e) {
            int total;
            synchronized (lock) {
                total = received.size();
            }
            throw new AssertionError("subscriber " + client.getClientId() + " received " + tally.count + " of " + n
                    + " message(s) on " + tally.filter + " within " + timeout + " (" + total + " on all topics; "
                    + (client.isConnected() ? "connected" : "not connected") + "; last connection loss: "
                    + lastConnectionLoss + "; last resubscribe failure: " + lastResubscribeFailure + ")", e);
        }
    }

    /** Counts matches incrementally: each call looks only at messages that arrived since the previous one. */
    private final class Tally {
        final String filter;
        int clearsSeen;
        int scanned;
        int count;
        Received first;

        Tally(String filter) {
            checkFilter(filter);
            this.filter = filter;
            synchronized (lock) {
                clearsSeen = clears;
            }
        }

        int advance() {
            List<Received> fresh;
            synchronized (lock) {
                if (clears != clearsSeen) {
                    clearsSeen = clears;
                    scanned = 0;
                    count = 0;
                    first = null;
                }
                fresh = new ArrayList<>(received.subList(scanned, received.size()));
                scanned = received.size();
            }
            for (Received r : fresh) {
                if (matchesChecked(filter, r.topic())) {
                    if (first == null) {
                        first = r;
                    }
                    count++;
                }
            }
            return count;
        }
    }

    private final class Callback implements MqttCallbackExtended {
        @Override
        public void messageArrived(String topic, MqttMessage message) {
            Received r = new Received(topic, message.getPayload(), message.getQos(), message.isDuplicate(),
                    message.isRetained(), System.nanoTime());
            synchronized (lock) {
                received.add(r);
            }
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            if (reconnect) {
                // the broker normally kept them with the session; renewing covers a broker that lost it
                try {
                    client.subscribe(topicFilters, qos, null, new IMqttActionListener() {
                        @Override
                        public void onSuccess(IMqttToken token) {
                            lastResubscribeFailure = null;
                        }

                        @Override
                        public void onFailure(IMqttToken token, Throwable failure) {
                            lastResubscribeFailure = failure;
                        }
                    });
                } catch (MqttException e) {
                    lastResubscribeFailure = e;
                }
            }
        }

        @Override
        public void connectionLost(Throwable cause) {
            lastConnectionLoss = cause;
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // publish() waits on its token
        }
    }

    private static int levelEnd(String s, int from) {
        int slash = s.indexOf('/', from);
        return slash < 0 ? s.length() : slash;
    }

    private static void checkFilter(String filter) {
        Objects.requireNonNull(filter, "topic filter");
        if (filter.isEmpty()) {
            throw new IllegalArgumentException("empty topic filter; use \"#\" for every topic");
        }
        for (int i = 0; i < filter.length(); i++) {
            char c = filter.charAt(i);
            boolean levelStart = i == 0 || filter.charAt(i - 1) == '/';
            boolean levelEnd = i == filter.length() - 1 || filter.charAt(i + 1) == '/';
            if (c == '+' && !(levelStart && levelEnd)) {
                throw new IllegalArgumentException("topic filter \"" + filter + "\": '+' at " + i
                        + " must fill a whole level, as in \"a/+/c\"");
            }
            if (c == '#' && !(levelStart && i == filter.length() - 1)) {
                throw new IllegalArgumentException("topic filter \"" + filter + "\": '#' at " + i
                        + " must be the whole last level, as in \"a/#\"");
            }
        }
    }
}
