package io.vigil.api.model;

import java.util.List;
import java.util.Objects;

/**
 * What a model bundle declares about its model: identity, graph interface, the features it expects and how to
 * normalise them, and its decision threshold.
 *
 * @param name model name, shared by its versions (e.g. {@code bearing-fault})
 * @param version model version, OSGi syntax
 * @param task what the model computes (e.g. {@code binary-fault-score})
 * @param input the graph input fed with the normalised features, shape [-1, features]
 * @param output the graph output holding one score per row
 * @param features names of the features the model expects, in input order (see FeatureVector names)
 * @param featureMean subtracted from each feature before it is fed
 * @param featureScale each feature is divided by it after the mean is subtracted; all &gt; 0
 * @param threshold a score above it is anomalous (a fault)
 */
public record ModelDescriptor(String name, String version, String task, TensorSpec input, TensorSpec output,
        List<String> features, double[] featureMean, double[] featureScale, double threshold) {

    public ModelDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        features = List.copyOf(features);
        featureMean = featureMean.clone();
        featureScale = featureScale.clone();
        if (featureMean.length != features.size() || featureScale.length != features.size()) {
            throw new IllegalArgumentException("model " + name + " " + version + ": " + features.size()
                    + " features but " + featureMean.length + " means and " + featureScale.length + " scales");
        }
        for (int i = 0; i < featureScale.length; i++) {
            if (!(featureScale[i] > 0) || Double.isInfinite(featureScale[i])) {
                throw new IllegalArgumentException("model " + name + " " + version + ": scale of feature "
                        + features.get(i) + " must be a positive finite number, was " + featureScale[i]);
            }
        }
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("model " + name + " " + version + ": threshold must be finite, was "
                    + threshold);
        }
    }

    @Override
    public double[] featureMean() {
        return featureMean.clone();
    }

    @Override
    public double[] featureScale() {
        return featureScale.clone();
    }

    /** @return {@code name:version} */
    public String id() {
        return name + ":" + version;
    }
}
