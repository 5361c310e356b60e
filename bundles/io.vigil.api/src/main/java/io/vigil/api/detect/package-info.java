/**
 * Per-window detection results from tier-0 detectors (and, later, tier-1 models).
 */
@Export
@Version("1.0.0")
package io.vigil.api.detect;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
