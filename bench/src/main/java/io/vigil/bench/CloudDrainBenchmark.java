package io.vigil.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.vigil.cloud.mqtt.internal.connection.CloudClient;
import io.vigil.cloud.mqtt.internal.kura.KuraMetrics;
import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.kura.KuraPayloadCodec;
import io.vigil.cloud.mqtt.internal.outbox.Kind;
import io.vigil.cloud.mqtt.internal.outbox.Outbox;
import io.vigil.cloud.mqtt.internal.outbox.OutboxConfig;
import io.vigil.cloud.mqtt.testing.IndependentWireReader;
import io.vigil.cloud.mqtt.testing.KuraTestSubscriber;
import io.vigil.cloud.mqtt.testing.MosquittoBroker;

/**
 * The drain of a 1,000,000-message outbox backlog over MQTT after a reconnect, against a real mosquitto on
 * loopback ({@link MosquittoBroker}, one per trial), and the same messages published by a bare Paho client from
 * memory as the baseline.
 *
 * <ul>
 * <li>{@link #cloudClientDrain}: setup fills a fresh {@link Outbox} (defaults, {@code WRITE} durability) with the
 * backlog and closes and reopens it (the gateway restarted during the outage); the timed part is from
 * {@link CloudClient#start()} (connect, birth certificate, then the drain with {@code max.inflight} QoS 1 messages
 * in flight, each acknowledged in the outbox on its PUBACK) until the outbox is empty.</li>
 * <li>{@link #pahoBaseline}: a plain {@link MqttAsyncClient}, memory persistence, the same in-flight window (a
 * semaphore of {@link #INFLIGHT} permits, Paho's own limit set as CloudClient sets it), publishing the same
 * payloads, already carrying their {@code vigil.msg.id}, in the order the outbox sends them; timed from connect until
 * the last PUBACK. No outbox, no disk, no birth certificate.</li>
 * </ul>
 *
 * <p>With {@code subscriber=true}, an independent persistent subscriber ({@link KuraTestSubscriber}, a Paho client
 * in the same JVM) is connected to {@code acme/<gateway>/#} before the timed part; after it (not timed), the
 * teardown waits until it has all messages, reports when the last first arrival came (end to end, from the same
 * start instant), and checks the order: per priority, the first occurrences of {@code vigil.msg.id} are exactly the
 * ids enqueued, in enqueue order (it throws, failing the run, on a missing, unknown or out-of-order id). With
 * {@code subscriber=false} nobody subscribes, so the broker only acknowledges and discards: the gateway's side alone.
 *
 * <p>Payloads: a kurapayload like an asset-metrics message (timestamp and 6 metrics, doubles and a string), values
 * from a seeded {@link Random}; 1 % alerts at priority 0 ({@code ALERT}), the rest {@code DATA} split evenly between
 * priorities 1 and 2, in a fixed pseudo-random interleaving. Outbox files go to {@code bench/target/cloud-drain-bench}
 * ({@code -Dvigil.bench.outbox.dir} changes the parent), fresh for every iteration.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class CloudDrainBenchmark {

    /** 1,000,000; {@code -Dvigil.bench.drain.messages} (in the fork) changes it, for a quick try. */
    static final int MESSAGES = Integer.getInteger("vigil.bench.drain.messages", 1_000_000);
    /** CloudConfig's default {@code max.inflight}. */
    static final int INFLIGHT = 256;
    static final String ACCOUNT = "acme";
    static final String[] TOPIC_SUFFIX = {"vigil/alerts/pump-7", "vigil/assets/pump-7/metrics",
            "vigil/assets/pump-7/trend"};
    static final long TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(10);

    /** The backlog, the same in every iteration and for both benchmarks: priority and stored payload per message. */
    static final class Backlog {
        final int[] priority = new int[MESSAGES];
        final byte[][] stored = new byte[MESSAGES][];
        long storedBytes;

        Backlog() {
            KuraPayloadCodec codec = new KuraPayloadCodec();
            Random r = new Random(11);
            long ts = 1_790_000_000_000L;
            for (int i = 0; i < MESSAGES; i++) {
                int p = r.nextInt(100) == 0 ? 0 : 1 + r.nextInt(2);
                priority[i] = p;
                KuraPayload payload = KuraPayload.builder()
                        .timestamp(ts + i * 100L)
                        .metric("rms_mm_s", 2.0 + r.nextGaussian() * 0.3)
                        .metric("peak_g", 1.2 + r.nextGaussian() * 0.2)
                        .metric("crest_factor", 3.0 + r.nextGaussian() * 0.4)
                        .metric("kurtosis", 3.1 + r.nextGaussian() * 0.5)
                        .metric("temperature", 61.5 + r.nextGaussian())
                        .metric("model", "bearing-v2 2.0.0")
                        .build();
                stored[i] = codec.encode(payload, false);
                storedBytes += stored[i].length;
            }
        }
    }

    private static Backlog backlog;

    static synchronized Backlog backlog() {
        if (backlog == null) {
            backlog = new Backlog();
        }
        return backlog;
    }

    /** One broker per trial (one fork per benchmark and parameter). */
    @State(Scope.Benchmark)
    public static class Broker {
        MosquittoBroker broker;

        @Setup(Level.Trial)
        public void start() {
            broker = MosquittoBroker.start();
            Backlog b = backlog();
            System.out.printf("%n  [%s; backlog of %d: stored payload %.1f bytes on average, %.1f with vigil.msg.id]%n",
                    broker, MESSAGES, b.storedBytes / (double) MESSAGES,
                    (b.storedBytes + (double) MESSAGES * KuraPayloadCodec.withMessageId(new byte[0], 1_000_000, false)
                            .length) / MESSAGES);
        }

        @TearDown(Level.Trial)
        public void stop() {
            broker.close();
        }
    }

    /** What every iteration of both benchmarks shares: a fresh gateway id, its subscriber, the timings, the check. */
    @State(Scope.Benchmark)
    public abstract static class Iteration {
        @Param({"true", "false"})
        public boolean subscriber;

        static int count;
        final List<String> results = new ArrayList<>();

        String gateway;
        String[] topics;
        KuraTestSubscriber sub;
        /** Per priority, the ids in enqueue order. */
        long[][] expected;
        long startNanos;
        long ackedNanos;

        void begin(String kind) {
            count++;
            gateway = "gw-" + kind + "-" + count + "-" + System.nanoTime() % 100_000;
            topics = new String[TOPIC_SUFFIX.length];
            for (int p = 0; p < topics.length; p++) {
                topics[p] = ACCOUNT + "/" + gateway + "/" + TOPIC_SUFFIX[p];
            }
        }

        void connectSubscriber(Broker b) {
            if (subscriber) {
                sub = KuraTestSubscriber.connect(b.broker.url(), "backend-" + gateway, ACCOUNT + "/" + gateway + "/#");
            }
        }

        /** Not timed: waits for the subscriber, checks the order, prints the figures of this iteration. */
        void finish(String what) {
            double acked = (ackedNanos - startNanos) / 1e9;
            String line = String.format("%s: broker acknowledged all %d in %.2f s = %.0f msg/s", what, MESSAGES, acked,
                    MESSAGES / acked);
            if (sub != null) {
                sub.awaitCount(ACCOUNT + "/" + gateway + "/#", MESSAGES, Duration.ofNanos(TIMEOUT_NANOS));
                List<KuraTestSubscriber.Received> got = sub.received();
                sub.close();
                sub = null;
                line += "; " + check(got);
            }
            results.add(line);
            System.out.printf("%n  [%s]%n", line);
        }

        /**
         * Per priority, the first occurrences of {@code vigil.msg.id} must be exactly the enqueued ids in their order;
         * returns the end-to-end figures.
         */
        String check(List<KuraTestSubscriber.Received> got) {
            Map<String, Integer> priorityOf = new HashMap<>();
            for (int p = 0; p < topics.length; p++) {
                priorityOf.put(topics[p], p);
            }
            int[] next = new int[expected.length];
            long lastFirstArrival = 0;
            long duplicates = 0;
            long inversions = 0; // informational: a first occurrence of a higher priority after a lower one
            int lowestSeen = 0;
            for (KuraTestSubscriber.Received r : got) {
                Integer p = priorityOf.get(r.topic());
                if (p == null) {
                    throw new IllegalStateException("message on an unexpected topic " + r.topic());
                }
                long id = messageId(r.payload());
                long[] ids = expected[p];
                int k = next[p];
                if (k < ids.length && ids[k] == id) {
                    next[p] = k + 1;
                    lastFirstArrival = Math.max(lastFirstArrival, r.arrivalNanos());
                    if (p < lowestSeen) {
                        inversions++;
                    }
                    lowestSeen = Math.max(lowestSeen, p);
                } else if (k > 0 && id <= ids[k - 1] && java.util.Arrays.binarySearch(ids, 0, k, id) >= 0) {
                    duplicates++; // a repeat of one already seen: allowed (at least once), dropped by id
                } else {
                    throw new IllegalStateException("order broken on priority " + p + ": got vigil.msg.id " + id
                            + " where " + (k < ids.length ? ids[k] : "nothing more") + " was due (" + k + " of "
                            + ids.length + " seen)");
                }
            }
            for (int p = 0; p < next.length; p++) {
                if (next[p] != expected[p].length) {
                    throw new IllegalStateException("priority " + p + ": " + (expected[p].length - next[p])
                            + " message(s) missing, first missing id " + expected[p][next[p]]);
                }
            }
            double e2e = (lastFirstArrival - startNanos) / 1e9;
            return String.format("subscriber had all %d in %.2f s = %.0f msg/s (%d received, %d repeats, order per "
                    + "priority verified, %d first arrivals of a higher priority after a lower one)", MESSAGES, e2e,
                    MESSAGES / e2e, got.size(), duplicates, inversions);
        }

        void summary(String what) {
            System.out.printf("%n  [%s, subscriber=%s, all iterations (warm-up first):%n", what, subscriber);
            for (String r : results) {
                System.out.printf("    %s%n", r);
            }
            System.out.printf("  ]%n");
        }
    }

    static long messageId(byte[] payload) {
        List<IndependentWireReader.Metric> metrics = IndependentWireReader.readKura(payload).metrics();
        for (int i = metrics.size() - 1; i >= 0; i--) {
            IndependentWireReader.Metric m = metrics.get(i);
            if (m.name().equals(KuraMetrics.MESSAGE_ID)) {
                return m.only().varint();
            }
        }
        throw new IllegalStateException("no " + KuraMetrics.MESSAGE_ID + " in a received message");
    }

    // --- the gateway: CloudClient draining the outbox ---------------------------------------------------------

    @State(Scope.Benchmark)
    public static class Gateway extends Iteration {
        Outbox outbox;
        Path dir;
        CloudClient client;
        long fillNanos;
        long reopenNanos;
        long diskBytes;

        @Setup(Level.Iteration)
        public void fill(Broker b) throws IOException {
            begin("drain");
            Backlog backlog = backlog();
            Path base = Path.of(System.getProperty("vigil.bench.outbox.dir", "bench/target/cloud-drain-bench"));
            dir = base.resolve(gateway);
            Files.createDirectories(dir);
            long[][] ids = new long[topics.length][];
            int[] n = new int[topics.length];
            for (int p : backlog.priority) {
                n[p]++;
            }
            for (int p = 0; p < ids.length; p++) {
                ids[p] = new long[n[p]];
                n[p] = 0;
            }
            long t0 = System.nanoTime();
            try (Outbox o = Outbox.open(dir, OutboxConfig.defaults())) {
                for (int i = 0; i < MESSAGES; i++) {
                    int p = backlog.priority[i];
                    ids[p][n[p]++] = o.enqueue(p, topics[p], backlog.stored[i], 1, false,
                            p == 0 ? Kind.ALERT : Kind.DATA);
                }
            }
            long t1 = System.nanoTime();
            outbox = Outbox.open(dir, OutboxConfig.defaults());
            reopenNanos = System.nanoTime() - t1;
            fillNanos = t1 - t0;
            diskBytes = OutboxBenchmark.diskUse(dir);
            if (outbox.size() != MESSAGES) {
                throw new IllegalStateException("backlog of " + outbox.size() + " after reopen, wrote " + MESSAGES);
            }
            expected = ids;
            client = new CloudClient(new CloudClient.Settings(b.broker.url(), gateway, ACCOUNT, "", "", new char[0],
                    null, true, 30, 10, 0.05, 1, INFLIGHT, false), outbox, null,
                    () -> KuraPayload.builder().metric(KuraMetrics.DISPLAY_NAME, "bench gateway").build());
            connectSubscriber(b);
            System.gc();
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException {
            CloudClient.Status status = client.status();
            client.close();
            long left = outbox.size();
            outbox.close();
            if (left != 0) {
                throw new IllegalStateException(left + " message(s) left in the outbox");
            }
            results.add(String.format("outbox: filled in %.2f s, reopened in %.2f s, %.1f MB on disk; %d connection(s),"
                    + " %d acknowledged", fillNanos / 1e9, reopenNanos / 1e9, diskBytes / 1e6, status.connections(),
                    status.sent()));
            finish("CloudClient drain");
            OutboxBenchmark.deleteTree(dir);
        }

        @TearDown(Level.Trial)
        public void report() {
            summary("CloudClient drain");
        }
    }

    @Benchmark
    public long cloudClientDrain(Gateway g) {
        g.startNanos = System.nanoTime();
        g.client.start();
        while (g.outbox.size() > 0) {
            if (System.nanoTime() - g.startNanos > TIMEOUT_NANOS) {
                throw new IllegalStateException("outbox not empty after 10 min: " + g.outbox.size() + " left, "
                        + g.client.status());
            }
            LockSupport.parkNanos(500_000);
        }
        g.ackedNanos = System.nanoTime();
        return g.client.status().sent();
    }

    // --- the baseline: Paho from memory -------------------------------------------------------------------------

    @State(Scope.Benchmark)
    public static class Baseline extends Iteration {
        String[] topicOf;
        byte[][] wire;
        MqttAsyncClient client;
        MqttConnectOptions options;

        @Setup(Level.Iteration)
        public void prepare(Broker b) throws MqttException {
            begin("paho");
            Backlog backlog = backlog();
            // the order the outbox sends a full backlog in: priority first, enqueue order within a priority; the
            // ids are those an outbox would have given (1.. in enqueue order)
            long[][] ids = new long[topics.length][];
            int[] n = new int[topics.length];
            for (int p : backlog.priority) {
                n[p]++;
            }
            int[] offset = new int[topics.length];
            for (int p = 0; p < ids.length; p++) {
                ids[p] = new long[n[p]];
                offset[p] = p == 0 ? 0 : offset[p - 1] + ids[p - 1].length;
                n[p] = 0;
            }
            if (wire == null) {
                wire = new byte[MESSAGES][];
                topicOf = new String[MESSAGES];
            }
            for (int i = 0; i < MESSAGES; i++) {
                int p = backlog.priority[i];
                long id = i + 1;
                int at = offset[p] + n[p];
                ids[p][n[p]++] = id;
                wire[at] = KuraPayloadCodec.withMessageId(backlog.stored[i], id, false);
                topicOf[at] = topics[p];
            }
            expected = ids;
            client = new MqttAsyncClient(b.broker.url(), gateway, new MemoryPersistence());
            options = new MqttConnectOptions();
            options.setCleanSession(true);
            options.setAutomaticReconnect(false);
            options.setKeepAliveInterval(30);
            options.setConnectionTimeout(10);
            options.setMaxInflight(INFLIGHT * 2 + 16);
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            connectSubscriber(b);
            System.gc();
        }

        @TearDown(Level.Iteration)
        public void close() throws MqttException {
            client.disconnect().waitForCompletion(10_000);
            client.close();
            finish("Paho baseline");
        }

        @TearDown(Level.Trial)
        public void report() {
            summary("Paho baseline");
        }
    }

    @Benchmark
    public long pahoBaseline(Baseline s) throws MqttException, InterruptedException {
        s.startNanos = System.nanoTime();
        Semaphore permits = new Semaphore(INFLIGHT);
        CountDownLatch done = new CountDownLatch(MESSAGES);
        AtomicLong acked = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        IMqttActionListener listener = new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                acked.incrementAndGet();
                permits.release();
                done.countDown();
            }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
                failure.compareAndSet(null, e);
                permits.release();
                done.countDown();
            }
        };
        s.client.connect(s.options).waitForCompletion(10_000);
        for (int i = 0; i < MESSAGES; i++) {
            permits.acquire();
            s.client.publish(s.topicOf[i], s.wire[i], 1, false, null, listener);
        }
        if (!done.await(TIMEOUT_NANOS, TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException("not all PUBACKs after 10 min: " + acked.get());
        }
        s.ackedNanos = System.nanoTime();
        if (failure.get() != null) {
            throw new IllegalStateException("a publish failed", failure.get());
        }
        return acked.get();
    }
}
