package io.vigil.runtime.internal.pipeline;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vigil.api.alert.Alert;
import io.vigil.api.asset.ChannelStatus;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.ChannelSpec;
import io.vigil.api.sensor.InputFault;
import io.vigil.api.sensor.SampleBlock;
import io.vigil.api.sensor.SampleListener;
import io.vigil.api.sensor.SensorDriver;
import io.vigil.api.sensor.Subscription;

class AssetPipelineTest {

    private static final ChannelSpec VIB = new ChannelSpec("vibration", ChannelKind.VIBRATION, "g", 1000, 32, -10, 10);

    /** A driver the test pushes blocks through by hand; it can be told to fail its first subscriptions. */
    static final class ManualDriver implements SensorDriver {
        final String asset;
        final AtomicInteger failuresLeft = new AtomicInteger();
        final List<SampleListener> listeners = new CopyOnWriteArrayList<>();
        final AtomicInteger subscribeCalls = new AtomicInteger();
        long next = 1_700_000_000_000_000_000L;
        double amplitude = 1;
        volatile ChannelSpec spec = VIB;

        ManualDriver(String asset) {
            this.asset = asset;
        }

        @Override public String assetId() { return asset; }
        @Override public List<ChannelSpec> channels() { return List.of(spec); }
        @Override public Subscription subscribe(SampleListener l) throws Exception {
            subscribeCalls.incrementAndGet();
            if (failuresLeft.getAndDecrement() > 0) {
                throw new java.io.IOException("device /dev/ttyUSB0 not present");
            }
            listeners.add(l);
            return () -> listeners.remove(l);
        }

        void push(int blocks) {
            for (int b = 0; b < blocks; b++) {
                double[] v = new double[32];
                for (int i = 0; i < v.length; i++) {
                    v[i] = amplitude * (Math.sin(i * 0.7 + b) + 0.01 * ((i * 31 + b * 7) % 13));
                }
                SampleBlock block = new SampleBlock(asset, "vibration", next, spec.sampleRateHz(), v);
                next = block.nextStartNanos();
                listeners.forEach(l -> l.onSamples(block));
            }
        }
    }

    private final List<Alert> published = new CopyOnWriteArrayList<>();
    private AssetPipeline pipeline;

    private AssetPipeline start(TestSupport.Config config) {
        pipeline = new AssetPipeline(config, published::add);
        pipeline.bindExtractor(TestSupport.RMS_PEAK);
        return pipeline;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (pipeline != null) {
            pipeline.deactivate();
        }
    }

    private ChannelStatus vibration() {
        return pipeline.status().channels().get(0);
    }

    @Test
    void feedsOnlyFromDriversOfItsAsset() {
        start(new TestSupport.Config());
        ManualDriver other = new ManualDriver("fan-9");
        pipeline.bindDriver(other, Map.of(SensorDriver.ASSET, "fan-9"));
        assertEquals(0, other.subscribeCalls.get());
        ManualDriver mine = new ManualDriver("pump-1");
        pipeline.bindDriver(mine, Map.of(SensorDriver.ASSET, "pump-1"));
        mine.push(5);
        assertEquals(1, pipeline.status().drivers());
        assertEquals(5 * 32, vibration().samples());
    }

    @Test
    void driverThatFailsToStartIsCountedAndRetried() {
        start(new TestSupport.Config());
        ManualDriver flaky = new ManualDriver("pump-1");
        flaky.failuresLeft.set(2);
        pipeline.bindDriver(flaky, Map.of(SensorDriver.ASSET, "pump-1"));
        assertEquals(1, vibration().faults().get(InputFault.DRIVER_ERROR));
        // retried with backoff (1 s, then 2 s) until the device is there
        await().atMost(Duration.ofSeconds(10)).until(() -> flaky.listeners.size() == 1);
        assertEquals(2, vibration().faults().get(InputFault.DRIVER_ERROR));
        flaky.push(3);
        assertEquals(3 * 32, vibration().samples(), "the pipeline runs once the driver does");
    }

    @Test
    void errorsReportedByTheDriverAreCounted() {
        start(new TestSupport.Config());
        ManualDriver d = new ManualDriver("pump-1");
        pipeline.bindDriver(d, Map.of(SensorDriver.ASSET, "pump-1"));
        d.listeners.get(0).onDriverError("vibration", new java.io.IOException("CRC error"));
        d.listeners.get(0).onDriverError(null, new IllegalStateException("bus reset"));
        assertEquals(2, vibration().faults().get(InputFault.DRIVER_ERROR));
        d.push(3);
        assertEquals(3 * 32, vibration().samples());
    }

    @Test
    void silentDriverIsReportedStalledAndRecovers() {
        TestSupport.Config config = new TestSupport.Config();
        config.stallTimeout = 0.2;
        start(config);
        ManualDriver d = new ManualDriver("pump-1");
        pipeline.bindDriver(d, Map.of(SensorDriver.ASSET, "pump-1"));
        d.push(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> vibration().stalled());
        assertEquals(1, vibration().faults().get(InputFault.STALL));
        d.push(1);
        assertFalse(vibration().stalled());
    }

