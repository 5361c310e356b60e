package io.vigil.models.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.model.TensorType;

class DescriptorFileTest {

    static final String GOOD = """
            {"name": "bearing-fault", "version": "1.0.0", "task": "binary-fault-score",
             "input": {"name": "input", "type": "FLOAT", "shape": [-1, 2]},
             "output": {"name": "probability", "type": "FLOAT", "shape": [-1, 2], "score_index": 1},
             "features": ["rms", "kurtosis"], "feature_mean": [0.1, 3.0], "feature_scale": [0.05, 1.0],
             "threshold": 0.5,
             "example": {"input": [0.0, 1.0], "expected_output": [0.3, 0.7]}}
            """;

    @Test
    void readsEveryField() {
        DescriptorFile f = DescriptorFile.parse(GOOD);
        ModelDescriptor d = f.toDescriptor();
        assertEquals("bearing-fault:1.0.0", d.id());
        assertEquals(TensorType.FLOAT, d.input().type());
        assertEquals(2, d.input().shape()[1]);
        assertEquals(1, f.scoreIndex());
        assertEquals(0.7, f.expectedScore());
        assertEquals(0.5, d.threshold());
        assertEquals(3.0, d.featureMean()[1]);
    }

    @Test
    void readsTheReferenceModelsDescriptors() throws java.io.IOException {
        for (String version : new String[] { "1.0.0", "2.0.0" }) {
            java.nio.file.Path file = java.nio.file.Path.of("../../models/bearing-fault-" + version,
                    "descriptor.json");
            DescriptorFile f = DescriptorFile.parse(java.nio.file.Files.readString(file));
            ModelDescriptor d = f.toDescriptor();
            assertEquals("bearing-fault:" + version, d.id());
            assertEquals(d.features().size(), d.input().shape()[1]);
            assertEquals(1, f.scoreIndex(), "column 1 of [normal, fault] is the fault probability");
        }
    }

    @Test
    void missingFieldIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DescriptorFile.parse(GOOD.replace("\"feature_scale\": [0.05, 1.0],", "")));
        assertTrue(e.getMessage().contains("feature_scale"), e.getMessage());
    }

    @Test
    void nonPositiveScaleIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DescriptorFile.parse(GOOD.replace("[0.05, 1.0]", "[0.05, 0.0]")).toDescriptor());
        assertTrue(e.getMessage().contains("kurtosis"), e.getMessage());
    }

    @Test
    void unknownTensorTypeListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DescriptorFile.parse(GOOD.replaceFirst("\"FLOAT\"", "\"COMPLEX64\"")).toDescriptor());
        assertTrue(e.getMessage().contains("COMPLEX64") && e.getMessage().contains("FLOAT"), e.getMessage());
    }

    @Test
    void exampleRowsMustMatchTheFeatures() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DescriptorFile.parse(GOOD.replace("[0.0, 1.0]", "[0.0]")));
        assertTrue(e.getMessage().contains("1 values for 2 features"), e.getMessage());
    }

    @Test
    void brokenJsonIsReportedAsSuch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DescriptorFile.parse("{\"name\": "));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }
}
