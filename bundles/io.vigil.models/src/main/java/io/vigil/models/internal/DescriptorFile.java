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
        /** On the output: which column of a [batch, k] output is the score; 0 for [batch] or [batch, 1]. */
        @SerializedName("score_index")
        int scoreIndex;
    }

    /** One normalised input row and the output the trained model gave for it. */
    static final class Example {
        double[] input;
        @SerializedName("expected_output")
        double[] expectedOutput;
    }

    String name;
    String version;
    String task;
    Spec input;
    Spec output;
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
        if (example.input == null || example.expectedOutput == null) {
            throw new IllegalArgumentException("descriptor's example needs 'input' and 'expected_output'");
        }
        if (example.input.length != features.size()) {
            throw new IllegalArgumentException("descriptor's example input has " + example.input.length
                    + " values for " + features.size() + " features");
        }
        if (output.scoreIndex < 0 || output.scoreIndex >= Math.max(1, example.expectedOutput.length)) {
            throw new IllegalArgumentException("descriptor's output score_index " + output.scoreIndex
                    + " is outside the example's " + example.expectedOutput.length + " output values");
        }
    }

    int scoreIndex() {
        return output.scoreIndex;
    }

    /** @return the score the trained model gave the example */
    double expectedScore() {
        return example.expectedOutput[output.scoreIndex];
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
