package io.vigil.api.detect;

import java.util.Objects;

/**
 * Identifies what scored a window: the built-in tier-0 detector or a model.
 *
 * @param name model name, e.g. {@code tier0} or {@code bearing-fault}
 * @param version model version, OSGi version syntax
 */
public record ModelRef(String name, String version) {

    public ModelRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
    }

    @Override
    public String toString() {
        return name + ":" + version;
    }
}
