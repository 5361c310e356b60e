package io.vigil.inference.onnx.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads ONNX {@code TensorProto} messages (onnx.proto3, the {@code .pb} files of the ONNX backend test cases)
 * without protobuf-java: the few fields a dense tensor needs, in protobuf's wire format. Strict: a truncated
 * message, an impossible wire type, a data field that disagrees with the dimensions, or a feature the tests do
 * not need (segments, external data) is an error that names the file, never a silently wrong tensor.
 */
final class TensorProtoReader {

    /** ONNX {@code TensorProto.DataType} numbers. */
    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, STRING = 8,
            BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13, COMPLEX64 = 14, COMPLEX128 = 15,
            BFLOAT16 = 16;

    private static final String[] TYPE_NAMES = { "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32",
        "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
        "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1" };

    /**
     * A decoded tensor. {@code data} holds the elements in row-major order in the narrowest Java array that
     * carries them bit for bit: float[] (FLOAT), double[] (DOUBLE), long[] (INT64, UINT32, UINT64), int[] (INT32),
     * short[] (INT16, UINT16, FLOAT16 and BFLOAT16 as raw bits), byte[] (INT8, UINT8, BOOL), String[] (STRING);
     * null for types this reader does not decode (complex, float8, 4-bit).
     */
    record Proto(String name, int dataType, long[] dims, Object data) {
        String typeName() {
            return TensorProtoReader.typeName(dataType);
        }

