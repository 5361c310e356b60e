package io.vigil.deploy.internal.monitor;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.deploymentadmin.DeploymentException;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.Designate;

import io.vigil.api.deploy.DeploymentEvents;
import io.vigil.api.deploy.DeploymentReviews;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.asset.PipelineStatus;
import io.vigil.api.deploy.DeploymentWatch;
import io.vigil.api.detect.ScoredWindow;
import io.vigil.api.detect.WindowListener;
import io.vigil.api.model.Model;
import io.vigil.deploy.internal.monitor.ReviewException.Reason;

/**
 * Post-deployment monitoring: told of every scored window (window whiteboard) and of every committed deployment
 * (EventAdmin), it watches each asset whose model a deployment changed, and rolls the package back or asks for a
 * review when the asset's rate of anomalous windows shifts. Its state lives in {@code $vigil.data/deploy/
 * watches.json} (the bundle's data area when {@code vigil.data} is not set), beside the deployment manager's.
 */
@Component(service = { WindowListener.class, EventHandler.class, DeploymentMonitor.class, DeploymentReviews.class },
        configurationPid = DeploymentMonitor.PID, immediate = true,
        property = EventConstants.EVENT_TOPIC + "=" + DeploymentEvents.TOPIC_COMMITTED)
@Designate(ocd = MonitorConfig.class)
public final class DeploymentMonitor implements WindowListener, EventHandler, DeploymentReviews {

    public static final String PID = "io.vigil.deploy.monitor";

    private static final Logger LOG = System.getLogger(DeploymentMonitor.class.getName());
    /** A review's rollback runs a whole transaction, health check included; the caller waits for it. */
    private static final long REVIEW_TIMEOUT_SECONDS = 300;

    private final ModelIndex models;
    private final ScheduledExecutorService control;
    private final WatchBook book;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin eventAdmin;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile PipelineStatus pipelines;
    private ScheduledFuture<?> persisting;

