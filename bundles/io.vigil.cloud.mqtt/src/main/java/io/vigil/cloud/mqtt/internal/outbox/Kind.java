package io.vigil.cloud.mqtt.internal.outbox;

/**
 * What a message is, which decides whether the outbox may drop it when it is full. The code is what the record
 * on disk carries: never renumber a constant.
 */
public enum Kind {
    /** An alert: never dropped by the overflow policy. */
    ALERT(0, false),
    /** Birth, disconnect and last-will certificates, deployment and shadow lifecycle: never dropped. */
    LIFECYCLE(1, false),
    /** Events other than alerts (e.g. a model swap report): dropped on overflow like data. */
    EVENT(2, true),
    /** Periodic asset metrics and other data: dropped on overflow. */
    DATA(3, true);

    final int code;
    final boolean droppable;

    Kind(int code, boolean droppable) {
        this.code = code;
        this.droppable = droppable;
    }

    /** Whether the overflow policy may drop messages of this kind to make room. */
    public boolean droppable() {
        return droppable;
    }

    private static final Kind[] BY_CODE = {ALERT, LIFECYCLE, EVENT, DATA};

    /** The kind stored as {@code code}, or null for a code no version of the format has written. */
    static Kind ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
