package io.vigil.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.ExecutionMode;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.vigil.api.model.ModelException;
import io.vigil.api.model.ModelSession;
import io.vigil.api.model.SessionOptions;
import io.vigil.api.model.Tensor;
import io.vigil.inference.onnx.internal.OnnxEngine;

/**
 * What Vigil's engine adds to one inference: {@code ModelSession.run} against ORT's own {@code OrtSession.run} on
 * the same model, the same input and the same session settings (1 intra-op thread, sequential, all graph
 * optimisations), in the same JVM.
 *
 * <p>The model is the shape of a per-machine scoring model: 13 features in, {@code sigmoid(x · W + b)} out
 * (Gemm + Sigmoid, batch dimension symbolic), written here in protobuf's wire format so the benchmark needs no
 * model file and no ONNX library. One invocation scores one feature vector starting from a {@code float[]}, as
 * the pipeline would: the engine wraps it in a {@link Tensor}, raw ORT in an {@link OnnxTensor} (created and
 * closed each time, as ORT requires), and both return the score as a float. {@code rawOrtReusedInput} keeps one
 * OnnxTensor for all invocations: the floor, not something a caller with new data each time can do.
 */
@BenchmarkMode({ Mode.SampleTime, Mode.AverageTime })
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = { "-Xms512m", "-Xmx512m" })
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class OnnxEngineBenchmark {

    static final int FEATURES = 13;
    private static final long[] SHAPE = { 1, FEATURES };

    private Path nativeDir;
    private OnnxEngine engine;
    private ModelSession session;
    private OrtEnvironment env;
    private OrtSession rawSession;
    private OnnxTensor reusedInput;
    private float[] features;

    @Setup
    public void setUp() throws IOException, ModelException, OrtException {
        byte[] model = logisticModel();
        nativeDir = Files.createTempDirectory("vigil-bench-onnx");
        // the engine first: it loads ORT's natives its own way, and raw ORT then shares them
        engine = OnnxEngine.standalone(new EngineDefaults(), nativeDir);
        session = engine.open(model, "bench/logistic13.onnx", SessionOptions.GATEWAY);
        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OptLevel.ALL_OPT);
            rawSession = env.createSession(model, options);
        }
        features = new float[FEATURES];
        for (int i = 0; i < FEATURES; i++) {
            features[i] = (i % 5 - 2) * 0.7f;
        }
        reusedInput = OnnxTensor.createTensor(env, FloatBuffer.wrap(features), SHAPE);
        float viaEngine = engineRun();
        float viaOrt = rawOrtRun();
        if (viaEngine != viaOrt) {
            throw new IllegalStateException("engine and raw ORT disagree: " + viaEngine + " vs " + viaOrt);
        }
    }

    @TearDown
    public void tearDown() throws OrtException, IOException {
        reusedInput.close();
        rawSession.close();
        session.close();
        try (Stream<Path> files = Files.walk(nativeDir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    public float engineRun() throws ModelException {
        Tensor y = session.run(Map.of("x", Tensor.ofFloats(SHAPE, features))).get("y");
        return ((FloatBuffer) y.data()).get(0);
    }

    @Benchmark
    public float rawOrtRun() throws OrtException {
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(features), SHAPE);
                OrtSession.Result result = rawSession.run(Map.of("x", x))) {
            return ((OnnxTensor) result.get(0)).getFloatBuffer().get(0);
        }
    }

    @Benchmark
    public float rawOrtReusedInput() throws OrtException {
        try (OrtSession.Result result = rawSession.run(Map.of("x", reusedInput))) {
            return ((OnnxTensor) result.get(0)).getFloatBuffer().get(0);
        }
    }

    /** The engine's configuration defaults, as DS would hand them over without a configuration. */
    static final class EngineDefaults implements OnnxEngine.Config {
        @Override public Class<? extends Annotation> annotationType() { return OnnxEngine.Config.class; }
        @Override public int intra_op_threads() { return 1; }
        @Override public int inter_op_threads() { return 1; }
        @Override public boolean graph_optimization() { return true; }
        @Override public String native_dir() { return ""; }
    }

    /**
     * x FLOAT[N, 13] → Gemm(x, W[13, 1], B[1]) → Sigmoid → y FLOAT[N, 1], opset 13, with fixed weights. Field
     * numbers are onnx.proto3's (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, TypeProto).
     */
    static byte[] logisticModel() {
        Proto w = new Proto().varint(1, FEATURES).varint(1, 1).varint(2, 1);
        Proto weights = new Proto();
        for (int i = 0; i < FEATURES; i++) {
            weights.fixed32(Float.floatToRawIntBits((i - 6) / 10f));
        }
        w.message(4, weights).string(8, "W");
        Proto b = new Proto().varint(1, 1).varint(2, 1).message(4, new Proto().fixed32(Float.floatToRawIntBits(0.25f)))
                .string(8, "B");
        Proto graph = new Proto()
                .message(1, new Proto().string(1, "x").string(1, "W").string(1, "B").string(2, "z").string(4, "Gemm"))
                .message(1, new Proto().string(1, "z").string(2, "y").string(4, "Sigmoid"))
                .string(2, "logistic13")
                .message(5, w)
                .message(5, b)
                .message(11, valueInfo("x", FEATURES))
                .message(12, valueInfo("y", 1));
        return new Proto().varint(1, 8).string(2, "vigil-bench").message(7, graph)
                .message(8, new Proto().string(1, "").varint(2, 13)).bytes();
    }

    /** A FLOAT tensor value of shape [N, columns]. */
    private static Proto valueInfo(String name, int columns) {
        Proto shape = new Proto().message(1, new Proto().string(2, "N")).message(1, new Proto().varint(1, columns));
        Proto tensor = new Proto().varint(1, 1).message(2, shape);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensor));
    }

    /** A protobuf message being written. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            raw((long) field << 3);
            raw(value);
            return this;
        }

        Proto string(int field, String value) {
            return lengthDelimited(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto message) {
            return lengthDelimited(field, message.out.toByteArray());
        }

        /** Four little-endian bytes without a tag: an element of a packed float field. */
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
            raw((long) field << 3 | 2);
            raw(content.length);
            out.writeBytes(content);
            return this;
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
