package io.vigil.cloud.mqtt.internal.remote;

import java.util.Objects;
import java.util.Set;

/**
 * What the {@link RequestDispatcher} needs to know of the connection's configuration.
 *
 * @param account the Kura account (topic namespace) of the gateway
 * @param clientId the gateway's MQTT client id; requests are addressed to it
 * @param allowedRequesters the {@code requester.client.id}s whose requests are carried out (configuration key
 *        {@code remote.allowed.requesters}); an empty set refuses everybody, so remote management is off until a
 *        requester is named
 * @param maxRequestBytes the largest request payload decoded, before and after gunzip; larger ones are refused
 *        (413) without being decoded
 */
public record RemoteConfig(String account, String clientId, Set<String> allowedRequesters, int maxRequestBytes) {

    /** The configuration key that names the allowed requesters, for log messages that tell how to allow one. */
    public static final String ALLOWED_REQUESTERS_KEY = "remote.allowed.requesters";

    public RemoteConfig {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(clientId, "clientId");
        allowedRequesters = Set.copyOf(Objects.requireNonNull(allowedRequesters, "allowedRequesters"));
        if (maxRequestBytes <= 0) {
            throw new IllegalArgumentException("maxRequestBytes must be positive, was " + maxRequestBytes
                    + "; a request is a few hundred bytes, 65536 leaves plenty of room");
        }
    }
}
