/**
 * Shadow mode: a candidate model scores an asset's live windows beside the live model, off the live path, and a
 * promotion gate decides from the comparison whether it may replace it.
 */
@Export
@Version("1.0.0")
package io.vigil.api.shadow;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
