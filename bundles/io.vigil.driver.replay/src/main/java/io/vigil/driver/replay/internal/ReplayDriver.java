package io.vigil.driver.replay.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import io.vigil.api.sensor.ChannelSpec;
import io.vigil.api.sensor.SampleBlock;
import io.vigil.api.sensor.SampleListener;
import io.vigil.api.sensor.SensorDriver;
import io.vigil.api.sensor.Subscription;

/**
 * Replays a recorded file as the samples of one asset, one component per factory configuration.
 *
 * <p>The file is loaded and checked at activation, so a bad file fails activation instead of a replay. The
 * replay starts on the component's own thread when the first listener subscribes, so it is never played into
 * the void; later subscribers join mid-stream. Pacing follows the sample clock: each block is delivered when
 * its last sample is due relative to the replay start, divided by the speed, so a slow listener delays the
 * blocks after it but never makes the replay drift.
 */
@Component(name = ReplayDriver.PID, configurationPid = ReplayDriver.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, service = SensorDriver.class)
@Designate(ocd = ReplayConfig.class, factory = true)
public final class ReplayDriver implements SensorDriver {

    static final String PID = "io.vigil.driver.replay";

    private static final System.Logger LOG = System.getLogger(ReplayDriver.class.getName());
    private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long STOP_TIMEOUT_SECONDS = 5;
    /** Latest start whose nanosecond timestamps still fit a long: April 2262. */
    private static final long MAX_START_EPOCH_MS = Long.MAX_VALUE / 1_000_000L;
    /** Caps a wait so that absurdly slow speeds cannot overflow the due-time arithmetic. */
    private static final long MAX_WAIT_NANOS = Long.MAX_VALUE / 4;

    private final String assetId;
    private final Path file;
    private final Recording recording;
    private final ChannelSpec channel;
    private final double speed;
    private final boolean loop;
    private final long startEpochMs;
    private final boolean keepTimestamps;
    private final ExecutorService executor;

