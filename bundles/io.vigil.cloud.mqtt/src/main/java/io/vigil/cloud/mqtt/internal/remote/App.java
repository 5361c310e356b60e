package io.vigil.cloud.mqtt.internal.remote;

/** One remote-management app: answers the requests addressed to its app id, on a dispatcher thread. */
@FunctionalInterface
interface App {

    /**
     * @return the reply to send with code 200
     * @throws Refusal the error reply to send; nothing was changed
     */
    Reply handle(Request request) throws Refusal;

    /** @return the resources after the first, joined by {@code /}, for messages */
    static String unknownResource(Request r, String usage) {
        return "no resource '" + (r.resources().isEmpty() ? "" : r.topic().resource()) + "' in "
                + r.topic().appId() + "; " + usage;
    }
}
