/**
 * Per-asset pipeline status and input-quality metrics.
 */
@Export
@Version("1.0.0")
package io.vigil.api.asset;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
