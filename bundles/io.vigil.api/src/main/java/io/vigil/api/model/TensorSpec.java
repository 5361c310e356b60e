package io.vigil.api.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named input or output of a model.
 *
 * @param name the name in the graph
 * @param type element type
 * @param shape dimensions; -1 marks a dimension fixed only at run time (a batch)
 */
public record TensorSpec(String name, TensorType type, long[] shape) {

    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + ":" + type + Arrays.toString(shape);
    }
}
