/**
 * Windows of samples and the feature vectors extracted from them.
 */
@Export
@Version("1.0.0")
package io.vigil.api.feature;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
