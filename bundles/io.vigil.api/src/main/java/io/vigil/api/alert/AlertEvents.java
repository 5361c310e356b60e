package io.vigil.api.alert;

/** EventAdmin topics and property names of alert events ({@code vigil/alert/RAISED}, {@code vigil/alert/CLEARED}). */
public final class AlertEvents {

    /** Topic prefix; the alert state follows it. Subscribe to {@code vigil/alert/*} for both. */
    public static final String TOPIC_PREFIX = "vigil/alert/";
    public static final String TOPIC_RAISED = TOPIC_PREFIX + AlertState.RAISED;
    public static final String TOPIC_CLEARED = TOPIC_PREFIX + AlertState.CLEARED;

    public static final String ID = "alert.id";
    public static final String ASSET = "asset";
    public static final String CHANNEL = "channel";
    public static final String SOURCE_MODEL = "source.model";
    public static final String SOURCE_VERSION = "source.version";
    public static final String SEVERITY = "severity";
    public static final String STATE = "state";
    public static final String SCORE = "score";
    public static final String THRESHOLD = "threshold";
    public static final String RAISED_AT = "raised.at";
    public static final String TIMESTAMP = "timestamp";
    public static final String WINDOW_SEQ = "window.seq";
    public static final String MESSAGE = "message";

    private AlertEvents() {
    }
}
