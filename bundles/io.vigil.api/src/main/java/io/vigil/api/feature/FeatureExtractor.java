package io.vigil.api.feature;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

import io.vigil.api.sensor.ChannelKind;

/**
 * Computes features of windows of one {@link ChannelKind}. Registered as a service with the {@value #KIND}
 * property; implementations are thread-safe and keep no per-window state.
 */
@ProviderType
public interface FeatureExtractor {

    /** Service property: the {@link ChannelKind} name the extractor handles. */
    String KIND = "vigil.channel.kind";

    /** @return the channel kind handled */
    ChannelKind kind();

    /** @return the names of the features {@link #extract} returns for a window of {@code windowSize} samples */
    List<String> featureNames(int windowSize, double sampleRateHz);

    /** @return the features of {@code window} */
    FeatureVector extract(Window window);
}
