package io.vigil.inference.onnx.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Small ONNX models written in code (protobuf wire format, onnx.proto3 field numbers), so the session tests do
 * not depend on installed test data and can use a dynamic batch dimension.
 */
final class OnnxModels {

    static final int FEATURES = 13;

    private OnnxModels() {
    }

    /** Weights of the logistic model: w[i] = (i - 6) / 10, bias 0.25. */
    static float weight(int i) {
        return (i - 6) / 10f;
    }

    static final float BIAS = 0.25f;

    /**
     * y = sigmoid(x · w + b): input {@code x} FLOAT[N, 13] (N symbolic), output {@code y} FLOAT[N, 1]. The shape of a
     * small scoring model such as a per-machine logistic regression.
     */
    static byte[] logistic() {
        float[] w = new float[FEATURES];
        for (int i = 0; i < FEATURES; i++) {
            w[i] = weight(i);
        }
        Proto graph = new Proto()
                .message(1, node("Gemm", new String[] { "x", "W", "B" }, new String[] { "z" }))
                .message(1, node("Sigmoid", new String[] { "z" }, new String[] { "y" }))
                .string(2, "logistic")
                .message(5, floatTensor("W", new long[] { FEATURES, 1 }, w))
                .message(5, floatTensor("B", new long[] { 1 }, new float[] { BIAS }))
                .message(11, valueInfo("x", TensorProtoReader.FLOAT, "N", FEATURES))
                .message(12, valueInfo("y", TensorProtoReader.FLOAT, "N", 1));
        return model(graph);
    }

    /** y = Identity(x) for one element type and any shape (the rank is fixed by {@code rank}, every dim symbolic). */
    static byte[] identity(int onnxType, int rank) {
        Object[] dims = new Object[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = "d" + i;
        }
        Proto graph = new Proto()
                .message(1, node("Identity", new String[] { "x" }, new String[] { "y" }))
                .string(2, "identity")
                .message(11, valueInfo("x", onnxType, dims))
                .message(12, valueInfo("y", onnxType, dims));
        return model(graph);
    }

    /** y = Reshape(x, shape): a model whose run fails in ORT when the shape does not fit the data. */
    static byte[] reshape() {
        Proto graph = new Proto()
                .message(1, node("Reshape", new String[] { "x", "shape" }, new String[] { "y" }))
                .string(2, "reshape")
                .message(11, valueInfo("x", TensorProtoReader.FLOAT, "n"))
                .message(11, valueInfo("shape", TensorProtoReader.INT64, 1))
                .message(12, valueInfo("y", TensorProtoReader.FLOAT, "m"));
        return model(graph);
    }

    private static byte[] model(Proto graph) {
        return new Proto()
                .varint(1, 8) // ir_version
                .string(2, "vigil-tests") // producer_name
                .message(7, graph)
                .message(8, new Proto().string(1, "").varint(2, 13)) // opset_import: ai.onnx 13
                .bytes();
    }

    private static Proto node(String op, String[] inputs, String[] outputs) {
        Proto node = new Proto();
        for (String in : inputs) {
            node.string(1, in);
        }
        for (String out : outputs) {
            node.string(2, out);
        }
        return node.string(3, op.toLowerCase()).string(4, op);
    }

    private static Proto floatTensor(String name, long[] dims, float[] values) {
        Proto t = new Proto();
        for (long d : dims) {
            t.varint(1, d);
        }
        t.varint(2, TensorProtoReader.FLOAT);
        Proto packed = new Proto();
        for (float v : values) {
            packed.fixed32(Float.floatToRawIntBits(v));
        }
        return t.message(4, packed).string(8, name);
    }

    /** @param dims each an Integer (fixed) or a String (symbolic) */
    private static Proto valueInfo(String name, int elemType, Object... dims) {
        Proto shape = new Proto();
        for (Object d : dims) {
            shape.message(1, d instanceof String s ? new Proto().string(2, s) : new Proto().varint(1, (Integer) d));
        }
        Proto tensorType = new Proto().varint(1, elemType).message(2, shape);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
    }

    /** A protobuf message being written. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            tag(field, 0);
            raw(value);
            return this;
        }

        Proto string(int field, String value) {
            return lengthDelimited(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto message) {
            return lengthDelimited(field, message.bytes());
        }

        /** Appends 4 little-endian bytes with no tag: the content of a packed fixed32 field. */
        Proto fixed32(int bits) {
            for (int i = 0; i < 4; i++) {
                out.write(bits >>> (8 * i));
            }
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private Proto lengthDelimited(int field, byte[] content) {
            tag(field, 2);
            raw(content.length);
            out.writeBytes(content);
            return this;
        }

        private void tag(int field, int wire) {
            raw((long) field << 3 | wire);
        }

        private void raw(long value) {
            while ((value & ~0x7fL) != 0) {
                out.write((int) (value & 0x7f) | 0x80);
                value >>>= 7;
            }
            out.write((int) value);
        }
    }
}