    private final Object lock = new Object();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Guarded by {@link #lock}. */
    private boolean active = true;
    /** Guarded by {@link #lock}. */
    private boolean started;

    private final AtomicLong samplesEmitted = new AtomicLong();
    private final AtomicLong blocksEmitted = new AtomicLong();
    private final AtomicLong listenerFailures = new AtomicLong();
    private volatile boolean finished;

    /**
     * Loads and checks the recording.
     *
     * @throws IllegalArgumentException if the configuration is invalid
     * @throws IOException if the file cannot be read or is not a replayable recording
     */
    @Activate
    public ReplayDriver(ReplayConfig config) throws IOException {
        String asset = config.vigil_asset();
        if (asset == null || asset.isBlank()) {
            throw new IllegalArgumentException("replay driver " + PID + ": vigil.asset is " + quote(asset)
                    + "; set it to the asset the recording is replayed as");
        }
        this.assetId = asset;
        this.file = path(config.file());
        this.speed = config.speed();
        this.loop = config.loop();
        this.startEpochMs = config.start_epoch_ms();
        this.keepTimestamps = config.keep_timestamps();
        if (!(speed >= 0) || Double.isInfinite(speed)) {
            throw invalid("speed " + speed + " is not allowed; use 1 for real time, 10 for ten times faster,"
                    + " 0 for as fast as the listeners accept");
        }
        if (startEpochMs < 0 || startEpochMs > MAX_START_EPOCH_MS) {
            throw invalid("start.epoch.ms " + startEpochMs + " is outside 0 (= now) to " + MAX_START_EPOCH_MS
                    + "; give milliseconds since 1970-01-01T00:00Z");
        }
        if (config.channel() == null || config.channel().isBlank()) {
            throw invalid("channel is " + quote(config.channel()) + "; name the channel, e.g. vibration");
        }
        if (config.block_size() <= 0) {
            throw invalid("block.size " + config.block_size() + " must be > 0, e.g. 256");
        }
        if (config.column() < 0) {
            throw invalid("column " + config.column() + " must be >= 0");
        }
        if (config.kind() == null || config.format() == null) {
            throw invalid("kind " + config.kind() + " and format " + config.format() + " must both be set");
        }
        RecordingFormat format;
        try {
            format = config.format().resolve(file);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        if (format != RecordingFormat.CSV) {
            double rate = config.sample_rate_hz();
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw invalid("sample.rate.hz " + rate + " must be a positive rate in Hz, e.g. 12000");
            }
            if (format == RecordingFormat.NPZ && (config.key() == null || config.key().isBlank())) {
                throw invalid("key is " + quote(config.key()) + "; name the .npz array to replay, e.g. DE");
            }
        }
        int decimate = config.decimate();
        if (decimate < 1 || decimate > Decimator.MAX_FACTOR) {
            throw invalid("decimate " + decimate + " must be 1 (none) to " + Decimator.MAX_FACTOR
                    + ", e.g. 4 to replay a 48 kHz recording at 12 kHz");
        }
        Decimator decimator = null;
        if (format == RecordingFormat.CSV) {
            if (decimate != 1) {
                throw invalid("decimate " + decimate + " applies only to evenly sampled NPY/NPZ recordings, not to"
                        + " the CSV '" + file + "'; set decimate to 1");
            }
        } else {
            decimator = new Decimator(decimate, config.sample_rate_hz());
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw invalid("file '" + file.toAbsolutePath() + "' " + (Files.exists(file) ? "is not a readable file"
                    : "does not exist") + "; set file to the path of a .csv, .npy or .npz recording");
        }
        try {
            this.recording = Recording.load(file, format, config.key(), config.column(), config.sample_rate_hz(),
                    decimator);
        } catch (IOException e) {
            throw new IOException(prefix() + "cannot replay: " + e.getMessage(), e);
        }
        try {
            this.channel = new ChannelSpec(config.channel(), config.kind(), config.unit() == null ? "" : config.unit(),
                    recording.sampleRateHz(), recording.evenlySampled() ? config.block_size() : 1,
                    config.min_valid(), config.max_valid());
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        this.executor = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "vigil-replay-" + assetId);
            thread.setDaemon(true);
            return thread;
        });
        LOG.log(Level.INFO, () -> prefix() + "loaded " + recording.source() + ": " + recording.size()
                + " samples at " + recording.sampleRateHz() + " Hz (" + recording.spanNanos() / 1e9
                + " s), speed " + speed + (loop ? ", looping" : "") + "; the replay starts with the first subscriber");
    }

    private Path path(String name) {
        if (name == null || name.isBlank()) {
            throw invalid("file is " + quote(name) + "; set it to the path of a .csv, .npy or .npz recording");
        }
        try {
            return Path.of(name);
        } catch (InvalidPathException e) {
            throw invalid("file '" + name + "' is not a valid path: " + e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            active = false;
        }
        for (Listener listener : listeners) {
            listener.close();
        }
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, () -> prefix() + "the replay thread did not stop within "
                        + STOP_TIMEOUT_SECONDS + " s: a listener is blocking it; it ends when the listener returns");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String assetId() {
        return assetId;
    }

    @Override
    public List<ChannelSpec> channels() {
        return List.of(channel);
    }

    /**
     * Subscribes {@code listener}; the first subscription starts the replay. A listener subscribing after a
     * replay without loop has finished receives nothing.
     *
     * @throws IllegalStateException if the driver has been deactivated
     */
    @Override
    public Subscription subscribe(SampleListener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            if (!active) {
                throw new IllegalStateException(prefix() + "the driver is deactivated; subscribe to an active driver");
            }
            Listener subscription = new Listener(listener);
            listeners.add(subscription);
            if (!started) {
                started = true;
                executor.execute(this::replay);
            }
            return subscription;
        }
    }

    /** @return the number of samples delivered so far, counted after each block has reached all listeners */
    public long samplesEmitted() {
        return samplesEmitted.get();
    }

    /** @return the number of blocks delivered so far */
    public long blocksEmitted() {
        return blocksEmitted.get();
    }

    /** @return how often a listener threw */
    public long listenerFailures() {
        return listenerFailures.get();
    }

    /** @return true once a replay without loop has delivered the whole recording */
    public boolean finished() {
        return finished;
    }

    private void replay() {
        long wallStart = System.nanoTime();
        long epochStart = startEpochMs != 0 ? startEpochMs * 1_000_000L : nowEpochNanos();
        try {
            if (recording.evenlySampled()) {
                replayEvenlySampled(wallStart, epochStart);
            } else {
                replayTimed(wallStart, epochStart);
            }
            for (Listener listener : listeners) {
                listener.endOfStream();
            }
            finished = true;
            LOG.log(Level.INFO, () -> "replay of " + file + " for " + assetId + " finished: " + samplesEmitted.get()
                    + " samples in " + blocksEmitted.get() + " blocks");
        } catch (InterruptedException e) {
            // deactivation: end quietly
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, () -> prefix() + "the replay failed after " + samplesEmitted.get()
                    + " samples and delivers nothing more; reconfigure the component to restart it", e);
            for (Listener listener : listeners) {
                listener.driverError(e);
            }
        }
    }

    private void replayEvenlySampled(long wallStart, long epochStart) throws InterruptedException {
        int size = recording.size();
        int blockSize = channel.blockSize();
        double rate = recording.sampleRateHz();
        long nextStart = epochStart;
        long delivered = 0;
        do {
            for (int from = 0; from < size; from += blockSize) {
                double[] values = recording.copy(from, from + Math.min(blockSize, size - from));
                awaitDue(wallStart, Math.round((delivered + values.length - 1) * 1e9 / rate));
                SampleBlock block = new SampleBlock(assetId, channel.name(), nextStart, rate, values);
                deliver(block);
                // Chained rather than computed from the sample index so that each block starts exactly where the
                // pipeline expects it (no rounding jitter that would count as a gap or a reversal).
                nextStart = block.nextStartNanos();
                delivered += values.length;
            }
        } while (loop);
    }

    private void replayTimed(long wallStart, long epochStart) throws InterruptedException {
        int size = recording.size();
        long first = recording.epochNanos(0);
        long shift = keepTimestamps ? 0 : epochStart - first;
        // One nominal interval after the last row, so a looped series keeps its rhythm and never goes backwards.
        long passLength = recording.spanNanos() + recording.periodNanos();
        long passOffset = 0;
        do {
            for (int i = 0; i < size; i++) {
                long recorded = recording.epochNanos(i);
                awaitDue(wallStart, recorded - first + passOffset);
                deliver(new SampleBlock(assetId, channel.name(), recorded + shift + passOffset,
                        recording.sampleRateHz(), new double[] { recording.value(i) }));
            }
            passOffset += passLength;
        } while (loop);
    }

    /** Waits until the sample at {@code offsetNanos} of recording time is due at the configured speed. */
    private void awaitDue(long wallStart, long offsetNanos) throws InterruptedException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException();
        }
        if (speed == 0) {
            return;
        }
        // Due relative to the replay start, not to the previous block: time spent in listeners and in waking up
        // is absorbed instead of accumulating into drift.
        long dueAfterStart = (long) Math.min(offsetNanos / speed, MAX_WAIT_NANOS);
        for (long wait = dueAfterStart - (System.nanoTime() - wallStart); wait > 0;
                wait = dueAfterStart - (System.nanoTime() - wallStart)) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private void deliver(SampleBlock block) {
        for (Listener listener : listeners) {
            listener.deliver(block);
        }
        samplesEmitted.addAndGet(block.size());
        blocksEmitted.incrementAndGet();
    }

    private static long nowEpochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private String prefix() {
        return "replay driver " + PID + " for asset '" + assetId + "': ";
    }

    private IllegalArgumentException invalid(String problem) {
        return new IllegalArgumentException(prefix() + problem);
    }

    private static String quote(String value) {
        return value == null ? "missing" : "'" + value + "'";
    }

    @Override
    public String toString() {
        return "ReplayDriver[" + assetId + ", " + file + "]";
    }

    /** A subscription; its failure bookkeeping is touched only by the replay thread. */
    private final class Listener implements Subscription {
        private final SampleListener target;
        private volatile boolean open = true;
        private long failures;
        private long lastLoggedNanos;

        Listener(SampleListener target) {
            this.target = target;
        }

        void deliver(SampleBlock block) {
            if (!open) {
                return;
            }
            try {
                target.onSamples(block);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                // One faulty listener must not starve the others or end the replay.
                failed(e);
            }
        }

        void driverError(Throwable error) {
            if (!open) {
                return;
            }
            try {
                target.onDriverError(channel.name(), error);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                failed(e);
            }
        }

        void endOfStream() {
            if (!open) {
                return;
            }
            try {
                target.onEndOfStream(channel.name());
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                failed(e);
            }
        }

        private void failed(Throwable error) {
            listenerFailures.incrementAndGet();
            failures++;
            long now = System.nanoTime();
            if (failures == 1 || now - lastLoggedNanos >= FAILURE_LOG_INTERVAL_NANOS) {
                lastLoggedNanos = now;
                long count = failures;
                LOG.log(Level.WARNING, () -> prefix() + "listener " + target + " threw (" + count
                        + " failure(s) so far); the replay goes on, further failures of this listener are logged"
                        + " at most once a minute", error);
            }
        }

        @Override
        public void close() {
            open = false;
            listeners.remove(this);
        }
    }
}
