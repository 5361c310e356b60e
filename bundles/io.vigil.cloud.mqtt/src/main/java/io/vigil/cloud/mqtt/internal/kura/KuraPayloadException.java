package io.vigil.cloud.mqtt.internal.kura;

/**
 * A payload that is not a valid kurapayload. The message says what was wrong and where; remote management
 * answers such a request with 400 and this message, and executes nothing.
 */
public final class KuraPayloadException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What was wrong, for callers that react differently (all of them are a 400 to a requester). */
    public enum Problem {
        /** A field, length or varint runs past the end of the payload or of its enclosing message. */
        TRUNCATED,
        /** A varint longer than 10 bytes. */
        MALFORMED_VARINT,
        /** Field number 0, or wire type 6 or 7, or an end-group without its start. */
        INVALID_TAG,
        /** A field kurapayload defines, sent with a wire type that does not match its definition. */
        WRONG_WIRE_TYPE,
        /** A required field (metric name or type, position latitude or longitude) is absent. */
        MISSING_REQUIRED_FIELD,
        /** A metric type number outside kurapayload's DOUBLE..BYTES (0..6). */
        UNKNOWN_METRIC_TYPE,
        /** A metric whose value field for its declared type is absent. */
        MISSING_METRIC_VALUE,
        /** Two metrics with the same name. */
        DUPLICATE_METRIC,
        /** A string field that is not valid UTF-8. */
        INVALID_UTF8,
        /** The payload, or the payload after gunzip, is larger than the configured limit. */
        OVERSIZE,
        /** The payload starts with the gzip magic but is not a valid gzip stream. */
        BAD_GZIP
    }

    private final Problem problem;
    private final long offset;
    private final boolean gunzipped;

    KuraPayloadException(Problem problem, long offset, boolean gunzipped, String detail) {
        super("malformed kurapayload at byte " + offset + (gunzipped ? " of the gunzipped payload" : "") + ": "
                + detail + " [" + problem + "]");
        this.problem = problem;
        this.offset = offset;
        this.gunzipped = gunzipped;
    }

    public Problem problem() {
        return problem;
    }

    /**
     * @return where the problem was found: the byte offset of the offending field's tag (or of the value, when
     *         the tag was fine), counted in the gunzipped payload when {@link #gunzipped()}
     */
    public long offset() {
        return offset;
    }

    /** @return whether the payload was gzip-compressed, so {@link #offset()} counts bytes after gunzip */
    public boolean gunzipped() {
        return gunzipped;
    }
}
