package io.vigil.cloud.mqtt.internal.connection;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.Designate;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertSink;
import io.vigil.api.asset.PipelineStatus;
import io.vigil.api.deploy.DeploymentReviews;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.deploy.PackageDownloads;
import io.vigil.api.model.ModelCatalog;
import io.vigil.api.shadow.ShadowService;
import io.vigil.cloud.mqtt.internal.kura.KuraMetrics;
import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.outbox.Kind;
import io.vigil.cloud.mqtt.internal.outbox.Outbox;
import io.vigil.cloud.mqtt.internal.outbox.OutboxConfig;
import io.vigil.cloud.mqtt.internal.remote.RemoteConfig;
import io.vigil.cloud.mqtt.internal.remote.RemoteServices;
import io.vigil.cloud.mqtt.internal.remote.ReplySender;
import io.vigil.cloud.mqtt.internal.remote.RequestDispatcher;

/**
 * The cloud connection component: opens the disk outbox, connects to the broker ({@link CloudClient}), answers
 * remote management requests ({@link RequestDispatcher}) and publishes alerts (as an {@link AlertSink}), shadow
 * and deployment events (as an {@link EventHandler}) and periodic asset metrics. Needs a configuration (PID
 * {@value #PID}); without one the gateway runs without a cloud and stores nothing for it.
 *
 * <p>Offline first: alerts reach this sink from Vigil's alert dispatcher thread after the local sinks' order
 * allows, and all this sink does is append them to the outbox file (page cache, or an fsync in FSYNC mode); it
 * never waits on the network.
 */
@Component(configurationPid = CloudConnection.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = { CloudConnection.class, AlertSink.class, EventHandler.class }, property = {
                EventConstants.EVENT_TOPIC + "=vigil/shadow/*", EventConstants.EVENT_TOPIC + "=vigil/deploy/*",
                "osgi.command.scope=vigil", "osgi.command.function=cloud" })
@Designate(ocd = CloudConfig.class)
public final class CloudConnection implements AlertSink, EventHandler {

    public static final String PID = "io.vigil.cloud.mqtt";
    /** The app id of Vigil's data topics: {@code <account>/<client>/vigil/...}. */
    public static final String DATA_APP = "vigil";
    static final int PRIORITY_ALERT = 1;
    static final int PRIORITY_EVENT = 3;
    static final int PRIORITY_METRICS = 5;
    /** Room a reply needs in the outbox before its request is executed (replies with a JSON body included). */
    static final int REPLY_ROOM_BYTES = 256 * 1024;

    private static final System.Logger LOG = System.getLogger(CloudConnection.class.getName());

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile DeploymentService deployment;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PackageDownloads downloads;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile DeploymentReviews reviews;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ShadowService shadow;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PipelineStatus pipeline;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ModelCatalog models;

    private final Outbox outbox;
    private final RequestDispatcher dispatcher;
    private final CloudClient client;
    private final ScheduledExecutorService metrics;
    private final AtomicLong notStored = new AtomicLong();

