package io.vigil.inference.onnx.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigil.api.model.ModelException;
import io.vigil.api.model.ModelException.Reason;
import io.vigil.api.model.ModelSession;
import io.vigil.api.model.SessionOptions;
import io.vigil.api.model.Tensor;
import io.vigil.api.model.TensorSpec;
import io.vigil.api.model.TensorType;
import io.vigil.inference.onnx.internal.BackendCases.Case;
import io.vigil.inference.onnx.internal.BackendCases.DataSet;
import io.vigil.inference.onnx.internal.BackendCases.TestConfig;
import io.vigil.inference.onnx.internal.TensorProtoReader.Proto;

class OnnxModelSessionTest {

    private static final String SOURCE = "test-bundle 1.0.0!/models/logistic.onnx";

    @TempDir
    Path natives;
    private OnnxEngine engine;
    private ExecutorService executor;

    @BeforeEach
    void start() {
        engine = OnnxEngine.standalone(new TestConfig(), natives);
        executor = Executors.newFixedThreadPool(4, r -> new Thread(r, "session-test"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
        engine.deactivate();
    }

    @Test
    void theAddBackendCaseMatchesItsExpectedOutput() throws Exception {
        Case add = BackendCases.node("test_add");
        DataSet set = add.dataSets().get(0);
        try (ModelSession session = engine.open(add.model(), add.source(), null)) {
            Proto x = TensorProtoReader.read(set.inputs().get(0));
            Proto y = TensorProtoReader.read(set.inputs().get(1));
            Proto expected = TensorProtoReader.read(set.outputs().get(0));

            Map<String, Tensor> out = session.run(Map.of(x.name(), BackendCases.toTensor(x), y.name(),
                    BackendCases.toTensor(y)));

            assertEquals(Set.of(expected.name()), out.keySet());
            assertNull(BackendCases.compare(expected, BackendCases.fromTensor(expected.name(), out.get(expected.name())),
                    OnnxConformanceTest.RTOL, OnnxConformanceTest.ATOL));
        }
    }

    @Test
    void describesInputsAndOutputsWithTheBatchDimensionOpen() throws ModelException {
        try (ModelSession session = engine.open(OnnxModels.logistic(), SOURCE, SessionOptions.GATEWAY)) {
            assertEquals(List.of(new TensorSpec("x", TensorType.FLOAT, new long[] { -1, 13 })), session.inputs());
            assertEquals(List.of(new TensorSpec("y", TensorType.FLOAT, new long[] { -1, 1 })), session.outputs());
        }
    }

    @Test
    void aBatchIsTheLeadingDimension() throws ModelException {
        try (ModelSession session = engine.open(OnnxModels.logistic(), SOURCE, SessionOptions.GATEWAY)) {
            for (int rows : new int[] { 1, 5, 0 }) {
                float[] x = features(rows, 3);
                Tensor y = session.run(Map.of("x", Tensor.ofFloats(new long[] { rows, 13 }, x))).get("y");
                assertArrayEquals(new long[] { rows, 1 }, y.shape());
                assertArrayEquals(expectedScores(x), floats(y), 1e-6f);
            }
        }
    }

    @Test
    void directBuffersInAnyByteOrderAndOffsetViewsGiveTheSameScores() throws ModelException {
        float[] x = features(4, 11);
        float[] expected = expectedScores(x);
        long[] shape = { 4, 13 };
        FloatBuffer nativeDirect = ByteBuffer.allocateDirect(x.length * 4).order(ByteOrder.nativeOrder())
                .asFloatBuffer().put(x).flip();
        ByteOrder other = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN
                : ByteOrder.LITTLE_ENDIAN;
        FloatBuffer otherDirect = ByteBuffer.allocateDirect(x.length * 4).order(other).asFloatBuffer().put(x).flip();
        float[] padded = new float[x.length + 3];
        System.arraycopy(x, 0, padded, 3, x.length);
        FloatBuffer offsetHeap = FloatBuffer.wrap(padded, 3, x.length).slice();
        try (ModelSession session = engine.open(OnnxModels.logistic(), SOURCE, SessionOptions.GATEWAY)) {
            for (FloatBuffer data : List.of(nativeDirect, otherDirect, offsetHeap)) {
                Tensor y = session.run(Map.of("x", Tensor.of(TensorType.FLOAT, shape, data))).get("y");
                assertArrayEquals(expected, floats(y), 1e-6f, data.getClass().getSimpleName());
            }
        }
    }

    /** Every element type round-trips bit for bit through an Identity graph, scalars and empty tensors too. */
    @Test
    void everyTensorTypeRoundTripsUnchanged() throws ModelException {
        for (TensorType type : TensorType.values()) {
            for (long[] shape : List.of(new long[] { 2, 3 }, new long[] {}, new long[] { 0, 4 })) {
                try (ModelSession session = engine.open(OnnxModels.identity(BackendCases.onnxType(type), shape.length),
                        "identity-" + type, SessionOptions.GATEWAY)) {
                    Tensor in = sample(type, shape);
                    Tensor out = session.run(Map.of("x", in)).get("y");
                    assertEquals(type, out.type());
                    assertArrayEquals(shape, out.shape(), type + " shape");
                    assertEquals(BackendCases.fromTensor("x", in).toString(), BackendCases.fromTensor("x", out).toString());
                    assertNull(BackendCases.compare(BackendCases.fromTensor("x", in), BackendCases.fromTensor("x", out),
                            0, 0), type + " " + java.util.Arrays.toString(shape));
                }
            }
        }
    }

    @Test
    void heapAndDirectBytesAreBothAccepted() throws ModelException {
        byte[] flags = { 1, 0, 0, 1, 1, 0 };
        try (ModelSession session = engine.open(OnnxModels.identity(TensorProtoReader.BOOL, 2), "bool",
                SessionOptions.GATEWAY)) {
            for (ByteBuffer data : List.of(ByteBuffer.wrap(flags), Tensor.directBytes(6).put(flags).flip())) {
                Tensor out = session.run(Map.of("x", Tensor.of(TensorType.BOOL, new long[] { 2, 3 }, data))).get("y");
                byte[] got = new byte[6];
                ((ByteBuffer) out.data()).get(got);
                assertArrayEquals(flags, got, data.isDirect() ? "direct" : "heap");
            }
        }
    }

    @Test
    void aWrongElementTypeIsBadInputNamingModelInputAndTypes() throws ModelException {
        try (ModelSession session = engine.open(OnnxModels.logistic(), SOURCE, SessionOptions.GATEWAY)) {
            ModelException e = assertThrows(ModelException.class, () -> session.run(Map.of("x",
                    Tensor.ofDoubles(new long[] { 1, 13 }, new double[13]))));
            assertEquals(Reason.BAD_INPUT, e.reason());
            assertEquals("model " + SOURCE + ": input 'x' must be FLOAT[-1, 13], got a DOUBLE[1, 13] tensor",
                    e.getMessage());
        }
    }

    @Test
    void aWrongRankIsBadInput() throws ModelException {
        try (ModelSession session = engine.open(OnnxModels.logistic(), SOURCE, SessionOptions.GATEWAY)) {
            ModelException e = assertThrows(ModelException.class, () -> session.run(Map.of("x",
                    Tensor.ofFloats(new long[] { 13 }, new float[13]))));
            assertEquals(Reason.BAD_INPUT, e.reason());
            assertEquals("model " + SOURCE + ": input 'x' must be FLOAT[-1, 13] (rank 2), got shape [13] (rank 1)",
                    e.getMessage());
        }
    }

    @Test
    void aWrongFixedDimensionIsBadInput() throws ModelException {
        try (ModelSession session = engine.open(OnnxModels.logistic(), SOURCE, SessionOptions.GATEWAY)) {
            ModelException e = assertThrows(ModelException.class, () -> session.run(Map.of("x",
                    Tensor.ofFloats(new long[] { 2, 12 }, new float[24]))));
            assertEquals(Reason.BAD_INPUT, e.reason());
            assertEquals("model " + SOURCE + ": input 'x' must be FLOAT[-1, 13], got shape [2, 12]: dimension 1 is "
                    + "12, not 13", e.getMessage());
        }
    }

    @Test
    void missingAndUnknownInputsAreBadInputListingWhatTheModelTakes() throws ModelException {
        try (ModelSession session = engine.open(OnnxModels.logistic(), SOURCE, SessionOptions.GATEWAY)) {
            ModelException missing = assertThrows(ModelException.class, () -> session.run(Map.of()));
            assertEquals(Reason.BAD_INPUT, missing.reason());
            assertEquals("model " + SOURCE + ": input 'x' (FLOAT[-1, 13]) is missing. Given [], it takes "
                    + "[x:FLOAT[-1, 13]]", missing.getMessage());

            Tensor x = Tensor.ofFloats(new long[] { 1, 13 }, new float[13]);
            ModelException extra = assertThrows(ModelException.class, () -> session.run(Map.of("x", x, "speed", x)));
            assertEquals(Reason.BAD_INPUT, extra.reason());
            assertEquals("model " + SOURCE + ": 'speed' is not one of its inputs. Given [speed, x], it takes "
                    + "[x:FLOAT[-1, 13]]", extra.getMessage());

            ModelException renamed = assertThrows(ModelException.class, () -> session.run(Map.of("X", x)));
            assertEquals("model " + SOURCE + ": input 'x' (FLOAT[-1, 13]) is missing; 'X' is not one of its inputs. "
                    + "Given [X], it takes [x:FLOAT[-1, 13]]", renamed.getMessage());

            Map<String, Tensor> withNull = new HashMap<>();
            withNull.put("x", null);
            assertEquals(Reason.BAD_INPUT, assertThrows(ModelException.class, () -> session.run(withNull)).reason());
            assertEquals(Reason.BAD_INPUT, assertThrows(ModelException.class, () -> session.run(null)).reason());
        }
    }

    @Test
    void anOrtFailureWhileRunningIsRunFailedNamingTheModel() throws ModelException {
        try (ModelSession session = engine.open(OnnxModels.reshape(), "reshape.onnx", SessionOptions.GATEWAY)) {
            ModelException e = assertThrows(ModelException.class, () -> session.run(Map.of(
                    "x", Tensor.ofFloats(new long[] { 6 }, new float[6]),
                    "shape", Tensor.ofLongs(new long[] { 1 }, 4))));
            assertEquals(Reason.RUN_FAILED, e.reason());
            assertTrue(e.getMessage().startsWith("model reshape.onnx failed in ONNX Runtime: "), e.getMessage());
            // the session survives a failed run
            assertEquals(6, session.run(Map.of("x", Tensor.ofFloats(new long[] { 6 }, new float[6]),
                    "shape", Tensor.ofLongs(new long[] { 1 }, 6))).get("y").elementCount());
        }
    }

    @Test
    void closeWaitsForARunInFlightAndLaterRunsAreClosed() throws Exception {
        ModelSession session = engine.open(OnnxModels.logistic(), SOURCE, SessionOptions.GATEWAY);
        float[] x = features(2, 5);
        CountDownLatch runEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // the run holds the session from its first look at the inputs; this map stalls it right there
        Map<String, Tensor> stalling = new AbstractMap<>() {
            private final Map<String, Tensor> inputs = Map.of("x", Tensor.ofFloats(new long[] { 2, 13 }, x));

            @Override
            public Tensor get(Object key) {
                runEntered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return inputs.get(key);
            }

            @Override
            public Set<Entry<String, Tensor>> entrySet() {
                return inputs.entrySet();
            }
        };
        Future<Map<String, Tensor>> run = executor.submit(() -> session.run(stalling));
        assertTrue(runEntered.await(10, TimeUnit.SECONDS));
        Future<?> close = executor.submit(session::close);

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !close.isDone());
        assertEquals(1, engine.openSessions());
        release.countDown();

        assertArrayEquals(expectedScores(x), floats(run.get(10, TimeUnit.SECONDS).get("y")), 1e-6f);
        close.get(10, TimeUnit.SECONDS);
        assertEquals(0, engine.openSessions());
        ModelException closed = assertThrows(ModelException.class,
                () -> session.run(Map.of("x", Tensor.ofFloats(new long[] { 1, 13 }, new float[13]))));
        assertEquals(Reason.CLOSED, closed.reason());
        assertEquals("model " + SOURCE + " is closed; open it again to run it", closed.getMessage());
        session.close(); // a second close is a no-op
        assertEquals(0, engine.openSessions());
    }

    @Test
    void fourThreadsRunningAtOnceGetIdenticalResults() throws Exception {
        float[] x = features(64, 7);
        Tensor input = Tensor.ofFloats(new long[] { 64, 13 }, x);
        try (ModelSession session = engine.open(OnnxModels.logistic(), SOURCE, SessionOptions.GATEWAY)) {
            float[] reference = floats(session.run(Map.of("x", input)).get("y"));
            assertArrayEquals(expectedScores(x), reference, 1e-6f);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                workers.add(executor.submit(() -> {
                    start.await();
                    int same = 0;
                    for (int i = 0; i < 500; i++) {
                        if (java.util.Arrays.equals(reference, floats(session.run(Map.of("x", input)).get("y")))) {
                            same++;
                        }
                    }
                    return same;
                }));
            }
            start.countDown();
            for (Future<Integer> worker : workers) {
                assertEquals(500, worker.get(60, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void outputsAreTheCallersAndOutliveTheSession() throws ModelException {
        float[] x = features(3, 1);
        Tensor first;
        try (ModelSession session = engine.open(OnnxModels.logistic(), SOURCE, SessionOptions.GATEWAY)) {
            first = session.run(Map.of("x", Tensor.ofFloats(new long[] { 3, 13 }, x))).get("y");
            Tensor second = session.run(Map.of("x", Tensor.ofFloats(new long[] { 3, 13 }, features(3, 2)))).get("y");
            assertFalse(java.util.Arrays.equals(floats(first), floats(second)));
        }
        assertArrayEquals(expectedScores(x), floats(first), 1e-6f);
    }

    private static float[] features(int rows, int seed) {
        float[] x = new float[rows * OnnxModels.FEATURES];
        for (int i = 0; i < x.length; i++) {
            x[i] = ((i * 7 + seed * 13) % 17 - 8) / 4f;
        }
        return x;
    }

    private static float[] expectedScores(float[] x) {
        int rows = x.length / OnnxModels.FEATURES;
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            double z = OnnxModels.BIAS;
            for (int i = 0; i < OnnxModels.FEATURES; i++) {
                z += x[r * OnnxModels.FEATURES + i] * OnnxModels.weight(i);
            }
            y[r] = (float) (1 / (1 + Math.exp(-z)));
        }
        return y;
    }

    private static float[] floats(Tensor t) {
        float[] a = new float[(int) t.elementCount()];
        ((FloatBuffer) t.data()).get(a);
        return a;
    }

    /** Distinct values of the type's full range, edge values included. */
    private static Tensor sample(TensorType type, long[] shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        Buffer data = switch (type) {
        case FLOAT -> FloatBuffer.wrap(fill(n, i -> new float[] { -0f, Float.NaN, Float.MAX_VALUE, -1.5f, 1e-40f,
            Float.NEGATIVE_INFINITY }[i % 6]));
        case DOUBLE -> {
            double[] a = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = new double[] { Double.MIN_VALUE, -2.25, Double.NaN, 1e300, 0, 7 }[i % 6];
            }
            yield DoubleBuffer.wrap(a);
        }
        case INT64 -> {
            long[] a = new long[n];
            for (int i = 0; i < n; i++) {
                a[i] = new long[] { Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 1L << 40 }[i % 6];
            }
            yield LongBuffer.wrap(a);
        }
        case INT32 -> {
            int[] a = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = new int[] { Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE, 70_000 }[i % 6];
            }
            yield IntBuffer.wrap(a);
        }
        case INT16, FLOAT16, BFLOAT16 -> {
            short[] a = new short[n];
            for (int i = 0; i < n; i++) {
                // raw bit patterns: 1.0, -2.0, +inf and the largest finite value of float16 / bfloat16
                a[i] = new short[] { 0x3c00, (short) 0xc000, 0x7c00, 0x7bff, 0x3f80, 0x7f7f }[i % 6];
            }
            yield ShortBuffer.wrap(a);
        }
        case INT8, UINT8 -> Tensor.directBytes(n).put(bytes(n, new byte[] { -128, -1, 0, 1, 127, 42 })).flip();
        case BOOL -> Tensor.directBytes(n).put(bytes(n, new byte[] { 1, 0, 0, 1, 1, 0 })).flip();
        case STRING -> null;
        };
        if (type == TensorType.STRING) {
            String[] s = new String[n];
            for (int i = 0; i < n; i++) {
                s[i] = new String[] { "", "pump-1", "ünïcødé ✓", "a\u0000b", "x".repeat(300), "7" }[i % 6];
            }
            return Tensor.ofStrings(shape, s);
        }
        return Tensor.of(type, shape, data);
    }

    private interface FloatAt {
        float at(int i);
    }

    private static float[] fill(int n, FloatAt f) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = f.at(i);
        }
        return a;
    }

    private static byte[] bytes(int n, byte[] values) {
        byte[] a = new byte[n];
        for (int i = 0; i < n; i++) {
            a[i] = values[i % values.length];
        }
        return a;
    }
}
