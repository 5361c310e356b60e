/**
 * Alerts (raised/cleared), the sinks they are delivered to and the local alert journal.
 */
@Export
@Version("1.0.0")
package io.vigil.api.alert;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
