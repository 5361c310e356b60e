package io.vigil.rest.json;

/** A request that cannot be carried out as sent: the HTTP status, a reason code and a sentence for the client. */
public final class BadRequest extends Exception {

    private static final long serialVersionUID = 1L;
    private final int status;
    private final String reason;

    public BadRequest(int status, String reason, String message) {
        super(message);
        this.status = status;
        this.reason = reason;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }
}
