package io.vigil.api.shadow;

/**
 * EventAdmin topics and property names of shadow lifecycle events: {@code vigil/shadow/STARTED}, {@code READY},
 * {@code REJECTED}, {@code PROMOTED}, {@code STOPPED}, {@code ROLLED_BACK}. Subscribe to {@code vigil/shadow/*} for
 * all of them.
 */
public final class ShadowEvents {

    public static final String TOPIC_PREFIX = "vigil/shadow/";
    public static final String TOPIC_STARTED = TOPIC_PREFIX + "STARTED";
    public static final String TOPIC_READY = TOPIC_PREFIX + ShadowState.READY;
    public static final String TOPIC_REJECTED = TOPIC_PREFIX + ShadowState.REJECTED;
    public static final String TOPIC_PROMOTED = TOPIC_PREFIX + ShadowState.PROMOTED;
    public static final String TOPIC_STOPPED = TOPIC_PREFIX + ShadowState.STOPPED;
    /** {@code vigil/shadow/ROLLED_BACK}: a promotion was undone; the reason names the operator and the target. */
    public static final String TOPIC_ROLLED_BACK = TOPIC_PREFIX + ShadowState.ROLLED_BACK;

    /** String: the asset id. */
    public static final String ASSET = "asset";
    /** String: the candidate, {@code name:version}. */
    public static final String CANDIDATE = "candidate";
    /** String: the live tier-1 model of the latest compared window, {@code name:version}; empty before one. */
    public static final String LIVE = "live";
    /** String: the state after the event. */
    public static final String STATE = "state";
    /** String: why (failed criteria, operator's reason, what went away); empty when there is nothing to say. */
    public static final String REASON = "reason";
    /** String[]: the gate criteria that failed. */
    public static final String FAILED_CRITERIA = "failed.criteria";
    /** Long: windows compared so far. */
    public static final String WINDOWS_COMPARED = "windows.compared";
    /** Double: fraction of compared windows on which both models decided alike. */
    public static final String AGREEMENT = "agreement";
    /** Long: epoch milliseconds of the event. */
    public static final String TIMESTAMP = "timestamp";

    private ShadowEvents() {
    }
}
