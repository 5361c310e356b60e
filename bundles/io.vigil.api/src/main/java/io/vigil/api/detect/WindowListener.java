package io.vigil.api.detect;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service told of every scored window of every asset, once, after its final verdict reached the alert
 * state machine. Called on the pipeline's thread, in window order per channel: hand the work to a thread of
 * your own and return at once. A listener that throws is logged and skipped; it cannot stop the pipeline.
 */
@ConsumerType
public interface WindowListener {
    void onWindow(ScoredWindow window);
}
