package io.vigil.models.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelHeaderTest {

    @Test
    void parsesNameAndAttributes() {
        ModelHeader h = ModelHeader.parse("bearing-fault; version=1.0.0; model=\"model/model.onnx\";"
                + "descriptor=model/descriptor.json");
        assertEquals(new ModelHeader("bearing-fault", "1.0.0", "model/model.onnx", "model/descriptor.json"), h);
    }

    @Test
    void missingAttributeIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelHeader.parse("bearing-fault;version=1.0.0;descriptor=d.json"));
        assertTrue(e.getMessage().contains("'model'"), e.getMessage());
    }

    @Test
    void nameMustComeFirst() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelHeader.parse("version=1.0.0;model=m.onnx;descriptor=d.json"));
        assertTrue(e.getMessage().contains("model name"), e.getMessage());
    }

    @Test
    void shapesAgreeWhenEqualOrDynamic() {
        assertTrue(ModelLoader.shapesAgree(new long[] { -1, 13 }, new long[] { -1, 13 }));
        assertTrue(ModelLoader.shapesAgree(new long[] { 1, 13 }, new long[] { -1, 13 }));
        assertFalse(ModelLoader.shapesAgree(new long[] { -1, 12 }, new long[] { -1, 13 }));
        assertFalse(ModelLoader.shapesAgree(new long[] { 13 }, new long[] { -1, 13 }));
    }
}
