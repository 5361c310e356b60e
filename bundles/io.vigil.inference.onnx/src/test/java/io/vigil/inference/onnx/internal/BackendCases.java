package io.vigil.inference.onnx.internal;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import io.vigil.api.model.Tensor;
import io.vigil.api.model.TensorType;
import io.vigil.inference.onnx.internal.TensorProtoReader.Proto;

/**
 * The ONNX backend test cases of Debian's libonnx-testdata: {@code <suite>/<case>/model.onnx} with
 * {@code test_data_set_N/input_K.pb} and {@code output_K.pb} (TensorProto, or Sequence/Map/Optional protos for
 * non-tensor values), and conversions between their tensors and Vigil's.
 */
final class BackendCases {

    static final String DIR_PROPERTY = "onnx.testdata.dir";

    private BackendCases() {
    }

    static Path root() {
        return Path.of(System.getProperty(DIR_PROPERTY, "/usr/share/libonnx-testdata/data"));
    }

    /** Skips the calling test unless the test data is installed. */
    static Path assumeInstalled() {
        Path root = root();
        assumeTrue(Files.isDirectory(root.resolve("node")), "ONNX backend test data not found at " + root
                + ": install the Debian package libonnx-testdata (run-tests.sh does) or set -D" + DIR_PROPERTY);
        return root;
    }

    record DataSet(Path dir, List<Path> inputs, List<Path> outputs) {
    }

    record Case(String suite, String name, Path dir) {
        byte[] model() throws IOException {
            return Files.readAllBytes(dir.resolve("model.onnx"));
        }

        String source() {
            return suite + "/" + name + "/model.onnx";
        }

        List<DataSet> dataSets() throws IOException {
            try (Stream<Path> sets = Files.list(dir)) {
                return sets.filter(p -> p.getFileName().toString().startsWith("test_data_set_"))
                        .sorted(byIndex()).map(set -> new DataSet(set, files(set, "input_"), files(set, "output_")))
                        .toList();
            }
        }

        @Override
        public String toString() {
            return suite + "/" + name;
        }
    }

    static Case node(String name) {
        return new Case("node", name, assumeInstalled().resolve("node").resolve(name));
    }

