package io.vigil.api.detect;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service told of every window's verdict (metrics, shadow comparison, monitoring). Called on the
 * pipeline thread after the alert state machine: return quickly, never block.
 */
@ConsumerType
public interface DetectionListener {
    void onDetection(Detection detection);
}
