package io.vigil.api.model;

/** Element types of tensors, named as in ONNX. */
public enum TensorType {
    FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT8, UINT8, INT16, INT32, INT64, BOOL, STRING;

    /** @return bytes per element, 0 for {@link #STRING} */
    public int bytes() {
        return switch (this) {
        case DOUBLE, INT64 -> 8;
        case FLOAT, INT32 -> 4;
        case FLOAT16, BFLOAT16, INT16 -> 2;
        case INT8, UINT8, BOOL -> 1;
        case STRING -> 0;
        };
    }
}
