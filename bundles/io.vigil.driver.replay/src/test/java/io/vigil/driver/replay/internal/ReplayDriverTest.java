package io.vigil.driver.replay.internal;

import static io.vigil.driver.replay.internal.NpyBytes.doubles;
import static io.vigil.driver.replay.internal.NpyBytes.npy;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.ChannelSpec;
import io.vigil.api.sensor.SampleBlock;
import io.vigil.api.sensor.SampleListener;
import io.vigil.api.sensor.Subscription;

class ReplayDriverTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final long START_MS = 1_700_000_000_000L;
    private static final long START_NANOS = START_MS * 1_000_000L;

    @TempDir
    Path dir;

    private final List<ReplayDriver> drivers = new ArrayList<>();

    @AfterEach
    void deactivateAll() {
        drivers.forEach(ReplayDriver::deactivate);
    }

    private ReplayDriver activate(TestConfig config) throws IOException {
        ReplayDriver driver = new ReplayDriver(config);
        drivers.add(driver);
        return driver;
    }

    /** A ramp 0, 1, 2, ... so every sample says where it came from. */
    private Path ramp(String name, int count) throws IOException {
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = i;
        }
        return Files.write(dir.resolve(name), npy(1, "<f8", false, "(" + count + ",)", doubles(LITTLE_ENDIAN, values)));
    }

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    private static void assertContiguous(List<SampleBlock> blocks) {
        for (int i = 1; i < blocks.size(); i++) {
            assertEquals(blocks.get(i - 1).nextStartNanos(), blocks.get(i).startEpochNanos(), "start of block " + i);
        }
    }

    @Test
    void replaysAnNpyFileInBlocksWithContiguousTimestamps() throws IOException {
        ReplayDriver driver = activate(new TestConfig("pump-1", ramp("ramp.npy", 1050)).blockSize(100)
                .sampleRateHz(1000).speed(0));
        assertEquals(List.of(new ChannelSpec("vibration", ChannelKind.VIBRATION, "g", 1000, 100, -100, 100)),
                driver.channels());
        assertEquals("pump-1", driver.assetId());
        assertEquals(0, driver.samplesEmitted());
        assertFalse(threadAlive("vigil-replay-pump-1"), "no replay before the first subscriber");

        Collector collector = new Collector();
        driver.subscribe(collector);
        await().atMost(PATIENCE).until(driver::finished);

        List<SampleBlock> blocks = collector.blocks();
        assertEquals(11, blocks.size());
        assertEquals(50, blocks.get(10).size(), "the last block holds the rest");
        assertEquals(1050, driver.samplesEmitted());
        assertEquals(11, driver.blocksEmitted());
        double[] expected = new double[1050];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = i;
        }
        assertArrayEquals(expected, collector.values());
        assertEquals(START_NANOS, blocks.get(0).startEpochNanos());
        assertEquals("pump-1", blocks.get(0).assetId());
        assertEquals("vibration", blocks.get(0).channel());
        assertEquals(1000, blocks.get(0).sampleRateHz());
        assertContiguous(blocks);
        assertEquals(START_NANOS + 1_050_000_000L, blocks.get(10).nextStartNanos());
        assertEquals(List.of("vibration"), collector.ended(), "the end of the recording is signalled once");
    }

    @Test
    void readsTheConfiguredNpzKeyAndColumn() throws IOException {
        Path file = dir.resolve("two.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("X.npy"));
            zip.write(npy(1, "<f8", false, "(3, 2)", doubles(LITTLE_ENDIAN, 1, 10, 2, 20, 3, 30)));
            zip.closeEntry();
        }
        ReplayDriver driver = activate(new TestConfig("npz", file).key("X").column(1).blockSize(2));
        Collector collector = new Collector();
        driver.subscribe(collector);
        await().atMost(PATIENCE).until(driver::finished);
        assertArrayEquals(new double[] { 10, 20, 30 }, collector.values());
    }

    @Test
    void loopRestartsWithTimestampsMovingForward() throws IOException {
        ReplayDriver driver = activate(new TestConfig("looper", ramp("ten.npy", 10)).blockSize(4).loop(true));
        Collector collector = new Collector(9);
        driver.subscribe(collector);
        await().atMost(PATIENCE).until(() -> collector.count() == 9);
        driver.deactivate();

        // 10 samples in blocks of 4: 4, 4, 2, then the next pass.
        List<SampleBlock> blocks = collector.blocks();
        assertArrayEquals(new double[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4,
                5, 6, 7, 8, 9 }, collector.values());
        assertContiguous(blocks);
        assertEquals(START_NANOS + 30 * 1_000_000L, blocks.get(8).nextStartNanos());
        assertFalse(driver.finished());
    }

    @Test
    void replaysCsvRowsOneBlockEachShiftedToTheStartAndKeepsNan() throws IOException {
        Path file = Files.writeString(dir.resolve("temp.csv"), "timestamp,value\n"
                + "2013-12-02 21:15:00,70.5\n"
                + "2013-12-02 21:20:00,nan\n"
                + "2013-12-02 21:25:00,71\n"
                + "2013-12-02 21:40:00,72\n");
        ReplayDriver driver = activate(new TestConfig("oven", file).channel("temperature").kind(ChannelKind.SCALAR)
                .unit("degF").validRange(-50, 250));
        ChannelSpec spec = driver.channels().get(0);
        assertEquals(1.0 / 300, spec.sampleRateHz(), 1e-15, "1 / median interval of 5 min");
        assertEquals(1, spec.blockSize());

        Collector collector = new Collector();
        driver.subscribe(collector);
        await().atMost(PATIENCE).until(driver::finished);
        List<SampleBlock> blocks = collector.blocks();
        assertEquals(4, blocks.size());
        assertArrayEquals(new double[] { 70.5, Double.NaN, 71, 72 }, collector.values());
        long minute = 60_000_000_000L;
        assertEquals(List.of(START_NANOS, START_NANOS + 5 * minute, START_NANOS + 10 * minute,
                START_NANOS + 25 * minute), blocks.stream().map(SampleBlock::startEpochNanos).toList());
        assertEquals(4, driver.samplesEmitted());
    }

    @Test
    void csvCanKeepItsTimestampsAndLoopsForward() throws IOException {
        Path file = Files.writeString(dir.resolve("ticks.csv"), "timestamp,value\n1000,1\n1002,2\n1004,3\n");
        ReplayDriver driver = activate(new TestConfig("ticks", file).keepTimestamps(true).loop(true));
        Collector collector = new Collector(7);
        driver.subscribe(collector);
        await().atMost(PATIENCE).until(() -> collector.count() == 7);
        driver.deactivate();
        long second = 1_000_000_000L;
        // Span 4 s plus one median interval of 2 s: each pass starts 6 s after the previous one.
        assertEquals(List.of(1000 * second, 1002 * second, 1004 * second, 1006 * second, 1008 * second,
                1010 * second, 1012 * second), collector.blocks().stream().map(SampleBlock::startEpochNanos).toList());
        assertArrayEquals(new double[] { 1, 2, 3, 1, 2, 3, 1 }, collector.values());
    }

    @Test
    void aThrowingListenerNeitherStopsTheReplayNorOtherListeners() throws IOException, InterruptedException {
        ReplayDriver driver = activate(new TestConfig("faulty", ramp("ramp.npy", 500)).blockSize(10));
        CountDownLatch secondSubscribed = new CountDownLatch(1);
        Collector first = new Collector() {
            @Override
            public void onSamples(SampleBlock block) {
                super.onSamples(block);
                if (count() == 1) {
                    await().atMost(PATIENCE).until(() -> secondSubscribed.getCount() == 0);
                }
            }
        };
        AtomicInteger calls = new AtomicInteger();
        driver.subscribe(first);
        driver.subscribe(block -> {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
        });
        secondSubscribed.countDown();
        await().atMost(PATIENCE).until(driver::finished);

        assertEquals(500, first.values().length);
        assertEquals(500, driver.samplesEmitted());
        assertTrue(calls.get() >= 49, "the late subscriber joined mid-stream and kept being called: " + calls);
        assertEquals(calls.get(), driver.listenerFailures());
    }

    @Test
    void aClosedSubscriptionGetsNothingMore() throws IOException {
        ReplayDriver driver = activate(new TestConfig("closer", ramp("ramp.npy", 300)).blockSize(10));
        List<Subscription> own = new ArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        Collector stays = new Collector();
        SampleListener leaves = block -> {
            calls.incrementAndGet();
            synchronized (own) {
                own.forEach(Subscription::close);
            }
        };
        synchronized (own) {
            own.add(driver.subscribe(leaves));
            driver.subscribe(stays);
        }
        await().atMost(PATIENCE).until(driver::finished);
        assertEquals(1, calls.get());
        assertTrue(stays.count() >= 29, "blocks of the listener that stayed: " + stays.count());
        own.get(0).close(); // idempotent
    }

    @Test
    void deactivateStopsTheThreadAndEndsSubscriptions() throws IOException {
        ReplayDriver driver = activate(new TestConfig("endless", ramp("ramp.npy", 100)).blockSize(10).loop(true));
        Collector collector = new Collector(1);
        driver.subscribe(collector);
        await().atMost(PATIENCE).until(() -> driver.samplesEmitted() > 1000);
        assertTrue(threadAlive("vigil-replay-endless"));

        driver.deactivate();
        // the executor's worker may still be unwinding right after awaitTermination returns
        await().atMost(PATIENCE).until(() -> !threadAlive("vigil-replay-endless"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> driver.subscribe(new Collector()));
        assertTrue(e.getMessage().contains("deactivated"), e.getMessage());
    }

    @Test
    void deactivateStopsARealTimeReplayThatIsWaiting() throws IOException {
        ReplayDriver driver = activate(new TestConfig("slow", ramp("ramp.npy", 100)).blockSize(10).sampleRateHz(1)
                .speed(1));
        driver.subscribe(new Collector());
        await().atMost(PATIENCE).until(() -> threadAlive("vigil-replay-slow"));
        driver.deactivate();
        await().atMost(PATIENCE).until(() -> !threadAlive("vigil-replay-slow"));
        assertFalse(driver.finished());
    }

    @Test
    void pacesBySampleClockDividedBySpeed() throws IOException {
        // 1 s of 12 kHz at speed 100 cannot end before 10 ms; no upper bound: the machine may be busy.
        ReplayDriver driver = activate(new TestConfig("paced", ramp("second.npy", 12_000)).sampleRateHz(12_000)
                .blockSize(256).speed(100));
        long begin = System.nanoTime();
        Collector collector = new Collector();
        driver.subscribe(collector);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(1)).until(driver::finished);
        long elapsed = System.nanoTime() - begin;
        assertTrue(elapsed >= TimeUnit.MICROSECONDS.toNanos(9_990), "finished after " + elapsed + " ns");
        assertEquals(12_000, driver.samplesEmitted());
        // 256 samples at 12 kHz last 21333333.33 ns: block starts computed from the sample index would be off by
        // 1 ns from the previous block's nextStartNanos() every few blocks.
        assertContiguous(collector.blocks());
    }

    @Test
    void decimatesAnNpyRecordingAtLoad() throws IOException {
        // 2000 samples at 4 kHz, decimate 4 (255 taps): (2000 - 255) / 4 + 1 = 437 samples at 1 kHz.
        ReplayDriver driver = activate(new TestConfig("slow-down", ramp("ramp.npy", 2000)).sampleRateHz(4000)
                .decimate(4).blockSize(100).validRange(-1e4, 1e4));
        ChannelSpec spec = driver.channels().get(0);
        assertEquals(1000, spec.sampleRateHz(), "the emitted rate is sample.rate.hz / decimate");
        assertEquals(100, spec.blockSize());

        Collector collector = new Collector();
        driver.subscribe(collector);
        await().atMost(PATIENCE).until(driver::finished);
        assertEquals(437, driver.samplesEmitted());
        assertEquals(5, driver.blocksEmitted());
        double[] values = collector.values();
        assertEquals(437, values.length);
        assertArrayEquals(new Decimator(4, 4000).decimate(rampValues(2000)), values);
        // a linear-phase low-pass with unit DC gain keeps a ramp, delayed by half the filter: 127 input samples
        assertEquals(127, values[0], 1e-9);
        assertEquals(127 + 4 * 436, values[436], 1e-9);
        for (SampleBlock block : collector.blocks()) {
            assertEquals(1000, block.sampleRateHz());
        }
        assertContiguous(collector.blocks());
        assertEquals(START_NANOS + 437_000_000L, collector.blocks().get(4).nextStartNanos());
    }

    @Test
    void decimateOneIsTheDefaultAndChangesNothing() throws IOException {
        ReplayDriver driver = activate(new TestConfig("plain", ramp("ramp.npy", 50)).decimate(1).blockSize(10));
        Collector collector = new Collector();
        driver.subscribe(collector);
        await().atMost(PATIENCE).until(driver::finished);
        assertArrayEquals(rampValues(50), collector.values());
        assertEquals(1000, driver.channels().get(0).sampleRateHz());
    }

    @Test
    void decimateFailsActivationForCsvForBadFactorsAndForTooShortRecordings() throws IOException {
        Path csv = Files.writeString(dir.resolve("ticks.csv"), "timestamp,value\n1000,1\n1002,2\n1004,3\n");
        assertInvalid(new TestConfig("a", csv).decimate(4), "decimate 4 applies only to evenly sampled NPY/NPZ");
        Path file = ramp("ramp.npy", 300);
        assertInvalid(new TestConfig("a", file).decimate(0), "decimate 0 must be 1 (none) to 64");
        assertInvalid(new TestConfig("a", file).decimate(-3), "decimate -3 must be 1 (none) to 64");
        assertInvalid(new TestConfig("a", file).decimate(65), "decimate 65 must be 1 (none) to 64");
        String message = assertThrows(IOException.class,
                () -> activate(new TestConfig("a", ramp("short.npy", 200)).decimate(4))).getMessage();
        assertTrue(message.contains("has 200 samples; decimate 4 needs at least 255"), message);
        assertTrue(drivers.isEmpty());
    }

    private static double[] rampValues(int count) {
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = i;
        }
        return values;
    }

    @Test
    void startsAtTheCurrentTimeWhenNoStartIsConfigured() throws IOException {
        ReplayDriver driver = activate(new TestConfig("now", ramp("ramp.npy", 10)).startEpochMs(0));
        long before = System.currentTimeMillis() * 1_000_000L;
        Collector collector = new Collector();
        driver.subscribe(collector);
        await().atMost(PATIENCE).until(driver::finished);
        long start = collector.blocks().get(0).startEpochNanos();
        assertTrue(start >= before - 1_000_000L, "replay starts at " + start + ", subscribed at " + before);
    }

    @Test
    void aBadFileFailsActivationWithItsName() throws IOException {
        Path missing = dir.resolve("nope.npz");
        String message = assertThrows(IllegalArgumentException.class,
                () -> activate(new TestConfig("a", missing))).getMessage();
        assertTrue(message.contains("for asset 'a'") && message.contains(missing + "' does not exist"), message);

        Path truncated = Files.write(dir.resolve("cut.npy"), new byte[] { (byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 });
        message = assertThrows(IOException.class, () -> activate(new TestConfig("a", truncated))).getMessage();
        assertTrue(message.contains(truncated + ": truncated header"), message);

        Path empty = Files.write(dir.resolve("empty.npy"), npy(1, "<f8", false, "(0,)", new byte[0]));
        message = assertThrows(IOException.class, () -> activate(new TestConfig("a", empty))).getMessage();
        assertTrue(message.contains("contains no samples"), message);

        Path oneRow = Files.writeString(dir.resolve("one.csv"), "timestamp,value\n1000,1\n");
        message = assertThrows(IOException.class, () -> activate(new TestConfig("a", oneRow))).getMessage();
        assertTrue(message.contains("has 1 data row(s)"), message);

        Path unsorted = Files.writeString(dir.resolve("dup.csv"), "timestamp,value\n1000,1\n1000,2\n1000,3\n");
        message = assertThrows(IOException.class, () -> activate(new TestConfig("a", unsorted))).getMessage();
        assertTrue(message.contains("timestamps do not increase"), message);

        Path unknown = Files.writeString(dir.resolve("data.txt"), "x");
        message = assertThrows(IllegalArgumentException.class, () -> activate(new TestConfig("a", unknown)))
                .getMessage();
        assertTrue(message.contains("cannot tell the format of"), message);
        assertTrue(drivers.isEmpty());
    }

    @Test
    void aMissingNpzKeyFailsActivationListingTheKeys() throws IOException {
        Path file = dir.resolve("k.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("FE.npy"));
            zip.write(npy(1, "<f8", false, "(1,)", doubles(LITTLE_ENDIAN, 1)));
            zip.closeEntry();
        }
        String message = assertThrows(IOException.class, () -> activate(new TestConfig("a", file))).getMessage();
        assertTrue(message.contains("no array 'DE'; available keys: FE"), message);
    }

    @Test
    void invalidSettingsFailActivationNamingTheValue() throws IOException {
        Path file = ramp("ramp.npy", 10);
        assertInvalid(new TestConfig(null, file), "vigil.asset is missing");
        assertInvalid(new TestConfig(" ", file), "vigil.asset is ' '");
        assertInvalid(new TestConfig("a", null), "file is missing");
        assertInvalid(new TestConfig("a", file).blockSize(0), "block.size 0 must be > 0");
        assertInvalid(new TestConfig("a", file).speed(-1), "speed -1.0 is not allowed");
        assertInvalid(new TestConfig("a", file).speed(Double.NaN), "speed NaN is not allowed");
        assertInvalid(new TestConfig("a", file).sampleRateHz(0), "sample.rate.hz 0.0 must be a positive rate");
        assertInvalid(new TestConfig("a", file).validRange(5, 5), "valid range [5.0, 5.0] is empty");
        assertInvalid(new TestConfig("a", file).column(-1), "column -1 must be >= 0");
        assertInvalid(new TestConfig("a", file).channel(""), "channel is ''");
        assertInvalid(new TestConfig("a", file).startEpochMs(-1), "start.epoch.ms -1 is outside");
    }

    private static void assertInvalid(TestConfig config, String expected) {
        String message = assertThrows(IllegalArgumentException.class, () -> new ReplayDriver(config)).getMessage();
        assertTrue(message.contains(expected), message);
    }
}
