package io.vigil.api.deploy;

/**
 * EventAdmin topics and properties of deployments: {@code vigil/deploy/COMMITTED}, {@code ROLLED_BACK},
 * {@code REFUSED} (subscribe to {@code vigil/deploy/*}). Posted after the outcome is recorded in the history.
 */
public final class DeploymentEvents {

    public static final String TOPIC_PREFIX = "vigil/deploy/";
    public static final String TOPIC_COMMITTED = TOPIC_PREFIX + "COMMITTED";
    public static final String TOPIC_ROLLED_BACK = TOPIC_PREFIX + "ROLLED_BACK";
    public static final String TOPIC_REFUSED = TOPIC_PREFIX + "REFUSED";

    /** String: the transaction id. */
    public static final String TX_ID = "tx.id";
    /** String: INSTALL, UPDATE, UNINSTALL, ROLLBACK. */
    public static final String OPERATION = "operation";
    /** String: the deployment package's symbolic name. */
    public static final String PACKAGE = "package";
    /** String: the version installed before, empty if none. */
    public static final String FROM_VERSION = "from.version";
    /** String: the version requested, empty for an uninstall. */
    public static final String TO_VERSION = "to.version";
    /** String[]: symbolic names of the package's bundles after a committed deployment (empty otherwise). */
    public static final String BUNDLES = "bundles";
    /** String: who asked. */
    public static final String REQUESTED_BY = "requested.by";
    /** Integer: the Deployment Admin error code, -1 when committed. */
    public static final String CODE = "code";
    /** String: what happened. */
    public static final String MESSAGE = "message";
    /** Long: epoch milliseconds. */
    public static final String TIMESTAMP = "timestamp";

    private DeploymentEvents() {
    }
}
