package io.vigil.deploy.internal.monitor;

import java.util.Arrays;
import java.util.List;

import org.osgi.service.event.Event;

import io.vigil.api.deploy.DeploymentEvents;

/**
 * A committed deployment as its {@code vigil/deploy/COMMITTED} event tells it.
 *
 * @param bundles symbolic names of the package's bundles after the deployment
 * @param endedEpochMillis when the transaction committed
 */
record Commit(String txId, String operation, String packageName, String fromVersion, String toVersion,
        List<String> bundles, String requestedBy, long endedEpochMillis) {

    static Commit from(Event e, long nowEpochMillis) {
        Object bundles = e.getProperty(DeploymentEvents.BUNDLES);
        Object ts = e.getProperty(DeploymentEvents.TIMESTAMP);
        return new Commit(text(e, DeploymentEvents.TX_ID), text(e, DeploymentEvents.OPERATION),
                text(e, DeploymentEvents.PACKAGE), text(e, DeploymentEvents.FROM_VERSION),
                text(e, DeploymentEvents.TO_VERSION), bundles instanceof String[] a ? Arrays.asList(a)
                        : bundles instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of(),
                text(e, DeploymentEvents.REQUESTED_BY), ts instanceof Number n ? n.longValue() : nowEpochMillis);
    }

    private static String text(Event e, String name) {
        Object v = e.getProperty(name);
        return v == null ? "" : v.toString();
    }

    /** @return e.g. {@code io.vigil.model.bearing 1.0.0 -> 3.0.0} */
    String describe() {
        return packageName + " " + (fromVersion.isEmpty() ? "(new)" : fromVersion) + " -> " + toVersion;
    }
}
