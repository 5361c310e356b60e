/**
 * Sensor drivers: a driver emits timestamped blocks of samples per asset and channel to the listeners that subscribe to it.
 */
@Export
@Version("1.0.0")
package io.vigil.api.sensor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
