package io.vigil.models.internal;

import java.util.List;
import java.util.Optional;

import io.vigil.api.model.InferenceEngine;
import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.model.ModelException;
import io.vigil.api.model.ModelSession;
import io.vigil.api.model.SessionOptions;
import io.vigil.api.model.TensorSpec;

/**
 * Loads a model bundle's files into a session and validates them before anything is registered: the header
 * agrees with the descriptor, the session loads, the declared input and output exist in the graph with the
 * declared types and shapes, and the example input reproduces the example output.
 */
final class ModelLoader {

    /** Absolute tolerance on the example output: float32 graphs round in the 7th digit. */
    static final double EXAMPLE_TOLERANCE = 1e-4;

    /** Why a model bundle was not registered; the message names the bundle and the problem. */
    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        Rejected(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final InferenceEngine engine;
    private final SessionOptions options;

    ModelLoader(InferenceEngine engine, SessionOptions options) {
        this.engine = engine;
        this.options = options;
    }

    /**
     * @param source names the bundle in messages, e.g. {@code io.vigil.model.bearing.v1 1.0.0 [42]}
     * @param descriptorJson the descriptor's text, or empty when the bundle lacks the file
     * @param model the .onnx bytes, or empty when the bundle lacks the file
     */
    LoadedModel load(String source, ModelHeader header, Optional<String> descriptorJson, Optional<byte[]> model)
            throws Rejected {
        DescriptorFile file;
        ModelDescriptor descriptor;
        try {
            file = DescriptorFile.parse(descriptorJson.orElseThrow(() -> new IllegalArgumentException(
                    "the descriptor " + header.descriptor() + " named in the Vigil-Model header is not in the bundle")));
            descriptor = file.toDescriptor();
        } catch (IllegalArgumentException e) {
            throw new Rejected(source + ": " + e.getMessage(), e);
        }
        if (!descriptor.name().equals(header.name()) || !descriptor.version().equals(header.version())) {
            throw new Rejected(source + ": the Vigil-Model header declares " + header.name() + ":" + header.version()
                    + " but the descriptor " + header.descriptor() + " says " + descriptor.id(), null);
        }
        byte[] bytes = model.orElseThrow(() -> new Rejected(source + ": the model file " + header.model()
                + " named in the Vigil-Model header is not in the bundle", null));
        ModelSession session;
        try {
            session = engine.open(bytes, source + "!/" + header.model(), options);
        } catch (ModelException e) {
            throw new Rejected(source + ": " + header.model() + " does not load: " + e.getMessage(), e);
        }
        LoadedModel loaded = new LoadedModel(descriptor, session, source, file.scoreIndex());
        try {
            check(source, "input", descriptor.input(), session.inputs());
            check(source, "output", descriptor.output(), session.outputs());
            long declaredFeatures = descriptor.input().shape()[descriptor.input().shape().length - 1];
            if (declaredFeatures != descriptor.features().size()) {
                throw new Rejected(source + ": input " + descriptor.input() + " takes " + declaredFeatures
                        + " features but the descriptor lists " + descriptor.features().size(), null);
            }
            double got;
            try {
                got = loaded.scoreNormalised(new double[][] { file.example.input })[0];
            } catch (ModelException e) {
                throw new Rejected(source + ": the example input does not run: " + e.getMessage(), e);
            }
            double expected = file.expectedScore();
            if (!(Math.abs(got - expected) <= EXAMPLE_TOLERANCE)) {
                throw new Rejected(source + ": the example input gives score " + got + " but the descriptor expects "
                        + expected + " (tolerance " + EXAMPLE_TOLERANCE + "); the .onnx file and the descriptor "
                        + "do not belong together", null);
            }
            return loaded;
        } catch (Rejected | RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    private static void check(String source, String what, TensorSpec declared, List<TensorSpec> graph)
            throws Rejected {
        TensorSpec actual = graph.stream().filter(s -> s.name().equals(declared.name())).findFirst()
                .orElseThrow(() -> new Rejected(source + ": declared " + what + " '" + declared.name()
                        + "' is not in the graph, whose " + what + "s are " + graph, null));
        if (actual.type() != declared.type() || !shapesAgree(declared.shape(), actual.shape())) {
            throw new Rejected(source + ": declared " + what + " " + declared + " does not match the graph's "
                    + actual, null);
        }
    }

    /** Same rank, and every dimension equal or dynamic (-1) on either side. */
    static boolean shapesAgree(long[] a, long[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i] && a[i] >= 0 && b[i] >= 0) {
                return false;
            }
        }
        return true;
    }
}
