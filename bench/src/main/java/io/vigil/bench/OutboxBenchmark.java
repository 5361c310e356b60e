package io.vigil.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import io.vigil.cloud.mqtt.internal.outbox.Durability;
import io.vigil.cloud.mqtt.internal.outbox.Kind;
import io.vigil.cloud.mqtt.internal.outbox.Outbox;
import io.vigil.cloud.mqtt.internal.outbox.OutboxConfig;
import io.vigil.cloud.mqtt.internal.outbox.OutboxMessage;

/**
 * The cloud outbox's own capacity, without a network: (a) persisted enqueues of 200-byte messages, one and four
 * threads, against the same run's raw {@code FileChannel.write} of frames of the same size to one file (the I/O
 * floor: no id, no CRC, no lock, no bookkeeping), and (b) the drain of a 1,000,000-message backlog after a restart:
 * take/ack as fast as the outbox allows, with the order checked on every message.
 *
 * <p>Files go to {@code bench/target/outbox-bench} (relative to the working directory; {@code
 * -Dvigil.bench.outbox.dir} changes it), on the same disk as the gateway's data would be here, fresh for every
 * iteration.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class OutboxBenchmark {

    static final String TOPIC = "acme/gw-0001/vigil/assets/pump-7/metrics";
    static final int PAYLOAD = 200;

    static Path workDir(String name) throws IOException {
        Path base = Path.of(System.getProperty("vigil.bench.outbox.dir", "bench/target/outbox-bench"));
        Path dir = base.resolve(name + "-" + System.nanoTime());
        Files.createDirectories(dir);
        return dir;
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static long diskUse(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    static byte[] payload(long seed) {
        byte[] p = new byte[PAYLOAD];
        new Random(seed).nextBytes(p);
        return p;
    }

    /** Capacity far above what an iteration writes: the benchmark measures storing, not the overflow policy. */
    static OutboxConfig config(Durability durability) {
        return OutboxConfig.defaults().withCapacity(1L << 40, 1L << 40).withDurability(durability);
    }

    // (a) enqueue

    @State(Scope.Benchmark)
    public static class EnqueueState {
        @Param({"WRITE", "FSYNC"})
        public String durability;

        Outbox outbox;
        Path dir;
        final byte[] payload = payload(1);

        @Setup(Level.Iteration)
        public void open() throws IOException {
            dir = workDir("enqueue");
            outbox = Outbox.open(dir, config(Durability.valueOf(durability)));
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException {
            long n = outbox.size();
            outbox.close();
            System.out.printf("  [%s: %d messages, %.1f MB on disk, %d syncs]%n", durability, n,
                    diskUse(dir) / 1e6, outbox.stats().syncs());
            deleteTree(dir);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 5, time = 2)
    @Threads(1)
    public long enqueue1Thread(EnqueueState s) throws IOException {
        return s.outbox.enqueue(3, TOPIC, s.payload, 1, false, Kind.DATA);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 5, time = 2)
    @Threads(4)
    public long enqueue4Threads(EnqueueState s) throws IOException {
        return s.outbox.enqueue(3, TOPIC, s.payload, 1, false, Kind.DATA);
    }

    /** The baseline: frames of the outbox's size and layout, written as they are to one file. */
    @State(Scope.Benchmark)
    public static class RawState {
        /** 0: never; 1000: {@code force(false)} after every 1,000th record. */
        @Param({"0", "1000"})
        public int syncEvery;

        FileChannel channel;
        Path dir;
        byte[] frame;
        final AtomicLong written = new AtomicLong();

        @Setup(Level.Iteration)
        public void open() throws IOException {
            dir = workDir("raw");
            channel = FileChannel.open(dir.resolve("raw.log"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            byte[] topic = TOPIC.getBytes(StandardCharsets.UTF_8);
            byte[] payload = payload(1);
            int body = 22 + topic.length + PAYLOAD;
            ByteBuffer b = ByteBuffer.allocate(8 + body);
            b.putInt(body).putInt(0).putLong(42).putLong(System.currentTimeMillis()).put((byte) 3).put((byte) 3)
                    .put((byte) 1).put((byte) 0).putShort((short) topic.length).put(topic).put(payload);
            CRC32C crc = new CRC32C();
            crc.update(b.array(), 0, 4);
            crc.update(b.array(), 8, body);
            b.putInt(4, (int) crc.getValue());
            frame = b.array();
            written.set(0);
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException {
            channel.close();
            deleteTree(dir);
        }

        long write() throws IOException {
            ByteBuffer b = ByteBuffer.wrap(frame);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            long n = written.incrementAndGet();
            if (syncEvery > 0 && n % syncEvery == 0) {
                channel.force(false);
            }
            return n;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 5, time = 2)
    @Threads(1)
    public long rawWrite1Thread(RawState s) throws IOException {
        return s.write();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 5, time = 2)
    @Threads(4)
    public long rawWrite4Threads(RawState s) throws IOException {
        return s.write();
    }

    // (b) drain of a backlog

    /**
     * A backlog of {@link #messages} written as a gateway would during an outage (alerts 1 % at priority 0, data
     * spread over priorities 1-3 in a fixed pseudo-random order), the outbox closed and opened again (the
     * gateway restarted during the outage), timed; then the benchmark drains it.
     */
    @State(Scope.Benchmark)
    public static class BacklogState {
        @Param({"1000000"})
        public int messages;

        Outbox outbox;
        Path dir;
        long diskBefore;
        long fillNanos;
        long reopenNanos;
        long drainNanos;
        long drained;

        @Setup(Level.Iteration)
        public void fill() throws IOException {
            dir = workDir("backlog");
            OutboxConfig config = config(Durability.WRITE);
            Random random = new Random(7);
            byte[] payload = payload(2);
            long t0 = System.nanoTime();
            try (Outbox o = Outbox.open(dir, config)) {
                for (int i = 0; i < messages; i++) {
                    int priority = random.nextInt(100) == 0 ? 0 : 1 + random.nextInt(3);
                    o.enqueue(priority, TOPIC, payload, 1, false, priority == 0 ? Kind.ALERT : Kind.DATA);
                }
            }
            long t1 = System.nanoTime();
            outbox = Outbox.open(dir, config);
            reopenNanos = System.nanoTime() - t1;
            fillNanos = t1 - t0;
            diskBefore = diskUse(dir);
            if (outbox.size() != messages) {
                throw new IllegalStateException("backlog of " + outbox.size() + " after reopen, wrote " + messages);
            }
        }

        @TearDown(Level.Iteration)
        public void report() throws IOException {
            outbox.flush();
            long diskAfter = diskUse(dir);
            long left = outbox.size();
            outbox.close();
            System.out.printf("%n  [backlog: filled %d in %.2f s (%.0f msg/s, fsync at close), reopened in %.2f s, "
                    + "%.1f MB on disk; drained %d in %.2f s = %.0f msg/s, order verified; %d left, %.3f MB on disk "
                    + "after]%n", messages, fillNanos / 1e9, messages / (fillNanos / 1e9), reopenNanos / 1e9,
                    diskBefore / 1e6, drained, drainNanos / 1e9, drained / (drainNanos / 1e9), left,
                    diskAfter / 1e6);
            deleteTree(dir);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public long drainBacklog(BacklogState s) throws IOException {
        long t0 = System.nanoTime();
        long[] lastId = new long[Outbox.MAX_PRIORITY + 1];
        int lastPriority = 0;
        long n = 0;
        for (List<OutboxMessage> batch = s.outbox.take(1000); !batch.isEmpty(); batch = s.outbox.take(1000)) {
            for (OutboxMessage m : batch) {
                int p = m.priority();
                if (p < lastPriority || m.id() <= lastId[p]) {
                    throw new IllegalStateException("order broken at message " + n + ": " + m + " after priority "
                            + lastPriority + ", last id of its priority " + lastId[p]);
                }
                lastPriority = p;
                lastId[p] = m.id();
                if (!s.outbox.ack(m.id())) {
                    throw new IllegalStateException("ack of " + m + " refused");
                }
                n++;
            }
        }
        s.drainNanos = System.nanoTime() - t0;
        s.drained = n;
        if (n != s.messages) {
            throw new IllegalStateException("drained " + n + " of " + s.messages);
        }
        return n;
    }
}
