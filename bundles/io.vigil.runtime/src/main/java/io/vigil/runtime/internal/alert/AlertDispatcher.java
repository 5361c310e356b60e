package io.vigil.runtime.internal.alert;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertSink;

/**
 * Delivers alerts to every {@link AlertSink}, each sink on a thread of its own and in the order the alerts were
 * raised. The sample path never waits on a sink, and a slow sink (the journal's sync to disk, later a cloud
 * outbox) delays no other sink; one that throws is logged and keeps getting the next alerts.
 */
@Component(service = AlertPublisher.class)
public final class AlertDispatcher implements AlertPublisher {

    private static final Logger LOG = System.getLogger(AlertDispatcher.class.getName());
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Map<AlertSink, ExecutorService> sinks = new ConcurrentHashMap<>();

    @Deactivate
    void deactivate() {
        sinks.keySet().forEach(this::unbindSink);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void bindSink(AlertSink sink) {
        String name = "vigil-alert-" + sink.getClass().getSimpleName() + "-" + THREADS.incrementAndGet();
        sinks.put(sink, Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }));
    }

    /** Stops delivering to the sink once the alerts already queued for it are delivered (5 s at most). */
    public void unbindSink(AlertSink sink) {
        ExecutorService executor = sinks.remove(sink);
        if (executor == null) {
            return;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                List<Runnable> dropped = executor.shutdownNow();
                LOG.log(Level.ERROR, () -> dropped.size() + " alerts queued for sink " + sink.getClass().getName()
                        + " were not delivered: it did not take them within 5 s of going away");
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void publish(Alert alert) {
        sinks.forEach((sink, executor) -> {
            try {
                executor.execute(() -> deliver(sink, alert));
            } catch (RejectedExecutionException goingAway) {
                // the sink is being unbound right now; it asked for no more alerts
            }
        });
    }

    private static void deliver(AlertSink sink, Alert alert) {
        try {
            sink.onAlert(alert);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "alert sink " + sink.getClass().getName() + " failed on alert " + alert.id()
                    + "; the other sinks still get it", e);
        }
    }
}
