package io.vigil.models.internal;

import java.util.Arrays;
import java.util.List;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.annotations.SerializedName;

import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.model.TensorSpec;
import io.vigil.api.model.TensorType;

/**
 * The JSON descriptor a model bundle carries beside its .onnx file (the arrays that do not fit in a manifest
 * header): graph interface, features with their normalisation, threshold, and an example input with the
 * output the trained model gave for it.
 */
final class DescriptorFile {

    static final class Spec {
        String name;
        String type;
        long[] shape;
    }

    static final class Example {
        double[][] input;
        double[][] output;
    }

    String name;
    String version;
    String task;
    Spec input;
    Spec output;
    /** Which column of a [batch, k] output is the score; 0 for a [batch] or [batch, 1] output. */
    @SerializedName("score_column")
    int scoreColumn;
    List<String> features;
    @SerializedName("feature_mean")
    double[] featureMean;
    @SerializedName("feature_scale")
    double[] featureScale;
    double threshold = Double.NaN;
    Example example;

    static DescriptorFile parse(String json) {
        DescriptorFile d;
        try {
            d = new Gson().fromJson(json, DescriptorFile.class);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("descriptor is not valid JSON: " + e.getMessage(), e);
        }
        if (d == null) {
            throw new IllegalArgumentException("descriptor is empty");
        }
        d.check();
        return d;
    }

    private void check() {
        for (Object[] field : new Object[][] { { "name", name }, { "version", version }, { "task", task },
                { "input", input }, { "output", output }, { "features", features },
                { "feature_mean", featureMean }, { "feature_scale", featureScale }, { "example", example } }) {
            if (field[1] == null) {
                throw new IllegalArgumentException("descriptor lacks '" + field[0] + "'");
            }
        }
        if (example.input == null || example.output == null || example.input.length == 0
                || example.input.length != example.output.length) {
            throw new IllegalArgumentException("descriptor's example needs as many input rows as output rows, "
                    + "at least one");
        }
        for (double[] row : example.input) {
            if (row.length != features.size()) {
                throw new IllegalArgumentException("descriptor's example rows have " + row.length + " values for "
                        + features.size() + " features");
            }
        }
    }

    ModelDescriptor toDescriptor() {
        return new ModelDescriptor(name, version, task, spec(input, "input"), spec(output, "output"), features,
                featureMean, featureScale, threshold);
    }

    private static TensorSpec spec(Spec s, String what) {
        if (s.name == null || s.type == null || s.shape == null) {
            throw new IllegalArgumentException("descriptor's " + what + " needs name, type and shape");
        }
        TensorType type;
        try {
            type = TensorType.valueOf(s.type);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("descriptor's " + what + " type '" + s.type + "' is not one of "
                    + Arrays.toString(TensorType.values()), e);
        }
        return new TensorSpec(s.name, type, s.shape);
    }
}
