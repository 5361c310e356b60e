package io.vigil.inference.onnx.internal;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtUtil;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import io.vigil.api.model.Tensor;
import io.vigil.api.model.TensorType;

/**
 * Conversions between Vigil tensors and ORT tensors, through NIO buffers only: no element is boxed and no
 * multi-dimensional Java array is built (ORT's array paths do both).
 */
final class OrtTensors {

    private OrtTensors() {
    }

    /**
     * @return the Vigil type of an ORT element type, or null when Vigil's API has none (UINT16/32/64, complex,
     *         float8, undefined). The ORT element type, not {@code TensorInfo.type}, is the truth: ORT's Java
     *         API reports a UINT32 tensor as {@code OnnxJavaType.INT32}, which would silently flip large values
     *         negative.
     */
    static TensorType vigilType(OnnxTensorType onnxType) {
        return switch (onnxType) {
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> TensorType.FLOAT;
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> TensorType.DOUBLE;
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> TensorType.FLOAT16;
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> TensorType.BFLOAT16;
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> TensorType.INT8;
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> TensorType.UINT8;
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> TensorType.INT16;
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> TensorType.INT32;
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> TensorType.INT64;
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> TensorType.BOOL;
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> TensorType.STRING;
        default -> null;
        };
    }

    /**
     * An ORT tensor over the Vigil tensor's data. Heap buffers, read-only views included, are copied once by ORT
     * into a direct buffer (1.23.2 {@code OrtUtil.prepareBuffer}); direct buffers in native order are used in
     * place (the caller must keep them unchanged until the run ends, as {@link Tensor} already requires); direct
     * buffers in the other byte order are copied here, since ORT would read their bytes as native-order values.
     * Bytes (INT8, UINT8, BOOL) may be heap or direct: ORT's ClassCastException on heap byte buffers concerns a
     * ByteBuffer passed for a wider type (bytes as FLOAT), which Tensor never does.
     */
    static OnnxTensor toOrt(OrtEnvironment env, Tensor tensor, long[] shape) throws OrtException {
        Buffer data = tensor.data();
        return switch (tensor.type()) {
        case STRING -> OnnxTensor.createTensor(env, tensor.strings(), shape);
        case FLOAT -> OnnxTensor.createTensor(env, nativeOrder((FloatBuffer) data), shape);
        case DOUBLE -> OnnxTensor.createTensor(env, nativeOrder((DoubleBuffer) data), shape);
        case INT64 -> OnnxTensor.createTensor(env, nativeOrder((LongBuffer) data), shape);
        case INT32 -> OnnxTensor.createTensor(env, nativeOrder((IntBuffer) data), shape);
        case INT16 -> OnnxTensor.createTensor(env, nativeOrder((ShortBuffer) data), shape, OnnxJavaType.INT16);
        case FLOAT16 -> OnnxTensor.createTensor(env, nativeOrder((ShortBuffer) data), shape, OnnxJavaType.FLOAT16);
        case BFLOAT16 -> OnnxTensor.createTensor(env, nativeOrder((ShortBuffer) data), shape, OnnxJavaType.BFLOAT16);
        case INT8 -> OnnxTensor.createTensor(env, (ByteBuffer) data, shape, OnnxJavaType.INT8);
        case UINT8 -> OnnxTensor.createTensor(env, (ByteBuffer) data, shape, OnnxJavaType.UINT8);
        case BOOL -> OnnxTensor.createTensor(env, (ByteBuffer) data, shape, OnnxJavaType.BOOL);
        };
    }

    /**
     * A Vigil tensor holding a copy of an ORT output. ORT's {@code get*Buffer()} already return fresh heap copies
     * (1.23.2: allocate, bulk put, rewind), which the returned tensor owns; nothing refers to ORT memory after the
     * result is closed. FLOAT16 and BFLOAT16 come as their raw 16-bit patterns ({@code getShortBuffer}), not
     * widened to float ({@code getFloatBuffer} would convert).
     */
    static Tensor fromOrt(OnnxTensor value, TensorType type) throws OrtException {
        long[] shape = value.getInfo().getShape();
        if (type == TensorType.STRING) {
            Object strings = value.getValue();
            return Tensor.ofStrings(shape, shape.length == 0 ? new String[] { (String) strings }
                    : OrtUtil.flattenString(strings));
        }
        if (value.getInfo().getNumElements() == 0) {
            // no memory behind an empty tensor to copy from
            return Tensor.of(type, shape, empty(type));
        }
        Buffer data = switch (type) {
        case FLOAT -> value.getFloatBuffer();
        case DOUBLE -> value.getDoubleBuffer();
        case INT64 -> value.getLongBuffer();
        case INT32 -> value.getIntBuffer();
        case INT16, FLOAT16, BFLOAT16 -> value.getShortBuffer();
        case INT8, UINT8, BOOL -> value.getByteBuffer();
        case STRING -> throw new AssertionError("handled above");
        };
        if (data == null) {
            throw new OrtException("ONNX Runtime returned no " + type + " data for a tensor it describes as "
                    + value.getInfo());
        }
        return Tensor.of(type, shape, data);
    }

    private static Buffer empty(TensorType type) {
        return switch (type) {
        case FLOAT -> FloatBuffer.allocate(0);
        case DOUBLE -> DoubleBuffer.allocate(0);
        case INT64 -> LongBuffer.allocate(0);
        case INT32 -> IntBuffer.allocate(0);
        case INT16, FLOAT16, BFLOAT16 -> ShortBuffer.allocate(0);
        case INT8, UINT8, BOOL -> ByteBuffer.allocate(0);
        case STRING -> throw new AssertionError("strings have no buffer");
        };
    }

    private static FloatBuffer nativeOrder(FloatBuffer b) {
        if (!b.isDirect() || b.order() == ByteOrder.nativeOrder()) {
            return b;
        }
        FloatBuffer copy = allocate(b.remaining() * Float.BYTES).asFloatBuffer();
        return copy.put(b.duplicate()).flip();
    }

    private static DoubleBuffer nativeOrder(DoubleBuffer b) {
        if (!b.isDirect() || b.order() == ByteOrder.nativeOrder()) {
            return b;
        }
        DoubleBuffer copy = allocate(b.remaining() * Double.BYTES).asDoubleBuffer();
        return copy.put(b.duplicate()).flip();
    }

    private static LongBuffer nativeOrder(LongBuffer b) {
        if (!b.isDirect() || b.order() == ByteOrder.nativeOrder()) {
            return b;
        }
        LongBuffer copy = allocate(b.remaining() * Long.BYTES).asLongBuffer();
        return copy.put(b.duplicate()).flip();
    }

    private static IntBuffer nativeOrder(IntBuffer b) {
        if (!b.isDirect() || b.order() == ByteOrder.nativeOrder()) {
            return b;
        }
        IntBuffer copy = allocate(b.remaining() * Integer.BYTES).asIntBuffer();
        return copy.put(b.duplicate()).flip();
    }

    private static ShortBuffer nativeOrder(ShortBuffer b) {
        if (!b.isDirect() || b.order() == ByteOrder.nativeOrder()) {
            return b;
        }
        ShortBuffer copy = allocate(b.remaining() * Short.BYTES).asShortBuffer();
        return copy.put(b.duplicate()).flip();
    }

    private static ByteBuffer allocate(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }
}
