package io.vigil.cloud.mqtt.internal.remote;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DownloadFailedException;
import io.vigil.api.deploy.DownloadProgress;
import io.vigil.api.deploy.PackageDownloads;
import io.vigil.cloud.mqtt.internal.kura.KuraPayload;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics;
import io.vigil.cloud.mqtt.internal.outbox.Kind;

/**
 * Runs remote installs one at a time on its own thread, and tells the requester how each is getting on by
 * notifications on {@code $EDC/<account>/<client>/VIGIL-DEPLOY-V1/NOTIFY/<requester>/install}: one
 * {@value RemoteMetrics#STATUS_IN_PROGRESS} at the start, more while the package downloads (at most one per 5 % or
 * per second), then {@value RemoteMetrics#STATUS_COMPLETED} or {@value RemoteMetrics#STATUS_FAILED}. Notifications
 * are {@link Kind#LIFECYCLE}, so the outbox keeps them through an overflow, at priority
 * {@value #NOTIFY_PRIORITY}.
 */
final class InstallJobs implements AutoCloseable {

    static final int NOTIFY_PRIORITY = 2;
    static final String NOTIFY_RESOURCE = "install";
    static final long PROGRESS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final int PROGRESS_STEP_PERCENT = 5;

    private static final Logger LOG = System.getLogger(InstallJobs.class.getName());

    /** One install job. */
    record Job(long id, String requester) {
    }

    private final RemoteConfig config;
    private final ReplySender sender;
    private final LongSupplier nanoClock;
    private final ExecutorService executor;
    private final AtomicReference<Job> running = new AtomicReference<>();
    private volatile boolean closed;

