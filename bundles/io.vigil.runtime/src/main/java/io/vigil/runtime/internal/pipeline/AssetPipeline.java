package io.vigil.runtime.internal.pipeline;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.osgi.framework.Version;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;

import io.vigil.api.alert.Alert;
import io.vigil.api.asset.AssetStatus;
import io.vigil.api.asset.ChannelStatus;
import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectionListener;
import io.vigil.api.detect.ScoredWindow;
import io.vigil.api.detect.WindowListener;
import io.vigil.api.feature.FeatureExtractor;
import io.vigil.api.feature.FeatureVector;
import io.vigil.api.model.Model;
import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.ChannelSpec;
import io.vigil.api.sensor.InputFault;
import io.vigil.api.sensor.SampleBlock;
import io.vigil.api.sensor.SampleListener;
import io.vigil.api.sensor.SensorDriver;
import io.vigil.api.sensor.Subscription;
import io.vigil.runtime.internal.RateLimitedLog;
import io.vigil.runtime.internal.alert.AlertPublisher;

/**
 * The monitoring pipeline of one asset. Every driver registered for the asset feeds it; each of their channels
 * gets a {@link ChannelPipeline}. Drivers come and go (bundle stopped, updated, started) while the channels and
 * their learned baselines stay, so a driver update does not send the asset back to commissioning.
 */
@Component(service = AssetPipeline.class, immediate = true, configurationPid = AssetPipeline.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = AssetPipelineConfig.class, factory = true)
public final class AssetPipeline implements ChannelPipeline.Output {

    public static final String PID = "io.vigil.runtime.asset";

