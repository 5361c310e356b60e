package io.vigil.deploy.internal.rest;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = DeployServlet.PID, name = "Vigil deployment REST API",
        description = "Installs deployment packages over REST, from an http, https or file URL with its SHA-256, or "
                + "uploaded as the request body.")
public @interface DeployRestConfig {

    @AttributeDefinition(name = "Local package directories", description = "file: URLs are accepted only for files "
            + "under these directories; none by default, so the API cannot be made to read (or fingerprint) any file "
            + "the gateway can read. Uploads and http(s) URLs are not affected.")
    String[] file_dirs() default {};

    @AttributeDefinition(name = "Largest package (MiB)", description = "Downloads and uploads larger than this are "
            + "refused (413) before they fill the disk.")
    long max_package_mib() default 256;

    @AttributeDefinition(name = "Connect timeout (s)", description = "How long a download waits for the server to "
            + "accept the connection.")
    int connect_timeout_seconds() default 10;

    @AttributeDefinition(name = "Read timeout (s)", description = "How long a download's connection may stay silent "
            + "before it counts as broken off.")
    int read_timeout_seconds() default 30;

    @AttributeDefinition(name = "Connections per download", description = "A transfer that breaks off after making "
            + "progress is resumed (HTTP Range) on a new connection, up to this many connections in all.")
    int download_connections() default 5;

    @AttributeDefinition(name = "Pause before resuming (ms)", description = "Wait this long before resuming a broken "
            + "transfer, so a flapping uplink has a moment to come back.")
    int resume_delay_millis() default 1000;
}
