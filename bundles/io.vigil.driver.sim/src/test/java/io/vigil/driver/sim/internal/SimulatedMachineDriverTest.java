package io.vigil.driver.sim.internal;

import static io.vigil.driver.sim.internal.MachineSignalTest.vibration;
import static io.vigil.driver.sim.internal.SimulatedMachineDriver.TEMPERATURE;
import static io.vigil.driver.sim.internal.SimulatedMachineDriver.THREAD_NAME_PREFIX;
import static io.vigil.driver.sim.internal.SimulatedMachineDriver.VIBRATION;
import static io.vigil.driver.sim.internal.TestConfigs.config;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.ChannelSpec;
import io.vigil.api.sensor.SampleBlock;
import io.vigil.api.sensor.SampleListener;
import io.vigil.api.sensor.Subscription;

class SimulatedMachineDriverTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicInteger ASSET_COUNTER = new AtomicInteger();

    private final List<SimulatedMachineDriver> drivers = new ArrayList<>();

    /** Records what a listener received, and when. */
    private static final class Recorder implements SampleListener {
        final List<SampleBlock> vibration = new CopyOnWriteArrayList<>();
        final List<SampleBlock> temperature = new CopyOnWriteArrayList<>();
        final List<Long> vibrationReceivedNanoTime = new CopyOnWriteArrayList<>();
        final List<Long> earlyByNanos = new CopyOnWriteArrayList<>();

        @Override
        public void onSamples(SampleBlock block) {
            // a block may not arrive before its last sample was taken: the driver runs at real-time pace
            long lastSample = block.timestampNanos(block.size() - 1);
            long early = lastSample - epochNanosNow();
            if (early > TimeUnit.MILLISECONDS.toNanos(2)) {
                earlyByNanos.add(early);
            }
            if (block.channel().equals(VIBRATION)) {
                vibrationReceivedNanoTime.add(System.nanoTime());
                vibration.add(block);
            } else {
                temperature.add(block);
            }
        }
    }

    @AfterEach
    void deactivateAll() {
        drivers.forEach(SimulatedMachineDriver::deactivate);
    }

    private SimulatedMachineDriver driver(String asset, Object... keyValues) {
        SimulatedMachineDriver driver = new SimulatedMachineDriver(config(asset, keyValues));
        drivers.add(driver);
        return driver;
    }

    private static String newAsset() {
        return "sim-test-" + ASSET_COUNTER.incrementAndGet();
    }

    private static long epochNanosNow() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name));
    }

    private static double maxAbs(SampleBlock block) {
        double max = 0;
        for (double v : block.values()) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** Block {@code i} starts exactly i x blockSize samples after the first: the sample clock, not the tick, rules. */
    private static void assertContiguous(List<SampleBlock> blocks, int blockSize, double rateHz) {
        long start0 = blocks.get(0).startEpochNanos();
        for (int i = 1; i < blocks.size(); i++) {
            SampleBlock block = blocks.get(i);
            assertEquals(start0 + Math.round((long) i * blockSize * 1e9 / rateHz), block.startEpochNanos(),
                    "start of block " + i);
            assertEquals(blocks.get(i - 1).nextStartNanos(), block.startEpochNanos(), 1, "gap before block " + i);
        }
    }

    @Test
    void declaresVibrationAndTemperatureChannels() {
        String asset = newAsset();
        SimulatedMachineDriver driver = driver(asset, "vibration.rate.hz", 20000, "vibration.block.size", 512);
        assertEquals(asset, driver.assetId());
        assertEquals(List.of(new ChannelSpec(VIBRATION, ChannelKind.VIBRATION, "g", 20000, 512, -50, 50),
                new ChannelSpec(TEMPERATURE, ChannelKind.SCALAR, "degC", 1, 1, -40, 150)), driver.channels());
    }

    @Test
    void rejectsInvalidConfigurationNamingTheAttributeAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> driver("  "));
        assertTrue(e.getMessage().contains("vigil.asset") && e.getMessage().contains("blank"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> driver(null));
        assertTrue(e.getMessage().contains("vigil.asset") && e.getMessage().contains("missing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> driver("pump", "vibration.rate.hz", 500));
        assertTrue(e.getMessage().contains("vibration.rate.hz") && e.getMessage().contains("500")
                && e.getMessage().contains("pump"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> driver("pump", "vibration.block.size", 8));
        assertTrue(e.getMessage().contains("vibration.block.size") && e.getMessage().contains("8"), e.getMessage());
    }

    @Test
    void deliversContiguousRealTimeBlocksWithSampleClockTimestampsToEveryListener() {
        String asset = newAsset();
        SimulatedMachineDriver driver = driver(asset);
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        driver.subscribe(first);
        driver.subscribe(second);
        long before = epochNanosNow();
        driver.activate();
        long after = epochNanosNow();
        await().atMost(TIMEOUT).until(() -> first.vibration.size() >= 25 && second.vibration.size() >= 25
                && first.temperature.size() >= 1 && second.temperature.size() >= 1);
        driver.deactivate();

        List<SampleBlock> blocks = List.copyOf(first.vibration);
        long start0 = blocks.get(0).startEpochNanos();
        assertTrue(start0 >= before - 1_000_000 && start0 <= after, "first sample stamped at activation");
        assertContiguous(blocks, 256, 12000);
        MachineSignal expected = TestConfigs.signal();
        for (int i = 0; i < blocks.size(); i++) {
            SampleBlock block = blocks.get(i);
            assertEquals(asset, block.assetId());
            assertEquals(12000, block.sampleRateHz());
            assertArrayEquals(vibration(expected, i * 256L, 256), block.values(), 0, "samples of block " + i);
        }
        List<SampleBlock> seenBySecond = List.copyOf(second.vibration);
        for (int i = 0; i < Math.min(blocks.size(), seenBySecond.size()); i++) {
            assertSame(blocks.get(i), seenBySecond.get(i), "both listeners get the same blocks in the same order");
        }
        assertEquals(List.of(), first.earlyByNanos, "no block arrives before its samples were taken");

        SampleBlock temperature = first.temperature.get(0);
        assertEquals(start0, temperature.startEpochNanos(), "both channels share the activation instant");
        assertEquals(1, temperature.size());
        assertEquals(1, temperature.sampleRateHz());
        assertEquals(45, temperature.values()[0], 1);
    }

    @Test
    void aThrowingListenerDoesNotStopTheDriverNorOtherListeners() {
        SimulatedMachineDriver driver = driver(newAsset());
        AtomicInteger calls = new AtomicInteger();
        driver.subscribe(block -> {
            if (calls.incrementAndGet() % 2 == 0) {
                throw new IllegalStateException("listener bug");
            }
            throw new AssertionError("listener's own check failed");
        });
        Recorder good = new Recorder();
        driver.subscribe(good);
        driver.activate();
        await().atMost(TIMEOUT).until(() -> good.vibration.size() >= 15 && calls.get() >= 15);
        assertContiguous(List.copyOf(good.vibration), 256, 12000);
    }

    @Test
    void closingASubscriptionStopsDeliveryToItAndIsIdempotent() {
        SimulatedMachineDriver driver = driver(newAsset());
        Recorder closing = new Recorder();
        Recorder staying = new Recorder();
        Subscription subscription = driver.subscribe(closing);
        driver.subscribe(staying);
        driver.activate();
        await().atMost(TIMEOUT).until(() -> closing.vibration.size() >= 3);

        subscription.close();
        subscription.close();
        int atClose = closing.vibration.size();
        int stayingAtClose = staying.vibration.size();
        // deliveries are sequential on one thread, so once two more reached the other listener none is in flight
        await().atMost(TIMEOUT).until(() -> staying.vibration.size() >= stayingAtClose + 2);
        int settled = closing.vibration.size();
        assertTrue(settled <= atClose + 1, "at most the block in flight at close: " + atClose + " -> " + settled);
        await().atMost(TIMEOUT).until(() -> staying.vibration.size() >= stayingAtClose + 10);
        assertEquals(settled, closing.vibration.size());
    }

    @Test
    void subscriptionsAreToldApartEvenForTheSameListener() {
        SimulatedMachineDriver driver = driver(newAsset());
        Recorder twice = new Recorder();
        Subscription firstSubscription = driver.subscribe(twice);
        driver.subscribe(twice);
        firstSubscription.close();
        driver.activate();
        await().atMost(TIMEOUT).until(() -> twice.vibration.size() >= 5);
        assertContiguous(List.copyOf(twice.vibration), 256, 12000); // once per block, not twice
    }

    @Test
    void deactivateStopsTheEmitterThreadAndEndsSubscriptions() {
        String asset = newAsset();
        SimulatedMachineDriver driver = driver(asset);
        Recorder recorder = new Recorder();
        driver.subscribe(recorder);
        assertFalse(threadAlive(THREAD_NAME_PREFIX + asset), "no thread before activation");
        driver.activate();
        await().atMost(TIMEOUT).until(() -> recorder.vibration.size() >= 2);
        assertTrue(threadAlive(THREAD_NAME_PREFIX + asset));

        driver.deactivate();
        assertFalse(threadAlive(THREAD_NAME_PREFIX + asset), "emitter thread gone when deactivate returns");
        int delivered = recorder.vibration.size() + recorder.temperature.size();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> driver.subscribe(new Recorder()));
        assertTrue(e.getMessage().contains(asset), e.getMessage());
        assertEquals(delivered, recorder.vibration.size() + recorder.temperature.size());
    }

    @Test
    void aFaultSwitchedOnLiveAppearsInTheNextBlocksWhileTheSampleClockRunsOn() {
        String asset = newAsset();
        SimulatedMachineDriver driver = driver(asset);
        Recorder recorder = new Recorder();
        driver.subscribe(recorder);
        driver.activate();
        await().atMost(TIMEOUT).until(() -> recorder.vibration.size() >= 5);

        int beforeChange = recorder.vibration.size();
        driver.modified(config(asset, "fault.type", "OUTER_RACE", "fault.severity", 1, "fault.start.s", 0));
        int afterChange = recorder.vibration.size();
        await().atMost(TIMEOUT).until(() -> recorder.vibration.size() >= afterChange + 10);

        List<SampleBlock> blocks = List.copyOf(recorder.vibration);
        assertContiguous(blocks, 256, 12000);
        for (int i = 0; i < beforeChange; i++) {
            assertTrue(maxAbs(blocks.get(i)) < 0.5, "healthy block " + i + " peaks at " + maxAbs(blocks.get(i)));
        }
        // at most the block being computed during the change still has the old settings
        MachineSignal faulty = TestConfigs.signal("fault.type", "OUTER_RACE", "fault.severity", 1, "fault.start.s", 0);
        for (int i = afterChange + 1; i < blocks.size(); i++) {
            assertTrue(maxAbs(blocks.get(i)) > 1, "faulty block " + i + " peaks at " + maxAbs(blocks.get(i)));
            assertArrayEquals(vibration(faulty, i * 256L, 256), blocks.get(i).values(), 0,
                    "block " + i + " continues the sample index");
        }
    }

    @Test
    void aRateChangeStartsANewSegmentWhereTheOldOneEnded() {
        String asset = newAsset();
        SimulatedMachineDriver driver = driver(asset);
        Recorder recorder = new Recorder();
        driver.subscribe(recorder);
        driver.activate();
        await().atMost(TIMEOUT).until(() -> recorder.vibration.size() >= 3);

        driver.modified(config(asset, "vibration.rate.hz", 25600, "vibration.block.size", 512));
        assertEquals(25600, driver.channels().get(0).sampleRateHz());
        int afterChange = recorder.vibration.size();
        await().atMost(TIMEOUT).until(() -> recorder.vibration.size() >= afterChange + 10);

        List<SampleBlock> blocks = List.copyOf(recorder.vibration);
        int firstNew = afterChange;
        while (blocks.get(firstNew).sampleRateHz() != 25600) {
            firstNew++;
        }
        assertContiguous(blocks.subList(0, firstNew), 256, 12000);
        assertContiguous(blocks.subList(firstNew, blocks.size()), 512, 25600);
        assertEquals(blocks.get(firstNew - 1).nextStartNanos(), blocks.get(firstNew).startEpochNanos(), 1,
                "no gap and no overlap at the rate change");
    }

    @Test
    void anAssetChangeRelabelsTheFollowingBlocksAndTheThread() {
        String asset = newAsset();
        String renamed = asset + "-renamed";
        SimulatedMachineDriver driver = driver(asset);
        Recorder recorder = new Recorder();
        driver.subscribe(recorder);
        driver.activate();
        await().atMost(TIMEOUT).until(() -> recorder.vibration.size() >= 3);

        driver.modified(config(renamed));
        assertEquals(renamed, driver.assetId());
        int afterChange = recorder.vibration.size();
        await().atMost(TIMEOUT).until(() -> recorder.vibration.size() >= afterChange + 3);
        assertEquals(renamed, recorder.vibration.get(recorder.vibration.size() - 1).assetId());
        assertContiguous(List.copyOf(recorder.vibration), 256, 12000);
        await().atMost(TIMEOUT).until(() -> threadAlive(THREAD_NAME_PREFIX + renamed));

        driver.deactivate();
        assertFalse(threadAlive(THREAD_NAME_PREFIX + renamed));
        assertFalse(threadAlive(THREAD_NAME_PREFIX + asset));
    }

    @Test
    void anInvalidChangeIsRejectedAndTheMachineRunsOnWithItsSettings() {
        String asset = newAsset();
        SimulatedMachineDriver driver = driver(asset);
        Recorder recorder = new Recorder();
        driver.subscribe(recorder);
        driver.activate();
        List<ChannelSpec> channels = driver.channels();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> driver.modified(config(asset, "fault.severity", 2)));
        assertTrue(e.getMessage().contains("fault.severity") && e.getMessage().contains("2.0"), e.getMessage());
        assertEquals(channels, driver.channels());
        await().atMost(TIMEOUT).until(() -> recorder.vibration.size() >= 10);
        assertContiguous(List.copyOf(recorder.vibration), 256, 12000);
    }

    /** A listener holding up the emitter must not cost samples: the overdue blocks follow at once, in order. */
    @Test
    void catchesUpAfterBeingHeldUpWithoutSkippingSamples() {
        SimulatedMachineDriver driver = driver(newAsset());
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean holding = new AtomicBoolean();
        driver.subscribe(block -> {
            if (holding.compareAndSet(false, true)) {
                try {
                    release.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Recorder recorder = new Recorder();
        driver.subscribe(recorder);
        driver.activate();
        try {
            await().atMost(TIMEOUT).untilTrue(holding);
            long heldSince = System.nanoTime();
            await().atMost(TIMEOUT).until(() -> System.nanoTime() - heldSince >= TimeUnit.MILLISECONDS.toNanos(400));
        } finally {
            release.countDown();
        }
        // 400 ms at 12 kHz is 18 overdue blocks of 256
        await().atMost(TIMEOUT).until(() -> recorder.vibration.size() >= 25);
        List<SampleBlock> blocks = List.copyOf(recorder.vibration);
        assertContiguous(blocks, 256, 12000);
        long burst = recorder.vibrationReceivedNanoTime.get(15) - recorder.vibrationReceivedNanoTime.get(0);
        assertTrue(burst < TimeUnit.MILLISECONDS.toNanos(150),
                "overdue blocks come in a burst, not at real-time pace (" + burst / 1_000_000 + " ms for 16)");
    }
}
