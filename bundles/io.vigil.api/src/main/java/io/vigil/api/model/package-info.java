/**
 * Inference: engines that load models (ONNX) into sessions, and the typed tensors sessions consume and produce.
 */
@Export
@Version("1.0.0")
package io.vigil.api.model;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
