package io.vigil.runtime.internal.alert;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertSink;

/**
 * Delivers alerts to every {@link AlertSink} on one thread of its own, in the order they were raised, so the
 * sample path never waits on a sink (a journal's fsync, a cloud outbox) and a sink that throws does not keep
 * the alert from the others.
 */
@Component(service = AlertPublisher.class)
public final class AlertDispatcher implements AlertPublisher {

    private static final Logger LOG = System.getLogger(AlertDispatcher.class.getName());

    private final List<AlertSink> sinks = new CopyOnWriteArrayList<>();
    private final ExecutorService executor;

    @Activate
    public AlertDispatcher() {
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "vigil-alert-dispatch");
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        executor.shutdown(); // alerts already queued still reach the sinks
        if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
            List<Runnable> dropped = executor.shutdownNow();
            LOG.log(Level.ERROR, dropped.size() + " alerts were still queued for the sinks after 5 s at shutdown "
                    + "and were not delivered; check for a sink that blocks");
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void bindSink(AlertSink sink) {
        sinks.add(sink);
    }

    public void unbindSink(AlertSink sink) {
        sinks.remove(sink);
    }

    @Override
    public void publish(Alert alert) {
        executor.execute(() -> {
            for (AlertSink sink : sinks) {
                try {
                    sink.onAlert(alert);
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "alert sink " + sink.getClass().getName() + " failed on alert "
                            + alert.id() + "; the other sinks still get it", e);
                }
            }
        });
    }
}
