/**
 * Per-window detection results from the tier-0 detector and tier-1 models, and the whiteboards that receive
 * them.
 */
@Export
@Version("1.0.0")
package io.vigil.api.detect;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