    /** Every case of a suite that has a model, by name. */
    static List<Case> suite(String suite) throws IOException {
        Path dir = root().resolve(suite);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> cases = Files.list(dir)) {
            return cases.filter(c -> Files.isRegularFile(c.resolve("model.onnx"))).sorted()
                    .map(c -> new Case(suite, c.getFileName().toString(), c)).toList();
        }
    }

    private static List<Path> files(Path set, String prefix) {
        try (Stream<Path> files = Files.list(set)) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix)
                    && f.getFileName().toString().endsWith(".pb")).sorted(byIndex()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** input_2 before input_10. */
    private static Comparator<Path> byIndex() {
        return Comparator.comparingInt(p -> {
            String n = p.getFileName().toString().replace(".pb", "");
            return Integer.parseInt(n.substring(n.lastIndexOf('_') + 1));
        });
    }

    /** @return the Vigil type of an ONNX data type, or null when Vigil (and ORT's Java API) has none */
    static TensorType vigilType(int dataType) {
        return switch (dataType) {
        case TensorProtoReader.FLOAT -> TensorType.FLOAT;
        case TensorProtoReader.DOUBLE -> TensorType.DOUBLE;
        case TensorProtoReader.FLOAT16 -> TensorType.FLOAT16;
        case TensorProtoReader.BFLOAT16 -> TensorType.BFLOAT16;
        case TensorProtoReader.INT8 -> TensorType.INT8;
        case TensorProtoReader.UINT8 -> TensorType.UINT8;
        case TensorProtoReader.INT16 -> TensorType.INT16;
        case TensorProtoReader.INT32 -> TensorType.INT32;
        case TensorProtoReader.INT64 -> TensorType.INT64;
        case TensorProtoReader.BOOL -> TensorType.BOOL;
        case TensorProtoReader.STRING -> TensorType.STRING;
        default -> null;
        };
    }

    static int onnxType(TensorType type) {
        return switch (type) {
        case FLOAT -> TensorProtoReader.FLOAT;
        case DOUBLE -> TensorProtoReader.DOUBLE;
        case FLOAT16 -> TensorProtoReader.FLOAT16;
        case BFLOAT16 -> TensorProtoReader.BFLOAT16;
        case INT8 -> TensorProtoReader.INT8;
        case UINT8 -> TensorProtoReader.UINT8;
        case INT16 -> TensorProtoReader.INT16;
        case INT32 -> TensorProtoReader.INT32;
        case INT64 -> TensorProtoReader.INT64;
        case BOOL -> TensorProtoReader.BOOL;
        case STRING -> TensorProtoReader.STRING;
        };
    }

    /** A Vigil tensor over the decoded data: heap typed buffers, direct bytes (as the Tensor class asks). */
    static Tensor toTensor(Proto p) {
        TensorType type = vigilType(p.dataType());
        if (type == null || p.data() == null) {
            throw new IllegalArgumentException(p + " has no Vigil tensor type");
        }
        long[] dims = p.dims();
        return switch (type) {
        case FLOAT -> Tensor.of(type, dims, FloatBuffer.wrap((float[]) p.data()));
        case DOUBLE -> Tensor.of(type, dims, DoubleBuffer.wrap((double[]) p.data()));
        case INT64 -> Tensor.of(type, dims, LongBuffer.wrap((long[]) p.data()));
        case INT32 -> Tensor.of(type, dims, IntBuffer.wrap((int[]) p.data()));
        case INT16, FLOAT16, BFLOAT16 -> Tensor.of(type, dims, ShortBuffer.wrap((short[]) p.data()));
        case INT8, UINT8, BOOL -> {
            byte[] bytes = (byte[]) p.data();
            yield Tensor.of(type, dims, Tensor.directBytes(bytes.length).put(bytes).flip());
        }
        case STRING -> Tensor.ofStrings(dims, (String[]) p.data());
        };
    }

    /** The tensor's elements as a Proto, for comparison with an expected output. */
    static Proto fromTensor(String name, Tensor t) {
        int n = (int) t.elementCount();
        Object data;
        if (t.type() == TensorType.STRING) {
            data = t.strings();
        } else {
            data = toArray(t.type(), t.data(), n);
        }
        return new Proto(name, onnxType(t.type()), t.shape(), data);
    }

    static Object toArray(TensorType type, Buffer buffer, int n) {
        Buffer b = buffer;
        switch (type) {
        case FLOAT: {
            float[] a = new float[n];
            ((FloatBuffer) b).duplicate().get(a);
            return a;
        }
        case DOUBLE: {
            double[] a = new double[n];
            ((DoubleBuffer) b).duplicate().get(a);
            return a;
        }
        case INT64: {
            long[] a = new long[n];
            ((LongBuffer) b).duplicate().get(a);
            return a;
        }
        case INT32: {
            int[] a = new int[n];
            ((IntBuffer) b).duplicate().get(a);
            return a;
        }
        case INT16, FLOAT16, BFLOAT16: {
            short[] a = new short[n];
            ((ShortBuffer) b).duplicate().get(a);
            return a;
        }
        case INT8, UINT8, BOOL: {
            byte[] a = new byte[n];
            ((ByteBuffer) b).duplicate().get(a);
            return a;
        }
        default:
            throw new IllegalArgumentException(type + " has no buffer");
        }
    }

    /**
     * @return null when {@code actual} matches {@code expected} (same type and shape; floating point within
     *         |a - e| <= atol + rtol * |e|, NaN equal to NaN; everything else exactly), else what differs
     */
    static String compare(Proto expected, Proto actual, double rtol, double atol) {
        if (expected.dataType() != actual.dataType()) {
            return "type " + actual.typeName() + ", expected " + expected.typeName();
        }
        if (!Arrays.equals(expected.dims(), actual.dims())) {
            return "shape " + Arrays.toString(actual.dims()) + ", expected " + Arrays.toString(expected.dims());
        }
        int type = expected.dataType();
        if (type == TensorProtoReader.FLOAT || type == TensorProtoReader.DOUBLE || type == TensorProtoReader.FLOAT16
                || type == TensorProtoReader.BFLOAT16) {
            double[] e = asDoubles(type, expected.data());
            double[] a = asDoubles(type, actual.data());
            for (int i = 0; i < e.length; i++) {
                boolean equal = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                        : Double.isInfinite(e[i]) ? e[i] == a[i]
                        : Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
                if (!equal) {
                    return "element " + i + " is " + a[i] + ", expected " + e[i] + " (rtol " + rtol + ", atol "
                            + atol + ")";
                }
            }
            return null;
        }
        boolean equal = expected.data() != null && arraysEqual(expected.data(), actual.data());
        return equal ? null : "values differ: " + preview(actual.data()) + ", expected " + preview(expected.data());
    }

    private static boolean arraysEqual(Object e, Object a) {
        if (e instanceof long[] x && a instanceof long[] y) {
            return Arrays.equals(x, y);
        } else if (e instanceof int[] x && a instanceof int[] y) {
            return Arrays.equals(x, y);
        } else if (e instanceof short[] x && a instanceof short[] y) {
            return Arrays.equals(x, y);
        } else if (e instanceof byte[] x && a instanceof byte[] y) {
            return Arrays.equals(x, y);
        } else if (e instanceof String[] x && a instanceof String[] y) {
            return Arrays.equals(x, y);
        }
        return false;
    }

    private static String preview(Object array) {
        String s = array instanceof long[] x ? Arrays.toString(x) : array instanceof int[] x ? Arrays.toString(x)
                : array instanceof short[] x ? Arrays.toString(x) : array instanceof byte[] x ? Arrays.toString(x)
                : array instanceof String[] x ? Arrays.toString(x) : String.valueOf(array);
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    private static double[] asDoubles(int type, Object data) {
        if (data instanceof float[] f) {
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        if (data instanceof double[] d) {
            return d;
        }
        short[] bits = (short[]) data;
        double[] d = new double[bits.length];
        for (int i = 0; i < bits.length; i++) {
            d[i] = type == TensorProtoReader.BFLOAT16 ? Float.intBitsToFloat((bits[i] & 0xffff) << 16)
                    : halfToFloat(bits[i]);
        }
        return d;
    }

    /** IEEE 754 binary16 to float, subnormals included. */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f;
            return sign != 0 ? -value : value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** An engine configuration: the defaults, with the natives unpacked where the test says. */
    static final class TestConfig implements OnnxEngine.Config {
        int intraOpThreads = 1;
        int interOpThreads = 1;
        boolean graphOptimization = true;
        String nativeDir = "";

        @Override public Class<? extends Annotation> annotationType() { return OnnxEngine.Config.class; }
        @Override public int intra_op_threads() { return intraOpThreads; }
        @Override public int inter_op_threads() { return interOpThreads; }
        @Override public boolean graph_optimization() { return graphOptimization; }
        @Override public String native_dir() { return nativeDir; }
    }
}
