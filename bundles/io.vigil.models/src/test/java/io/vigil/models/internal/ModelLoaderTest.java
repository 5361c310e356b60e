package io.vigil.models.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigil.api.feature.FeatureVector;
import io.vigil.api.model.ModelException;
import io.vigil.inference.onnx.internal.OnnxEngine;

/** Validation of real model files (the reference models) through the real ONNX engine, and each way it fails. */
class ModelLoaderTest {

    private static final Path V1 = Path.of("../../models/bearing-fault-1.0.0");
    private static final Path V2 = Path.of("../../models/bearing-fault-2.0.0");
    private static final ModelHeader HEADER = new ModelHeader("bearing-fault", "1.0.0", "model/model.onnx",
            "model/descriptor.json");
    private static final String SOURCE = "io.vigil.model.test 1.0.0 [7]";

    @TempDir
    static Path natives;
    private static OnnxEngine engine;
    private static ModelLoader loader;

    static final class EngineConfig implements OnnxEngine.Config {
        @Override public Class<? extends Annotation> annotationType() { return OnnxEngine.Config.class; }
        @Override public int intra_op_threads() { return 1; }
        @Override public int inter_op_threads() { return 1; }
        @Override public boolean graph_optimization() { return true; }
        @Override public String native_dir() { return ""; }
    }

    @BeforeAll
    static void engine() {
        engine = OnnxEngine.standalone(new EngineConfig(), natives);
        loader = new ModelLoader(engine, null);
    }

    @AfterAll
    static void noSessionLeft() {
        assertEquals(0, engine.openSessions(), "every session the tests opened or the loader rejected is closed");
    }

    private static Optional<String> descriptor(Path dir) throws IOException {
        return Optional.of(Files.readString(dir.resolve("descriptor.json")));
    }

    private static Optional<byte[]> model(Path dir) throws IOException {
        return Optional.of(Files.readAllBytes(dir.resolve("model.onnx")));
    }

    private static String rejection(Optional<String> descriptor, Optional<byte[]> model, ModelHeader header) {
        ModelLoader.Rejected e = assertThrows(ModelLoader.Rejected.class,
                () -> loader.load(SOURCE, header, descriptor, model));
        assertTrue(e.getMessage().startsWith(SOURCE), "the message names the bundle: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void referenceModelLoadsAndScoresRawFeatures() throws Exception {
        try (LoadedModel m = loader.load(SOURCE, HEADER, descriptor(V1), model(V1))) {
            List<String> names = m.descriptor().features();
            // a window whose raw features equal the training means is the all-zero standardised row
            FeatureVector atMean = new FeatureVector(names, m.descriptor().featureMean());
            double[] viaFeatures = m.score(List.of(atMean, atMean));
            double[] viaRows = m.scoreNormalised(new double[][] { new double[names.size()] });
            assertEquals(2, viaFeatures.length);
            assertEquals(viaRows[0], viaFeatures[0], 1e-6);
            assertTrue(viaFeatures[0] >= 0 && viaFeatures[0] <= 1, "a probability: " + viaFeatures[0]);
        }
    }

    @Test
    void featuresAreMatchedByNameNotPosition() throws Exception {
        try (LoadedModel m = loader.load(SOURCE, HEADER, descriptor(V1), model(V1))) {
            List<String> names = m.descriptor().features();
            double[] values = m.descriptor().featureMean();
            values[0] += 3 * m.descriptor().featureScale()[0];
            FeatureVector ordered = new FeatureVector(names, values);
            List<String> reversedNames = new java.util.ArrayList<>(names);
            java.util.Collections.reverse(reversedNames);
            double[] reversedValues = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                reversedValues[i] = values[values.length - 1 - i];
            }
            assertArrayEquals(m.score(List.of(ordered)), m.score(List.of(new FeatureVector(reversedNames,
                    reversedValues))), 1e-9);
        }
    }

    @Test
    void windowWithoutAModelFeatureIsABadInput() throws Exception {
        try (LoadedModel m = loader.load(SOURCE, HEADER, descriptor(V1), model(V1))) {
            ModelException e = assertThrows(ModelException.class,
                    () -> m.score(List.of(new FeatureVector(List.of("rms"), new double[] { 1 }))));
            assertEquals(ModelException.Reason.BAD_INPUT, e.reason());
            assertTrue(e.getMessage().contains("peak"), e.getMessage());
        }
    }

    @Test
    void corruptModelIsRejected() throws Exception {
        byte[] garbage = "this is not a protobuf".getBytes();
        String m = rejection(descriptor(V1), Optional.of(garbage), HEADER);
        assertTrue(m.contains("does not load"), m);
    }

    @Test
    void truncatedModelIsRejected() throws Exception {
        byte[] bytes = model(V1).orElseThrow();
        String m = rejection(descriptor(V1), Optional.of(Arrays.copyOf(bytes, bytes.length / 2)), HEADER);
        assertTrue(m.contains("does not load"), m);
    }

    @Test
    void descriptorNotMatchingTheGraphIsRejected() throws Exception {
        // v2's descriptor (9 features) over v1's graph (13 inputs)
        String m = rejection(Optional.of(descriptor(V2).orElseThrow().replace("\"2.0.0\"", "\"1.0.0\"")),
                model(V1), HEADER);
        assertTrue(m.contains("does not match the graph"), m);
    }

    @Test
    void inputNameNotInTheGraphIsRejected() throws Exception {
        String renamed = descriptor(V1).orElseThrow().replaceFirst("\"name\": \"input\"", "\"name\": \"features\"");
        String m = rejection(Optional.of(renamed), model(V1), HEADER);
        assertTrue(m.contains("'features' is not in the graph"), m);
    }

    @Test
    void exampleThatTheGraphDoesNotReproduceIsRejected() throws Exception {
        // v1's graph with v1's descriptor whose expected fault probability was tampered with
        String d = descriptor(V1).orElseThrow();
        String tampered = d.replaceFirst("\"expected_output\": \\[\\s*([0-9.eE-]+),\\s*([0-9.eE-]+)\\s*\\]",
                "\"expected_output\": [0.25, 0.75]");
        assertTrue(!tampered.equals(d), "the test found the example to tamper with");
        String m = rejection(Optional.of(tampered), model(V1), HEADER);
        assertTrue(m.contains("do not belong together"), m);
    }

    @Test
    void headerAndDescriptorDisagreeingIsRejected() throws Exception {
        String m = rejection(descriptor(V1), model(V1),
                new ModelHeader("bearing-fault", "1.0.1", "model/model.onnx", "model/descriptor.json"));
        assertTrue(m.contains("1.0.1") && m.contains("bearing-fault:1.0.0"), m);
    }

    @Test
    void missingFilesAreNamed() throws Exception {
        String m = rejection(Optional.empty(), model(V1), HEADER);
        assertTrue(m.contains("model/descriptor.json"), m);
        m = rejection(descriptor(V1), Optional.empty(), HEADER);
        assertTrue(m.contains("model/model.onnx"), m);
    }
}
