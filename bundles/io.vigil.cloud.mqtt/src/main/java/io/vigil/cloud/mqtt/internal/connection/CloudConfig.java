package io.vigil.cloud.mqtt.internal.connection;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import io.vigil.cloud.mqtt.internal.outbox.Durability;

@ObjectClassDefinition(id = CloudConnection.PID, name = "Vigil cloud connection (MQTT)",
        description = "Connects the gateway to an MQTT broker in Kura's namespace and payload format. Every "
                + "outbound message is stored in a disk outbox first and leaves it only when the broker "
                + "acknowledges it, so an outage of the uplink, or a restart during one, loses nothing.")
public @interface CloudConfig {

    @AttributeDefinition(name = "Broker URL", description = "tcp://host:port, or ssl://host:port for TLS.")
    String broker_url() default "tcp://127.0.0.1:1883";

    @AttributeDefinition(name = "Client id", description = "MQTT client id and Kura client id (the <client> of "
            + "every topic). Empty: the host name. Letters, digits, '-', '_' and '.' only.")
    String client_id() default "";

    @AttributeDefinition(name = "Account", description = "Kura account name, the first segment of every topic.")
    String account_name() default "vigil";

    @AttributeDefinition(name = "Display name", description = "display_name of the birth certificate. Empty: "
            + "the client id.")
    String display_name() default "";

    @AttributeDefinition(name = "User name", description = "MQTT user name; empty for none.")
    String username() default "";

    @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, description = "MQTT password.")
    String password() default "";

    @AttributeDefinition(name = "TLS trust store", description = "PKCS12 or JKS file with the CA certificates "
            + "that may sign the broker's certificate (ssl:// URLs). Empty: the JVM's default CAs. Relative "
            + "paths are resolved against vigil.home.")
    String trust_store() default "";

    @AttributeDefinition(name = "TLS trust store password", type = AttributeType.PASSWORD)
    String trust_store_password() default "";

    @AttributeDefinition(name = "TLS client key store", description = "PKCS12 or JKS file with the gateway's "
            + "private key and certificate, for brokers that require client certificates. Empty: none.")
    String key_store() default "";

    @AttributeDefinition(name = "TLS client key store password", type = AttributeType.PASSWORD)
    String key_store_password() default "";

    @AttributeDefinition(name = "Verify the broker's host name", description = "Check that the broker's "
            + "certificate names the host of the broker URL. Turn off only for test brokers.")
    boolean tls_hostname_verification() default true;

    @AttributeDefinition(name = "Keep-alive (s)", description = "MQTT keep-alive; a broker that hears nothing "
            + "for 1.5 times this publishes the last will.")
    int keep_alive_seconds() default 30;

    @AttributeDefinition(name = "Connect timeout (s)")
    int connect_timeout_seconds() default 30;

    @AttributeDefinition(name = "First reconnect delay (s)", description = "Delay before the first reconnect "
            + "attempt; each failed attempt doubles it, up to the maximum, with random jitter so that a fleet "
            + "does not reconnect in step after a broker outage.")
    double reconnect_min_delay_seconds() default 1;

    @AttributeDefinition(name = "Maximum reconnect delay (s)")
    double reconnect_max_delay_seconds() default 120;

    @AttributeDefinition(name = "Messages in flight", description = "QoS 1 messages sent and not yet "
            + "acknowledged by the broker, at most.")
    int max_inflight() default 256;

    @AttributeDefinition(name = "Compress payloads", description = "gzip every kurapayload (Kura's "
            + "accept_encoding gzip).")
    boolean gzip() default false;

    @AttributeDefinition(name = "Outbox directory", description = "Where the disk outbox lives. Empty: "
            + "$vigil.data/cloud/outbox (or the bundle's data area).")
    String outbox_dir() default "";

    @AttributeDefinition(name = "Outbox capacity (messages)", description = "When full, the oldest message of "
            + "the lowest priority among data and events is dropped; alerts and lifecycle messages never are.")
    long outbox_capacity_messages() default 1_000_000;

    @AttributeDefinition(name = "Outbox capacity (MiB)")
    long outbox_capacity_mib() default 512;

    @AttributeDefinition(name = "Largest message (KiB)", description = "Topic and payload of one message, at "
            + "most. Larger alerts, events or metrics are not stored (logged, counted); a larger reply is replaced "
            + "by an error reply. Keep it within the broker's packet limit (e.g. 128 KiB on AWS IoT Core): a "
            + "broker drops the connection on a larger packet, and the message would be resent first on every "
            + "reconnect.")
    int max_message_kib() default 128;

    @AttributeDefinition(name = "Outbox durability", description = "WRITE: a message survives a kill of the "
            + "gateway once enqueued and a power cut after the next periodic sync. FSYNC: it is forced to disk "
            + "before enqueue returns (slower).", options = { @Option(label = "WRITE", value = "WRITE"),
                    @Option(label = "FSYNC", value = "FSYNC") })
    Durability outbox_durability() default Durability.WRITE;

    @AttributeDefinition(name = "Asset metrics interval (s)", description = "How often every asset's counters "
            + "are published; 0 publishes none.")
    int metrics_interval_seconds() default 60;

    @AttributeDefinition(name = "Allowed requesters", description = "Kura client ids (requester.client.id) "
            + "whose remote management requests are executed. Empty: none; every request is refused with 403.")
    String[] remote_allowed_requesters() default {};

    @AttributeDefinition(name = "Maximum request size (KiB)", description = "Larger requests are refused with "
            + "413 unread.")
    int remote_max_request_kib() default 64;
}