    InstallJobs(RemoteConfig config, ReplySender sender, LongSupplier nanoClock) {
        this.config = config;
        this.sender = sender;
        this.nanoClock = nanoClock;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(1), r -> {
            Thread t = new Thread(r, "vigil-remote-install");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Takes the one install slot for {@code job}, to be started with {@link #start} or given back with
     * {@link #release}.
     *
     * @throws Refusal 409 while another install runs
     */
    void reserve(Job job) throws Refusal {
        if (!running.compareAndSet(null, job)) {
            Job other = running.get();
            throw Refusal.conflict("install job " + (other == null ? "?" : other.id() + " of " + other.requester())
                    + " is still running and installs run one at a time; wait for its COMPLETED or FAILED "
                    + "notification, then send job " + job.id() + " again");
        }
    }

    void release(Job job) {
        running.compareAndSet(job, null);
    }

    /** Runs a reserved job; when the job thread is gone (closing), the job fails at once with a notification. */
    void start(Job job, PackageDownloads downloads, URI uri, String sha256, boolean force, String operator) {
        try {
            executor.execute(() -> run(job, downloads, uri, sha256, force, operator));
        } catch (RejectedExecutionException e) {
            release(job);
            notifyFailed(job, "CANCELLED", "remote management stopped before install job " + job.id()
                    + " could start; send it again when the gateway is back", null);
        }
    }

    private void run(Job job, PackageDownloads downloads, URI uri, String sha256, boolean force, String operator) {
        try {
            Progress progress = new Progress(job);
            send(job, notification(job).metric(RemoteMetrics.DP_INSTALL_STATUS, RemoteMetrics.STATUS_IN_PROGRESS)
                    .metric(RemoteMetrics.DP_DOWNLOAD_PROGRESS, 0).metric(RemoteMetrics.DP_DOWNLOAD_SIZE, -1L)
                    .metric(RemoteMetrics.DP_DOWNLOAD_RECEIVED, 0L).build());
            DeploymentRecord r = downloads.install(uri, sha256, operator, force, progress);
            LOG.log(Level.INFO, "install job " + job.id() + " for " + job.requester() + ": " + r.operation() + " of "
                    + r.packageName() + " " + r.toVersion() + " " + r.result());
            KuraPayload.Builder done = notification(job)
                    .metric(RemoteMetrics.DP_INSTALL_STATUS, RemoteMetrics.STATUS_COMPLETED)
                    .metric(RemoteMetrics.DP_DOWNLOAD_PROGRESS, 100)
                    .metric(RemoteMetrics.DP_DOWNLOAD_SIZE, progress.size)
                    .metric(RemoteMetrics.DP_DOWNLOAD_RECEIVED, progress.received)
                    .metric(RemoteMetrics.DP_NAME, r.packageName()).metric(RemoteMetrics.DP_VERSION, r.toVersion());
            send(job, done.build());
        } catch (DownloadFailedException e) {
            notifyFailed(job, e.reason().name(), e.getMessage(), null);
        } catch (DeploymentException e) {
            notifyFailed(job, codeName(e.getCode()), e.getMessage(), e.getCode());
        } catch (CancellationException e) {
            notifyFailed(job, "CANCELLED", "install job " + job.id() + " was cancelled because remote management "
                    + "stopped (" + e.getMessage() + "); send it again when the gateway is back", null);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "install job " + job.id() + " for " + job.requester() + " failed unexpectedly: " + e,
                    e);
            notifyFailed(job, "INTERNAL", "unexpected error: " + e + "; see the gateway log", null);
        } finally {
            release(job);
        }
    }

    private void notifyFailed(Job job, String code, String message, Integer deploymentCode) {
        LOG.log(Level.INFO, "install job " + job.id() + " for " + job.requester() + " FAILED (" + code + "): "
                + message);
        KuraPayload.Builder b = notification(job).metric(RemoteMetrics.DP_INSTALL_STATUS, RemoteMetrics.STATUS_FAILED)
                .metric(RemoteMetrics.DP_ERROR_CODE, code)
                .metric(RemoteMetrics.DP_ERROR_MESSAGE, message == null ? code : message);
        if (deploymentCode != null) {
            b.metric(RemoteMetrics.DP_ERROR_DEPLOYMENT_CODE, deploymentCode.intValue());
        }
        send(job, b.build());
    }

    private KuraPayload.Builder notification(Job job) {
        return KuraPayload.builder().timestamp(System.currentTimeMillis()).metric(RemoteMetrics.JOB_ID, job.id());
    }

    private void send(Job job, KuraPayload payload) {
        try {
            sender.send(KuraTopics.notification(config.account(), config.clientId(), RequestDispatcher.DEPLOY_APP,
                    job.requester(), NOTIFY_RESOURCE), payload, NOTIFY_PRIORITY, Kind.LIFECYCLE);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "could not store a notification of install job " + job.id() + " for "
                    + job.requester() + ": " + e);
        }
    }

    /** @return the name of the {@code DeploymentException} constant with that value, e.g. CODE_SIGNING_ERROR */
    static String codeName(int code) {
        for (Field f : DeploymentException.class.getFields()) {
            try {
                if (f.getName().startsWith("CODE_") && f.getType() == int.class && Modifier.isStatic(f.getModifiers())
                        && f.getInt(null) == code) {
                    return f.getName();
                }
            } catch (IllegalAccessException e) {
                // public constants of a public class: cannot happen
            }
        }
        return "CODE_" + code;
    }

    /** Stops taking jobs; a running download is cancelled at its next chunk, a running deployment finishes. */
    @Override
    public void close() {
        closed = true;
        // no interrupt and no waiting: the deployment may be what stops this bundle (see RequestDispatcher.close)
        executor.shutdown();
        Job j = running.get();
        if (j != null) {
            LOG.log(Level.INFO, "install job " + j.id() + " of " + j.requester() + " goes on while remote "
                    + "management stops: a download is cancelled at its next chunk, a deployment is finished or "
                    + "rolled back by the deployment manager");
        }
    }

    /** Throttles progress into notifications: at most one per {@value #PROGRESS_STEP_PERCENT} % or per second. */
    private final class Progress implements DownloadProgress {
        private final Job job;
        private long lastNanos = nanoClock.getAsLong();
        private int lastPercent = 0;
        private long lastReceived;
        volatile long size = -1;
        volatile long received;

        Progress(Job job) {
            this.job = job;
        }

        @Override
        public void bytes(long receivedNow, long total) {
            if (closed) {
                throw new CancellationException("the gateway's cloud connection is stopping");
            }
            size = total;
            received = receivedNow;
            int percent = total > 0 ? (int) Math.min(100, receivedNow * 100 / total) : -1;
            long now = nanoClock.getAsLong();
            boolean step = percent >= 0 && percent >= lastPercent + PROGRESS_STEP_PERCENT;
            boolean due = now - lastNanos >= PROGRESS_INTERVAL_NANOS && receivedNow != lastReceived;
            if (!step && !due) {
                return;
            }
            lastNanos = now;
            lastReceived = receivedNow;
            if (percent >= 0) {
                lastPercent = percent;
            }
            send(job, notification(job).metric(RemoteMetrics.DP_INSTALL_STATUS, RemoteMetrics.STATUS_IN_PROGRESS)
                    .metric(RemoteMetrics.DP_DOWNLOAD_PROGRESS, percent).metric(RemoteMetrics.DP_DOWNLOAD_SIZE, total)
                    .metric(RemoteMetrics.DP_DOWNLOAD_RECEIVED, receivedNow).build());
        }
    }
}