    private static final Logger LOG = System.getLogger(AssetPipeline.class.getName());
    private static final long RETRY_MIN_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long RETRY_MAX_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final AlertPublisher alerts;
    private final RateLimitedLog faultLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(10));
    private final ScheduledExecutorService scheduler;
    private final Map<String, ChannelPipeline> channels = new ConcurrentHashMap<>();
    private final Map<SensorDriver, String> candidates = new ConcurrentHashMap<>();
    private final Map<SensorDriver, DriverBinding> bindings = new ConcurrentHashMap<>();
    private final Map<ChannelKind, FeatureExtractor> extractors = new ConcurrentHashMap<>();
    private final List<DetectionListener> detectionListeners = new CopyOnWriteArrayList<>();
    private final List<WindowListener> windowListeners = new CopyOnWriteArrayList<>();
    private final Map<Model, Version> models = new ConcurrentHashMap<>();
    /** The tier-1 model serving now; channels read it once per window. */
    private volatile Model tier1;

    private volatile String assetId;
    private volatile PipelineSettings settings;
    private volatile boolean active = true;
    private ScheduledFuture<?> watchdog;

    @Activate
    public AssetPipeline(AssetPipelineConfig config, @Reference AlertPublisher alerts) {
        this.alerts = alerts;
        this.assetId = requireAsset(config.vigil_asset());
        this.settings = PipelineSettings.from(config);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(new NamedThreads("vigil-asset-" + assetId));
        scheduleWatchdog();
        LOG.log(Level.INFO, "asset " + assetId + ": pipeline started, commissioning for "
                + settings.commissioningSeconds() + " s per channel");
    }

    @Modified
    void modified(AssetPipelineConfig config) {
        String newAsset = requireAsset(config.vigil_asset());
        PipelineSettings next = PipelineSettings.from(config);
        PipelineSettings previous = settings;
        settings = next;
        if (!newAsset.equals(assetId) || previous.needsRecommissioning(next)) {
            LOG.log(Level.WARNING, "asset " + assetId + ": windowing or calibration settings changed, "
                    + "channels recommission from scratch" + (newAsset.equals(assetId) ? "" : " as " + newAsset));
            synchronized (this) {
                bindings.values().forEach(DriverBinding::close);
                bindings.clear();
                channels.values().forEach(c -> c.abandon("the channel was rebuilt with new settings"));
                channels.clear();
                assetId = newAsset;
                candidates.forEach(this::consider);
            }
        } else {
            channels.values().forEach(c -> c.retune(next));
            LOG.log(Level.INFO, "asset " + assetId + ": hysteresis now raise after " + next.raiseAfter()
                    + ", clear after " + next.clearAfter() + " windows");
        }
        selectModel();
        synchronized (this) {
            watchdog.cancel(false);
            scheduleWatchdog();
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        active = false;
        bindings.values().forEach(DriverBinding::close);
        bindings.clear();
        scheduler.shutdownNow();
        if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
            LOG.log(Level.WARNING, "asset " + assetId + ": watchdog thread did not stop within 5 s");
        }
        LOG.log(Level.INFO, "asset " + assetId + ": pipeline stopped");
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindDriver(SensorDriver driver, Map<String, Object> properties) {
        Object asset = properties.get(SensorDriver.ASSET);
        String driverAsset = asset == null ? "" : asset.toString();
        candidates.put(driver, driverAsset);
        synchronized (this) {
            consider(driver, driverAsset);
        }
    }

    /** A driver's properties changed; if it now serves another asset, it leaves or joins this pipeline. */
    synchronized void updatedDriver(SensorDriver driver, Map<String, Object> properties) {
        Object asset = properties.get(SensorDriver.ASSET);
        String driverAsset = asset == null ? "" : asset.toString();
        DriverBinding binding = bindings.get(driver);
        boolean channelsChanged;
        try {
            // a driver reconfigured live (another sample rate, say) declares other channels: rebind to them
            channelsChanged = binding != null && !binding.declared.equals(List.copyOf(driver.channels()));
        } catch (RuntimeException e) {
            channelsChanged = true;
        }
        if (!driverAsset.equals(candidates.get(driver)) || channelsChanged) {
            unbindDriver(driver);
            bindDriver(driver, properties);
        }
    }

    synchronized void unbindDriver(SensorDriver driver) {
        candidates.remove(driver);
        DriverBinding binding = bindings.remove(driver);
        if (binding != null) {
            binding.close();
            LOG.log(Level.INFO, "asset " + assetId + ": driver " + binding.name + " gone; channels "
                    + binding.channelNames() + " keep their baseline and wait for it to return");
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindExtractor(FeatureExtractor extractor) {
        extractors.put(extractor.kind(), extractor);
    }

    void unbindExtractor(FeatureExtractor extractor) {
        extractors.remove(extractor.kind(), extractor);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindModel(Model model, Map<String, Object> properties) {
        Object version = properties.get(Model.VERSION);
        try {
            models.put(model, Version.parseVersion(version == null ? "0" : version.toString()));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "asset " + assetId + ": model service with version '" + version
                    + "' ignored: not an OSGi version");
            return;
        }
        selectModel();
    }

    void unbindModel(Model model) {
        models.remove(model);
        selectModel();
    }

    /**
     * Serves the highest version of the configured model in the configured range. Called on every model
     * arrival and departure; the channels pick the change up at their next window boundary.
     */
    private synchronized void selectModel() {
        PipelineSettings s = settings;
        Model best = null;
        Version bestVersion = null;
        if (!s.modelName().isEmpty()) {
            for (Map.Entry<Model, Version> e : models.entrySet()) {
                if (s.modelName().equals(e.getKey().descriptor().name()) && s.modelVersions().includes(e.getValue())
                        && (bestVersion == null || e.getValue().compareTo(bestVersion) > 0)) {
                    best = e.getKey();
                    bestVersion = e.getValue();
                }
            }
        }
        Model previous = tier1;
        if (best == previous) {
            return;
        }
        tier1 = best;
        String was = previous == null ? "tier-0 only" : previous.descriptor().id();
        if (best != null) {
            LOG.log(Level.INFO, "asset " + assetId + ": tier-1 model now " + best.descriptor().id() + " (was " + was
                    + "), from the next window on");
        } else if (!s.modelName().isEmpty()) {
            LOG.log(Level.WARNING, "asset " + assetId + ": no model " + s.modelName() + " " + s.modelVersions()
                    + " installed any more (was " + was + "); tier-0 alone decides until one is");
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindDetectionListener(DetectionListener listener) {
        detectionListeners.add(listener);
    }

    void unbindDetectionListener(DetectionListener listener) {
        detectionListeners.remove(listener);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindWindowListener(WindowListener listener) {
        windowListeners.add(listener);
    }

    void unbindWindowListener(WindowListener listener) {
        windowListeners.remove(listener);
    }

    public String assetId() {
        return assetId;
    }

    /** @return the tier-1 model serving now, null for tier-0 only */
    Model tier1() {
        return tier1;
    }

    public AssetStatus status() {
        List<ChannelStatus> list = new ArrayList<>();
        channels.values().forEach(c -> list.add(c.status()));
        list.sort(Comparator.comparing(ChannelStatus::channel));
        return new AssetStatus(assetId, bindings.size(), list);
    }

    // --- ChannelPipeline.Output

    @Override
    public void detection(Detection detection, FeatureVector features) {
        for (DetectionListener l : detectionListeners) {
            try {
                l.onDetection(detection);
            } catch (RuntimeException e) {
                faultLog.log(Level.WARNING, "listener:" + l.getClass().getName(), "asset " + assetId
                        + ": detection listener " + l.getClass().getName() + " failed; it is skipped", e);
            }
        }
    }

    @Override
    public void window(ScoredWindow window) {
        for (WindowListener l : windowListeners) {
            try {
                l.onWindow(window);
            } catch (RuntimeException e) {
                faultLog.log(Level.WARNING, "window-listener:" + l.getClass().getName(), "asset " + assetId
                        + ": window listener " + l.getClass().getName() + " failed; it is skipped", e);
            }
        }
    }

    @Override
    public void alert(Alert alert) {
        alerts.publish(alert);
    }

    @Override
    public void fault(String asset, String channel, InputFault fault, Supplier<String> detail) {
        if (fault == null) {
            LOG.log(Level.INFO, () -> "asset " + asset + "/" + channel + ": " + detail.get());
            return;
        }
        faultLog.log(Level.WARNING, channel + ":" + fault, () -> "asset " + asset + "/" + channel + ": bad input "
                + fault + ": " + detail.get());
    }

    // ---

    private void consider(SensorDriver driver, String driverAsset) {
        if (!active || !assetId.equals(driverAsset) || bindings.containsKey(driver)
                || !candidates.containsKey(driver)) {
            return;
        }
        List<ChannelSpec> specs;
        try {
            specs = List.copyOf(driver.channels());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "asset " + assetId + ": driver " + driver.getClass().getName()
                    + " failed to list its channels; it is ignored until it is re-registered", e);
            return;
        }
        long now = System.nanoTime();
        List<ChannelSpec> own = new ArrayList<>();
        for (ChannelSpec spec : specs) {
            DriverBinding holder = bindings.values().stream().filter(b -> b.channelNames().contains(spec.name()))
                    .findFirst().orElse(null);
            if (holder != null) {
                // two drivers feeding one channel would interleave their timelines: the first keeps it
                LOG.log(Level.ERROR, "asset " + assetId + ": driver " + driver.getClass().getSimpleName()
                        + " declares channel '" + spec.name() + "', which driver " + holder.name + " already feeds;"
                        + " its blocks for that channel are ignored. Give the channel another name in one of them");
                continue;
            }
            own.add(spec);
            ChannelPipeline replaced = channels.get(spec.name());
            if (replaced != null && !replaced.spec().equals(spec)) {
                replaced.abandon("its driver now declares " + spec);
            }
            channels.compute(spec.name(), (name, existing) -> existing != null && existing.spec().equals(spec)
                    ? existing
                    : new ChannelPipeline(assetId, spec, settings, extractors::get, () -> tier1, this, now));
        }
        DriverBinding binding = new DriverBinding(driver, own, specs);
        bindings.put(driver, binding);
        binding.subscribe();
    }

    private void scheduleWatchdog() {
        long timeout = (long) (settings.stallTimeoutSeconds() * 1e9);
        long period = Math.max(timeout / 5, TimeUnit.MILLISECONDS.toNanos(50));
        watchdog = scheduler.scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            for (DriverBinding b : bindings.values()) {
                if (b.subscription != null) {
                    b.channelPipelines().forEach(c -> c.checkStall(now, timeout));
                }
            }
        }, period, period, TimeUnit.NANOSECONDS);
    }

    private static String requireAsset(String asset) {
        if (asset == null || asset.isBlank()) {
            throw new IllegalArgumentException("vigil.asset is missing or blank in the " + PID
                    + " configuration; set it to the id of the asset to monitor");
        }
        return asset.trim();
    }

    /** One driver feeding this asset, with its subscription and retry state. */
    private final class DriverBinding implements SampleListener {
        final SensorDriver driver;
        /** the channels this driver feeds (those no other driver of the asset fed first) */
        final List<ChannelSpec> specs;
        /** everything the driver declared when it was bound, to notice a live change */
        final List<ChannelSpec> declared;
        /** computed once: it is checked for every block */
        final List<String> names;
        final String name;
        volatile Subscription subscription;
        volatile boolean closed;
        long retryNanos = RETRY_MIN_NANOS;
        ScheduledFuture<?> retry;

        DriverBinding(SensorDriver driver, List<ChannelSpec> specs, List<ChannelSpec> declared) {
            this.driver = driver;
            this.specs = List.copyOf(specs);
            this.declared = List.copyOf(declared);
            this.names = this.specs.stream().map(ChannelSpec::name).toList();
            this.name = driver.getClass().getSimpleName();
        }

        List<String> channelNames() {
            return names;
        }

        List<ChannelPipeline> channelPipelines() {
            List<ChannelPipeline> list = new ArrayList<>(specs.size());
            for (ChannelSpec s : specs) {
                ChannelPipeline c = channels.get(s.name());
                if (c != null) {
                    list.add(c);
                }
            }
            return list;
        }

        synchronized void subscribe() {
            if (closed) {
                return;
            }
            try {
                channelPipelines().forEach(ChannelPipeline::resume);
                subscription = driver.subscribe(this);
                retryNanos = RETRY_MIN_NANOS;
                LOG.log(Level.INFO, "asset " + assetId + ": driver " + name + " delivering " + channelNames());
            } catch (Exception | LinkageError e) {
                channelPipelines().forEach(c -> c.count(InputFault.DRIVER_ERROR, () -> "subscribe failed: " + e));
                faultLog.log(Level.ERROR, "subscribe:" + name, "asset " + assetId + ": driver " + name
                        + " could not start; retrying in " + retryNanos / 1_000_000 + " ms", e);
                if (active) {
                    retry = scheduler.schedule(this::subscribe, retryNanos, TimeUnit.NANOSECONDS);
                    retryNanos = Math.min(retryNanos * 2, RETRY_MAX_NANOS);
                }
            }
        }

        synchronized void close() {
            closed = true;
            if (retry != null) {
                retry.cancel(false);
            }
            Subscription s = subscription;
            subscription = null;
            if (s != null) {
                try {
                    s.close();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "asset " + assetId + ": closing driver " + name + " failed", e);
                }
            }
        }

        @Override
        public void onSamples(SampleBlock block) {
            long ingest = System.nanoTime();
            if (closed) {
                return;
            }
            ChannelPipeline c = channelNames().contains(block.channel()) ? channels.get(block.channel()) : null;
            if (c == null || !assetId.equals(block.assetId())) {
                faultLog.log(Level.WARNING, "unknown:" + block.assetId() + "/" + block.channel(), () -> "asset "
                        + assetId + ": driver " + name + " delivered " + block.assetId() + "/" + block.channel()
                        + ", which it did not declare; the block is ignored");
                return;
            }
            try {
                c.onSamples(block, ingest);
            } catch (RuntimeException e) {
                // a bug downstream must not travel back into the driver's thread and stop it
                faultLog.log(Level.ERROR, "pipeline:" + block.channel(), "asset " + assetId + "/"
                        + block.channel() + ": processing a block failed", e);
            }
        }

        @Override
        public void onEndOfStream(String channel) {
            ChannelPipeline c = channels.get(channel);
            if (c != null && !closed) {
                c.endOfStream();
            }
        }

        @Override
        public void onDriverError(String channel, Throwable error) {
            Supplier<String> detail = () -> "driver " + name + " reported " + error;
            if (channel == null) {
                channelPipelines().forEach(c -> c.count(InputFault.DRIVER_ERROR, detail));
            } else {
                ChannelPipeline c = channels.get(channel);
                if (c != null) {
                    c.count(InputFault.DRIVER_ERROR, detail);
                }
            }
        }
    }

    /** Names the threads of this component so a thread dump says whose they are. */
    static final class NamedThreads implements java.util.concurrent.ThreadFactory {
        private final String prefix;
        private final AtomicInteger n = new AtomicInteger();

        NamedThreads(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
