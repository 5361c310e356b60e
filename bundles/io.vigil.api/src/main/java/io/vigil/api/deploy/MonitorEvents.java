package io.vigil.api.deploy;

/**
 * EventAdmin topics and properties of the post-deployment monitor, one event per asset and transition:
 * {@code vigil/deploy/monitor/STARTED}, {@code PENDING_REVIEW}, {@code ROLLED_BACK}, {@code OK}, {@code KEPT},
 * {@code SUPERSEDED}, {@code NO_BASELINE}. Subscribe to {@code vigil/deploy/monitor/*} for all of them. They lie
 * below {@code vigil/deploy/}, so a {@code vigil/deploy/*} subscriber receives them beside the
 * {@link DeploymentEvents}: tell them apart by topic.
 */
public final class MonitorEvents {

    public static final String TOPIC_PREFIX = DeploymentEvents.TOPIC_PREFIX + "monitor/";
    /** A watch started: the asset's alert rate is compared with its baseline from now on. */
    public static final String TOPIC_STARTED = TOPIC_PREFIX + "STARTED";
    public static final String TOPIC_PENDING_REVIEW = TOPIC_PREFIX + DeploymentWatch.State.PENDING_REVIEW;
    public static final String TOPIC_ROLLED_BACK = TOPIC_PREFIX + DeploymentWatch.State.ROLLED_BACK;
    public static final String TOPIC_OK = TOPIC_PREFIX + DeploymentWatch.State.OK;
    public static final String TOPIC_KEPT = TOPIC_PREFIX + DeploymentWatch.State.KEPT;
    public static final String TOPIC_SUPERSEDED = TOPIC_PREFIX + DeploymentWatch.State.SUPERSEDED;
    public static final String TOPIC_NO_BASELINE = TOPIC_PREFIX + DeploymentWatch.State.NO_BASELINE;

    /** String: the watch's id, {@code <transaction id>/<asset>}. */
    public static final String WATCH_ID = "watch.id";
    /** String: the deployment's transaction id (as in {@link DeploymentEvents#TX_ID}). */
    public static final String TX_ID = DeploymentEvents.TX_ID;
    /** String: the deployment package. */
    public static final String PACKAGE = DeploymentEvents.PACKAGE;
    /** String: the asset. */
    public static final String ASSET = "asset";
    /** String: INSTALL, UPDATE or ROLLBACK. */
    public static final String OPERATION = DeploymentEvents.OPERATION;
    /** String: the package version before the deployment, empty for an install. */
    public static final String FROM_VERSION = DeploymentEvents.FROM_VERSION;
    /** String: the package version the deployment installed. */
    public static final String TO_VERSION = DeploymentEvents.TO_VERSION;
    /** String: the watch's state after the event. */
    public static final String STATE = "state";
    /** String: why, in a sentence. */
    public static final String REASON = "reason";
    /** String: NONE, INCREASE or DECREASE. */
    public static final String SIGNAL = "signal";
    /** Double: the baseline's anomalous-window rate. */
    public static final String BASELINE_RATE = "baseline.rate";
    /** Double: the anomalous-window rate since the deployment (NaN before the first window). */
    public static final String OBSERVED_RATE = "observed.rate";
    /** Long: windows since the deployment. */
    public static final String WINDOWS_OBSERVED = "windows.observed";
    /** Double: the statistic of the CUSUM that signalled, or the larger one relative to its threshold. */
    public static final String CUSUM = "cusum";
    /** Double: that CUSUM's threshold. */
    public static final String THRESHOLD = "threshold";
    /** String: who kept or rolled back, empty otherwise. */
    public static final String DECIDED_BY = "decided.by";
    /** Long: epoch milliseconds of the event. */
    public static final String TIMESTAMP = "timestamp";

    private MonitorEvents() {
    }
}
