package io.vigil.api.feature;

import java.util.List;
import java.util.Objects;

/**
 * Named features of one window, in the extractor's order. The values array belongs to the vector: consumers read
 * it and never modify it. A detector's baseline is tied to the names; when they change (an extractor
 * reconfigured or updated), the baseline must be learned again.
 *
 * @param names feature names, e.g. {@code rms}, {@code kurtosis}, {@code band_2}
 * @param values feature values, one per name
 */
public record FeatureVector(List<String> names, double[] values) {

    public FeatureVector {
        names = List.copyOf(names);
        Objects.requireNonNull(values, "values");
        if (names.size() != values.length) {
            throw new IllegalArgumentException(names.size() + " feature names but " + values.length + " values");
        }
    }

    /** @return the value of the named feature */
    public double get(String name) {
        int i = names.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no feature '" + name + "'; features are " + names);
        }
        return values[i];
    }
}
