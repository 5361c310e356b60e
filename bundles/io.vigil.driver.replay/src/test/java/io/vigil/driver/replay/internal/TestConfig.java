package io.vigil.driver.replay.internal;

import java.lang.annotation.Annotation;
import java.nio.file.Path;

import io.vigil.api.sensor.ChannelKind;

/**
 * A {@link ReplayConfig} for constructing the component directly, as SCR would. Its values are test values,
 * chosen per test; the component's defaults live only in {@link ReplayConfig}.
 */
final class TestConfig implements ReplayConfig {

    private String asset;
    private String file;
    private RecordingFormat format = RecordingFormat.AUTO;
    private String key = "DE";
    private int column;
    private String channel = "vibration";
    private ChannelKind kind = ChannelKind.VIBRATION;
    private String unit = "g";
    private double sampleRateHz = 1000;
    private int blockSize = 100;
    private int decimate = 1;
    private double speed;
    private boolean loop;
    private double minValid = -100;
    private double maxValid = 100;
    private long startEpochMs = 1_700_000_000_000L;
    private boolean keepTimestamps;

    TestConfig(String asset, Path file) {
        this.asset = asset;
        this.file = file == null ? null : file.toString();
    }

    TestConfig asset(String value) { asset = value; return this; }
    TestConfig file(String value) { file = value; return this; }
    TestConfig format(RecordingFormat value) { format = value; return this; }
    TestConfig key(String value) { key = value; return this; }
    TestConfig column(int value) { column = value; return this; }
    TestConfig channel(String value) { channel = value; return this; }
    TestConfig kind(ChannelKind value) { kind = value; return this; }
    TestConfig unit(String value) { unit = value; return this; }
    TestConfig sampleRateHz(double value) { sampleRateHz = value; return this; }
    TestConfig blockSize(int value) { blockSize = value; return this; }
    TestConfig decimate(int value) { decimate = value; return this; }
    TestConfig speed(double value) { speed = value; return this; }
    TestConfig loop(boolean value) { loop = value; return this; }
    TestConfig validRange(double min, double max) { minValid = min; maxValid = max; return this; }
    TestConfig startEpochMs(long value) { startEpochMs = value; return this; }
    TestConfig keepTimestamps(boolean value) { keepTimestamps = value; return this; }

    @Override public String vigil_asset() { return asset; }
    @Override public String file() { return file; }
    @Override public RecordingFormat format() { return format; }
    @Override public String key() { return key; }
    @Override public int column() { return column; }
    @Override public String channel() { return channel; }
    @Override public ChannelKind kind() { return kind; }
    @Override public String unit() { return unit; }
    @Override public double sample_rate_hz() { return sampleRateHz; }
    @Override public int block_size() { return blockSize; }
    @Override public int decimate() { return decimate; }
    @Override public double speed() { return speed; }
    @Override public boolean loop() { return loop; }
    @Override public double min_valid() { return minValid; }
    @Override public double max_valid() { return maxValid; }
    @Override public long start_epoch_ms() { return startEpochMs; }
    @Override public boolean keep_timestamps() { return keepTimestamps; }

    @Override
    public Class<? extends Annotation> annotationType() {
        return ReplayConfig.class;
    }
}