    @Activate
    public CloudConnection(CloudConfig config, BundleContext context) throws IOException {
        String clientId = config.client_id().isBlank() ? hostClientId() : config.client_id().trim();
        Path dir = outboxDirectory(config, context);
        OutboxConfig oc = OutboxConfig.defaults().withCapacity(config.outbox_capacity_messages(),
                config.outbox_capacity_mib() * 1024 * 1024).withDurability(config.outbox_durability())
                .withMaxMessageBytes(Math.max(1, config.max_message_kib()) * 1024);
        CloudClient.Settings settings = new CloudClient.Settings(config.broker_url().trim(), clientId,
                config.account_name().trim(), config.display_name().trim(), config.username(),
                config.password().toCharArray(), socketFactory(config, context), config.tls_hostname_verification(),
                config.keep_alive_seconds(), config.connect_timeout_seconds(), config.reconnect_min_delay_seconds(),
                config.reconnect_max_delay_seconds(), config.max_inflight(), config.gzip());
        this.outbox = Outbox.open(dir, oc);
        try {
            this.dispatcher = new RequestDispatcher(new RemoteConfig(settings.account(), clientId,
                    requesters(config.remote_allowed_requesters()),
                    Math.max(1, config.remote_max_request_kib()) * 1024), services(), new ReplySender() {
                        @Override
                        public void send(String topic, KuraPayload payload, int priority, Kind kind)
                                throws IOException {
                            client().publish(priority, kind, topic, payload);
                        }

                        @Override
                        public void checkRoom() throws IOException {
                            outbox.checkDiskRoom(REPLY_ROOM_BYTES);
                        }

                        @Override
                        public boolean sendDirect(String topic, KuraPayload payload) {
                            return client().publishDirect(topic, payload);
                        }
                    });
            String vigilVersion = context.getBundle().getVersion().toString();
            String vendor = context.getProperty(Constants.FRAMEWORK_VENDOR);
            String spec = context.getProperty(Constants.FRAMEWORK_VERSION);
            List<String> apps = dispatcher.appIds();
            String displayName = settings.displayName().isEmpty() ? clientId : settings.displayName();
            this.client = new CloudClient(settings, outbox, dispatcher::onMessage,
                    () -> KuraMetrics.birth().displayName(displayName).vigilVersion(vigilVersion)
                            .osgiFramework(vendor, spec).applicationIds(apps)
                            .build(ManagementFactory.getRuntimeMXBean().getUptime(), System.currentTimeMillis()));
            LOG.log(Level.INFO, "cloud connection " + clientId + " to " + settings.brokerUrl() + ", account "
                    + settings.account() + ", outbox " + dir + " (" + outbox.size() + " message(s) waiting)");
            this.metrics = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "vigil-cloud-metrics");
                t.setDaemon(true);
                return t;
            });
            client.start();
            if (config.metrics_interval_seconds() > 0) {
                metrics.scheduleAtFixedRate(this::publishAssetMetrics, config.metrics_interval_seconds(),
                        config.metrics_interval_seconds(), TimeUnit.SECONDS);
            }
        } catch (RuntimeException | Error e) {
            // release everything this activation took, the outbox's file lock above all: a later activation in
            // this JVM could not open it otherwise
            if (metricsOrNull() != null) {
                metricsOrNull().shutdownNow();
            }
            if (clientOrNull() != null) {
                clientOrNull().close();
            }
            if (dispatcherOrNull() != null) {
                dispatcherOrNull().close();
            }
            try {
                outbox.close();
            } catch (IOException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private CloudClient client() {
        return client;
    }

    // the parts, or null while the constructor has not created them yet (for the clean-up of a failure)

    private RequestDispatcher dispatcherOrNull() {
        return dispatcher;
    }

    private CloudClient clientOrNull() {
        return client;
    }

    private ScheduledExecutorService metricsOrNull() {
        return metrics;
    }

    @Deactivate
    void deactivate() {
        metrics.shutdownNow();
        dispatcher.close();
        client.close();
        try {
            outbox.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "closing the outbox " + outbox.directory() + " failed; what it holds is "
                    + "recovered at the next start", e);
        }
    }

    // --- what is published -----------------------------------------------------------------------------------

    @Override
    public void onAlert(Alert alert) {
        store(PRIORITY_ALERT, Kind.ALERT, Topics.alert(client.settings(), alert), KuraMetrics.alert(alert));
    }

    @Override
    public void handleEvent(Event event) {
        store(PRIORITY_EVENT, Kind.LIFECYCLE, Topics.event(client.settings(), event.getTopic()),
                Messages.event(event));
    }

    void publishAssetMetrics() {
        PipelineStatus p = pipeline;
        if (p == null) {
            return;
        }
        try {
            long now = System.currentTimeMillis();
            p.assets().forEach(a -> store(PRIORITY_METRICS, Kind.DATA, Topics.asset(client.settings(), a.assetId()),
                    Messages.asset(a, now)));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "publishing asset metrics failed; next try in one interval", e);
        }
    }

    private void store(int priority, Kind kind, String topic, KuraPayload payload) {
        try {
            client.publish(priority, kind, topic, payload);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            // IllegalStateException: the outbox closed under a late alert while the component stops
            long n = notStored.incrementAndGet();
            LOG.log(Level.WARNING, "not stored for the cloud (" + n + " so far): " + kind + " message to " + topic
                    + ": " + e.getMessage());
        }
    }

    // --- status ---------------------------------------------------------------------------------------------

    public CloudClient.Status status() {
        return client.status();
    }

    public Outbox outbox() {
        return outbox;
    }

    /** Messages that could not be stored (outbox refused them, disk full); see the log for each. */
    public long notStored() {
        return notStored.get();
    }

    /** Gogo {@code vigil:cloud}: the connection and the outbox. */
    public String cloud(String... args) {
        return StatusText.of(status(), outbox.stats(), notStored.get());
    }

    // --- set-up ---------------------------------------------------------------------------------------------

    private RemoteServices services() {
        return new RemoteServices() {
            @Override
            public Optional<DeploymentService> deployment() {
                return Optional.ofNullable(deployment);
            }

            @Override
            public Optional<PackageDownloads> downloads() {
                return Optional.ofNullable(downloads);
            }

            @Override
            public Optional<DeploymentReviews> reviews() {
                return Optional.ofNullable(reviews);
            }

            @Override
            public Optional<ShadowService> shadow() {
                return Optional.ofNullable(shadow);
            }

            @Override
            public Optional<PipelineStatus> pipeline() {
                return Optional.ofNullable(pipeline);
            }

            @Override
            public Optional<ModelCatalog> models() {
                return Optional.ofNullable(models);
            }
        };
    }

    private static Path outboxDirectory(CloudConfig config, BundleContext context) {
        if (!config.outbox_dir().isBlank()) {
            return resolve(config.outbox_dir().trim(), context);
        }
        String data = context.getProperty("vigil.data");
        return data == null || data.isBlank() ? context.getDataFile("outbox").toPath()
                : Path.of(data, "cloud", "outbox");
    }

    private static Path resolve(String path, BundleContext context) {
        Path p = Path.of(path);
        String home = context.getProperty("vigil.home");
        return p.isAbsolute() || home == null || home.isBlank() ? p : Path.of(home).resolve(p);
    }

    private static javax.net.SocketFactory socketFactory(CloudConfig config, BundleContext context) {
        if (!config.broker_url().trim().startsWith("ssl://")) {
            return null;
        }
        return Tls.socketFactory(config.trust_store().isBlank() ? null : resolve(config.trust_store(), context),
                config.trust_store_password().toCharArray(),
                config.key_store().isBlank() ? null : resolve(config.key_store(), context),
                config.key_store_password().toCharArray());
    }

    /** The allowed requester ids; a .cfg file gives one comma-separated string, the console an array. */
    static Set<String> requesters(String[] configured) {
        return Arrays.stream(configured).flatMap(s -> Arrays.stream(s.split(","))).map(String::trim)
                .filter(s -> !s.isEmpty()).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** The host name, reduced to what a topic segment may hold. */
    static String hostClientId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "vigil-gateway";
        }
        String id = new String(host.getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII)
                .replaceAll("[^A-Za-z0-9._-]", "-");
        return id.isEmpty() ? "vigil-gateway" : id;
    }
}