    @Activate
    public DeploymentMonitor(MonitorConfig config, BundleContext context,
            @Reference(name = "deployments") DeploymentService deployments) {
        MonitorSettings settings = MonitorSettings.from(config);
        this.models = new ModelIndex(context);
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigil-deploy-monitor");
            t.setDaemon(true);
            return t;
        });
        String data = context.getProperty("vigil.data");
        Path dir = data == null || data.isBlank() ? context.getDataFile("deploy").toPath() : Path.of(data, "deploy");
        Executor onControl = task -> {
            try {
                control.execute(task);
            } catch (RejectedExecutionException stopping) {
                // deactivating: the final state is written by deactivate()
            }
        };
        this.book = new WatchBook(settings, deployments, models, new WatchStore(dir.resolve("watches.json")),
                this::postEvent, onControl, this::assetConfigured, System::nanoTime, System::currentTimeMillis);
        schedulePersisting(settings);
    }

    @Modified
    void modified(MonitorConfig config) {
        MonitorSettings next = MonitorSettings.from(config);
        book.reconfigure(next);
        schedulePersisting(next);
        LOG.log(Level.INFO, "deployment monitor reconfigured (action " + next.action() + ", baseline "
                + next.baselineWindows() + " windows, watch " + next.watchWindows() + " windows, shift ratio "
                + next.shiftRatio() + ", false-alarm probability " + next.falseAlarmProbability() + "); watches "
                + "started from now on use it, running ones keep theirs");
    }

    private synchronized void schedulePersisting(MonitorSettings s) {
        if (persisting != null) {
            persisting.cancel(false);
        }
        long period = Math.max(1, Math.round(s.persistIntervalSeconds() * 1000));
        persisting = control.scheduleWithFixedDelay(() -> {
            try {
                book.housekeeping();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "writing the deployment watches failed: " + e, e);
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        control.shutdownNow();
        if (!control.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.log(Level.WARNING, "the deployment monitor's control thread did not stop within 10 s");
        }
        book.persist();
    }

    /** Without the runtime (restarting, say) nothing is known to be gone, so every asset counts as configured. */
    private boolean assetConfigured(String assetId) {
        PipelineStatus p = pipelines;
        return p == null || p.asset(assetId).isPresent();
    }

    /** Only the properties are needed: which bundle carries which model. */
    @Reference(service = Model.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC)
    void bindModel(Map<String, Object> properties) {
        models.added(serviceId(properties), properties);
    }

    void unbindModel(Map<String, Object> properties) {
        models.removed(serviceId(properties));
    }

    private static long serviceId(Map<String, Object> properties) {
        Object id = properties.get(Constants.SERVICE_ID);
        return id instanceof Number n ? n.longValue() : -1;
    }

    // --- the live path: appends to the asset's ring, nothing more

    @Override
    public void onWindow(ScoredWindow window) {
        book.onWindow(window);
    }

    // --- deployments: handled on the control thread, so EventAdmin's delivery thread never waits

    @Override
    public void handleEvent(Event event) {
        Commit commit = Commit.from(event, System.currentTimeMillis());
        try {
            control.execute(() -> {
                try {
                    book.committed(commit);
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "the deployment monitor could not start watching after " + commit.describe()
                            + ": " + e, e);
                }
            });
        } catch (RejectedExecutionException stopping) {
            LOG.log(Level.WARNING, "deployment " + commit.describe() + " committed while the monitor stopped; it is "
                    + "not watched");
        }
    }

    // --- operators

    /** @return every kept watch, newest first */
    @Override
    public List<DeploymentWatch> watches() {
        return book.watches();
    }

    /**
     * Keeps or rolls back a package whose watch is pending review, on the control thread (after whatever deployment
     * or signal came before), waiting for the result.
     *
     * @return the watches the decision ended
     */
    public List<DeploymentWatch> review(String packageName, WatchBook.Decision decision, String who)
            throws ReviewException {
        Future<List<DeploymentWatch>> result;
        try {
            result = control.submit(() -> book.review(packageName, decision, who));
        } catch (RejectedExecutionException e) {
            throw new ReviewException(Reason.CONFLICT, "the deployment monitor is stopping; review again when it "
                    + "is back");
        }
        try {
            return result.get(REVIEW_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ReviewException r) {
                throw r;
            }
            throw new ReviewException(Reason.ROLLBACK_FAILED, "the review of package " + packageName + " failed: "
                    + e.getCause());
        } catch (TimeoutException e) {
            throw new ReviewException(Reason.ROLLBACK_FAILED, "the review of package " + packageName + " has not "
                    + "finished after " + REVIEW_TIMEOUT_SECONDS + " s; it goes on, see vigil:watch for its outcome");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReviewException(Reason.ROLLBACK_FAILED, "interrupted while waiting for the review of package "
                    + packageName + "; see vigil:watch for its outcome");
        }
    }

    /**
     * {@link DeploymentReviews}' view of {@link #review(String, WatchBook.Decision, String)}: the same checks and
     * messages, with the refusals as the exceptions that interface declares.
     */
    @Override
    public List<DeploymentWatch> review(String packageName, boolean keep, String reviewer) throws DeploymentException {
        try {
            return review(packageName, keep ? WatchBook.Decision.KEEP : WatchBook.Decision.ROLLBACK, reviewer);
        } catch (ReviewException e) {
            switch (e.reason()) {
                case BAD_REQUEST, UNKNOWN_PACKAGE -> throw new IllegalArgumentException(e.getMessage(), e);
                case NOT_PENDING, CONFLICT -> throw new IllegalStateException(e.getMessage(), e);
                // the monitor's message already carries the deployment manager's code
                default -> throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, e.getMessage(), e);
            }
        }
    }

    private void postEvent(String topic, Map<String, Object> properties) {
        EventAdmin ea = eventAdmin;
        if (ea != null) {
            ea.postEvent(new Event(topic, properties));
        }
    }
}