        long elementCount() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + ":" + typeName() + Arrays.toString(dims);
        }
    }

    static String typeName(int dataType) {
        return dataType >= 0 && dataType < TYPE_NAMES.length ? TYPE_NAMES[dataType] : "type " + dataType;
    }

    private final ByteBuffer in;
    private final String where;

    private TensorProtoReader(byte[] bytes, String where) {
        this.in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        this.where = where;
    }

    static Proto read(Path file) throws IOException {
        return read(Files.readAllBytes(file), file.toString());
    }

    static Proto read(byte[] bytes, String where) throws IOException {
        return new TensorProtoReader(bytes, where).tensor();
    }

    private Proto tensor() throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        byte[] raw = null;
        List<Float> floats = new ArrayList<>();
        List<Double> doubles = new ArrayList<>();
        List<Long> int32s = new ArrayList<>();
        List<Long> int64s = new ArrayList<>();
        List<Long> uint64s = new ArrayList<>();
        List<String> strings = new ArrayList<>();
        while (in.hasRemaining()) {
            long key = varint();
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            switch (field) {
            case 1 -> repeatedVarints(wire, dims);
            case 2 -> dataType = (int) expectVarint(wire, field);
            case 3 -> throw error("segmented tensors (field 3) are not supported");
            case 4 -> {
                if (wire == 2) {
                    ByteBuffer packed = bytes();
                    requireMultiple(packed.remaining(), 4, "float_data");
                    while (packed.hasRemaining()) {
                        floats.add(packed.getFloat());
                    }
                } else {
                    requireWire(wire, 5, field);
                    floats.add(need(4).getFloat());
                }
            }
            case 5 -> repeatedVarints(wire, int32s);
            case 6 -> strings.add(StandardCharsets.UTF_8.decode(expectBytes(wire, field)).toString());
            case 7 -> repeatedVarints(wire, int64s);
            case 8 -> name = StandardCharsets.UTF_8.decode(expectBytes(wire, field)).toString();
            case 9 -> {
                ByteBuffer b = expectBytes(wire, field);
                raw = new byte[b.remaining()];
                b.get(raw);
            }
            case 10 -> {
                if (wire == 2) {
                    ByteBuffer packed = bytes();
                    requireMultiple(packed.remaining(), 8, "double_data");
                    while (packed.hasRemaining()) {
                        doubles.add(packed.getDouble());
                    }
                } else {
                    requireWire(wire, 1, field);
                    doubles.add(need(8).getDouble());
                }
            }
            case 11 -> repeatedVarints(wire, uint64s);
            case 13 -> throw error("external data (field 13) is not supported");
            case 14 -> {
                if (expectVarint(wire, field) != 0) {
                    throw error("data_location EXTERNAL is not supported");
                }
            }
            default -> skip(wire);
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw error("negative dimension in " + Arrays.toString(shape));
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw error("dimensions " + Arrays.toString(shape) + " overflow a long");
            }
        }
        if (count > Integer.MAX_VALUE) {
            throw error("too many elements: " + count);
        }
        int n = (int) count;
        Object data = raw != null ? fromRaw(dataType, raw, n) : fromFields(dataType, n, floats, doubles, int32s, int64s,
                uint64s, strings);
        return new Proto(name, dataType, shape, data);
    }

    private Object fromRaw(int type, byte[] raw, int n) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int size = switch (type) {
        case FLOAT, INT32, UINT32 -> 4;
        case DOUBLE, INT64, UINT64, COMPLEX64 -> 8;
        case INT16, UINT16, FLOAT16, BFLOAT16 -> 2;
        case INT8, UINT8, BOOL -> 1;
        case COMPLEX128 -> 16;
        case STRING -> throw error("a STRING tensor cannot have raw_data");
        default -> -1;
        };
        if (size < 0) {
            return null;
        }
        if (raw.length != (long) n * size) {
            throw error(typeName(type) + " raw_data holds " + raw.length + " bytes, " + n + " elements need "
                    + (long) n * size);
        }
        switch (type) {
        case FLOAT: {
            float[] a = new float[n];
            b.asFloatBuffer().get(a);
            return a;
        }
        case DOUBLE: {
            double[] a = new double[n];
            b.asDoubleBuffer().get(a);
            return a;
        }
        case INT64, UINT64: {
            long[] a = new long[n];
            b.asLongBuffer().get(a);
            return a;
        }
        case INT32: {
            int[] a = new int[n];
            b.asIntBuffer().get(a);
            return a;
        }
        case UINT32: {
            long[] a = new long[n];
            for (int i = 0; i < n; i++) {
                a[i] = Integer.toUnsignedLong(b.getInt());
            }
            return a;
        }
        case INT16, UINT16, FLOAT16, BFLOAT16: {
            short[] a = new short[n];
            b.asShortBuffer().get(a);
            return a;
        }
        case INT8, UINT8, BOOL:
            return raw.clone();
        default:
            return null; // complex: not decoded
        }
    }

    private Object fromFields(int type, int n, List<Float> floats, List<Double> doubles, List<Long> int32s,
            List<Long> int64s, List<Long> uint64s, List<String> strings) throws IOException {
        switch (type) {
        case FLOAT: {
            requireCount(floats.size(), n, "float_data");
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = floats.get(i);
            }
            return a;
        }
        case DOUBLE: {
            requireCount(doubles.size(), n, "double_data");
            return doubles.stream().mapToDouble(Double::doubleValue).toArray();
        }
        case INT64: {
            requireCount(int64s.size(), n, "int64_data");
            return int64s.stream().mapToLong(Long::longValue).toArray();
        }
        case UINT32, UINT64: {
            requireCount(uint64s.size(), n, "uint64_data");
            return uint64s.stream().mapToLong(Long::longValue).toArray();
        }
        case INT32: {
            requireCount(int32s.size(), n, "int32_data");
            return int32s.stream().mapToInt(Long::intValue).toArray();
        }
        case INT16, UINT16, FLOAT16, BFLOAT16: {
            requireCount(int32s.size(), n, "int32_data");
            short[] a = new short[n];
            for (int i = 0; i < n; i++) {
                a[i] = (short) int32s.get(i).longValue();
            }
            return a;
        }
        case INT8, UINT8, BOOL: {
            requireCount(int32s.size(), n, "int32_data");
            byte[] a = new byte[n];
            for (int i = 0; i < n; i++) {
                a[i] = (byte) int32s.get(i).longValue();
            }
            return a;
        }
        case STRING: {
            requireCount(strings.size(), n, "string_data");
            return strings.toArray(String[]::new);
        }
        default:
            return null;
        }
    }

    private void requireCount(int got, int n, String field) throws IOException {
        if (got != n) {
            throw error(field + " holds " + got + " values, the dimensions need " + n);
        }
    }

    private void requireMultiple(int bytes, int size, String field) throws IOException {
        if (bytes % size != 0) {
            throw error("packed " + field + " of " + bytes + " bytes is not a whole number of " + size + "-byte values");
        }
    }

    private void repeatedVarints(int wire, List<Long> into) throws IOException {
        if (wire == 0) {
            into.add(varint());
        } else if (wire == 2) {
            ByteBuffer packed = bytes();
            TensorProtoReader inner = new TensorProtoReader(new byte[0], where);
            while (packed.hasRemaining()) {
                into.add(inner.varint(packed));
            }
        } else {
            throw error("wire type " + wire + " where varints are expected");
        }
    }

    private long expectVarint(int wire, int field) throws IOException {
        requireWire(wire, 0, field);
        return varint();
    }

    private ByteBuffer expectBytes(int wire, int field) throws IOException {
        requireWire(wire, 2, field);
        return bytes();
    }

    private void requireWire(int wire, int expected, int field) throws IOException {
        if (wire != expected) {
            throw error("field " + field + " has wire type " + wire + ", expected " + expected);
        }
    }

    private void skip(int wire) throws IOException {
        switch (wire) {
        case 0 -> varint();
        case 1 -> need(8);
        case 2 -> bytes();
        case 5 -> need(4);
        default -> throw error("unsupported wire type " + wire + " (groups are not used by onnx.proto3)");
        }
    }

    private ByteBuffer bytes() throws IOException {
        long length = varint();
        if (length < 0 || length > in.remaining()) {
            throw error("a length of " + length + " bytes runs past the end (" + in.remaining() + " left)");
        }
        return need((int) length);
    }

    private ByteBuffer need(int n) throws IOException {
        if (in.remaining() < n) {
            throw error("truncated: " + n + " bytes needed, " + in.remaining() + " left");
        }
        ByteBuffer slice = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        slice.limit(n);
        in.position(in.position() + n);
        return slice;
    }

    private long varint() throws IOException {
        return varint(in);
    }

    private long varint(ByteBuffer b) throws IOException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (!b.hasRemaining()) {
                throw error("truncated varint");
            }
            byte next = b.get();
            value |= (long) (next & 0x7f) << shift;
            if (next >= 0) {
                return value;
            }
        }
        throw error("varint longer than 10 bytes");
    }

    private IOException error(String problem) {
        return new IOException(where + ": not a TensorProto this reader accepts: " + problem);
    }
}