    @Test
    void driverReplacedKeepsTheLearnedBaseline() {
        start(new TestSupport.Config());
        ManualDriver v1 = new ManualDriver("pump-1");
        pipeline.bindDriver(v1, Map.of(SensorDriver.ASSET, "pump-1"));
        v1.push(25);
        assertEquals(DetectorState.ARMED, vibration().detectorState());
        long windows = vibration().windows();
        pipeline.unbindDriver(v1);
        assertTrue(v1.listeners.isEmpty(), "unbinding closes the subscription");
        assertEquals(0, pipeline.status().drivers());

        ManualDriver v2 = new ManualDriver("pump-1");
        v2.next = v1.next + 30_000_000_000L; // the updated driver starts half a minute later
        pipeline.bindDriver(v2, Map.of(SensorDriver.ASSET, "pump-1"));
        v2.push(5);
        ChannelStatus after = vibration();
        assertEquals(DetectorState.ARMED, after.detectorState(), "no recommissioning after a driver update");
        assertEquals(0, after.faults().get(InputFault.GAP), "a new driver session is not a data gap");
        assertEquals(windows + 4, after.windows());
    }

    @Test
    void hysteresisChangeAppliesLiveWithoutRecommissioning() {
        TestSupport.Config config = new TestSupport.Config();
        start(config);
        ManualDriver d = new ManualDriver("pump-1");
        pipeline.bindDriver(d, Map.of(SensorDriver.ASSET, "pump-1"));
        d.push(25);
        config.raiseAfter = 7;
        pipeline.modified(config);
        assertEquals(DetectorState.ARMED, vibration().detectorState());
        assertEquals(1, d.listeners.size(), "the driver stays subscribed");
        config.window = 128;
        pipeline.modified(config);
        assertEquals(DetectorState.COMMISSIONING, vibration().detectorState(), "new windows need a new baseline");
        assertEquals(1, d.listeners.size(), "resubscribed after the rebuild");
    }

    @Test
    void invalidChangeIsRefusedBeforeAnythingChanges() {
        TestSupport.Config config = new TestSupport.Config();
        start(config);
        ManualDriver d = new ManualDriver("pump-1");
        pipeline.bindDriver(d, Map.of(SensorDriver.ASSET, "pump-1"));
        d.push(25);
        config.window = 128; // would recommission...
        config.targetFalseAlarmRate = 0.7; // ...but this is no rate
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pipeline.modified(config));
        assertTrue(e.getMessage().contains("io.vigil.runtime.asset") && e.getMessage().contains("pump-1")
                && e.getMessage().contains("target.false.alarm.rate") && e.getMessage().contains("0.7"),
                e.getMessage());
        assertEquals(DetectorState.ARMED, vibration().detectorState(), "the old settings stay in force");
        assertEquals(1, d.listeners.size());
    }

    @Test
    void driverReconfiguredToAnotherRateIsRebound() {
        start(new TestSupport.Config());
        ManualDriver d = new ManualDriver("pump-1");
        pipeline.bindDriver(d, Map.of(SensorDriver.ASSET, "pump-1"));
        d.push(25);
        assertEquals(DetectorState.ARMED, vibration().detectorState());
        pipeline.updatedDriver(d, Map.of(SensorDriver.ASSET, "pump-1"));
        assertEquals(1, d.subscribeCalls.get(), "same channels: nothing to do");
        d.spec = new ChannelSpec("vibration", ChannelKind.VIBRATION, "g", 2000, 32, -10, 10);
        pipeline.updatedDriver(d, Map.of(SensorDriver.ASSET, "pump-1"));
        assertEquals(2, d.subscribeCalls.get(), "resubscribed with the new channel");
        assertEquals(DetectorState.COMMISSIONING, vibration().detectorState(),
                "a baseline learned at 1 kHz does not describe 2 kHz");
        d.push(2);
        assertEquals(2 * 32, vibration().samples());
    }

    @Test
    void secondDriverDeclaringTheSameChannelIsRefusedThatChannel() {
        start(new TestSupport.Config());
        ManualDriver first = new ManualDriver("pump-1");
        ManualDriver second = new ManualDriver("pump-1");
        pipeline.bindDriver(first, Map.of(SensorDriver.ASSET, "pump-1"));
        pipeline.bindDriver(second, Map.of(SensorDriver.ASSET, "pump-1"));
        first.push(3);
        second.next = first.next - 10_000_000_000L; // its clock is elsewhere: interleaving would be chaos
        second.push(3);
        assertEquals(3 * 32, vibration().samples(), "only the first driver feeds 'vibration'");
        assertEquals(0, vibration().faults().get(InputFault.TIME_REVERSAL));
    }

    @Test
    void activeAlertIsClearedWhenItsChannelIsRebuilt() {
        TestSupport.Config config = new TestSupport.Config();
        start(config);
        ManualDriver d = new ManualDriver("pump-1");
        pipeline.bindDriver(d, Map.of(SensorDriver.ASSET, "pump-1"));
        d.push(25);
        d.amplitude = 5; // a fault, within the sensor range of +-10
        d.push(6);
        assertEquals(1, published.size(), "raised: " + published);
        config.window = 128;
        pipeline.modified(config);
        assertEquals(2, published.size());
        assertEquals(io.vigil.api.alert.AlertState.CLEARED, published.get(1).state());
        assertEquals(published.get(0).id(), published.get(1).id());
        assertTrue(published.get(1).message().contains("rebuilt"), published.get(1).message());
    }

    @Test
    void deactivateLeavesNoThreadBehind() throws InterruptedException {
        start(new TestSupport.Config());
        pipeline.deactivate();
        pipeline = null;
        // the pool's worker may still be unwinding right after awaitTermination
        await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("vigil-asset-pump-1") && t.isAlive()));
    }

    @Test
    void blankAssetIsRefusedWithWhatToDo() {
        TestSupport.Config config = new TestSupport.Config();
        config.asset = " ";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AssetPipeline(config, published::add));
        assertTrue(e.getMessage().contains("vigil.asset"), e.getMessage());
    }
}
