package io.vigil.inference.onnx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtUtil;
import ai.onnxruntime.TensorInfo;
import io.vigil.api.model.InferenceEngine;
import io.vigil.api.model.ModelException;
import io.vigil.api.model.ModelSession;
import io.vigil.api.model.Tensor;
import io.vigil.api.model.TensorSpec;
import io.vigil.api.model.TensorType;
import io.vigil.inference.onnx.internal.BackendCases.Case;
import io.vigil.inference.onnx.internal.BackendCases.DataSet;
import io.vigil.inference.onnx.internal.BackendCases.TestConfig;
import io.vigil.inference.onnx.internal.TensorProtoReader.Proto;

/**
 * Every ONNX backend test case of libonnx-testdata, run twice in the same JVM: through Vigil's public model API
 * (InferenceEngine, ModelSession, Tensor) and through ORT's own Java API (OrtSession with default options). The
 * engine must pass every case raw ORT passes; the per-type table goes to target/onnx-conformance.md (the figures
 * in docs/onnx-conformance.md come from there).
 *
 * <p>A case is skipped, for both, when Vigil's tensors (which have exactly the element types ORT's Java API can
 * create) cannot express one of its inputs or outputs; the reason is recorded per case.
 */
class OnnxConformanceTest {

    static final double RTOL = 1e-3;
    static final double ATOL = 1e-7;
    /** The suites with models in the package; "real" holds only download links (data.json). */
    static final List<String> SUITES = List.of("node", "simple", "pytorch-converted", "pytorch-operator");

    enum Outcome { PASS, FAIL, SKIP }

    record Result(Outcome outcome, String detail) {
        static final Result PASS = new Result(Outcome.PASS, "");

        static Result fail(String detail) {
            return new Result(Outcome.FAIL, detail);
        }
    }

    record Row(Case testCase, String dtype, Result engine, Result raw) {
    }

    /** Why a case cannot be expressed in Vigil tensors, or empty. */
    private record Plan(String dtype, Optional<String> skip) {
    }

    @Test
    void theEnginePassesEveryBackendCaseRawOrtPasses(@TempDir Path natives) throws Exception {
        BackendCases.assumeInstalled();
        long started = System.nanoTime();
        OnnxEngine engine = OnnxEngine.standalone(new TestConfig(), natives);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<Row> rows = new ArrayList<>();
        try {
            for (String suite : SUITES) {
                for (Case c : BackendCases.suite(suite)) {
                    rows.add(run(engine, env, c));
                }
            }
            assertEquals(0, engine.openSessions(), "every session of the run was closed");
        } finally {
            engine.deactivate();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Path report = Path.of("target", "onnx-conformance.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, report(rows, env.getVersion(), seconds));

        List<String> rawOnly = rows.stream()
                .filter(r -> r.raw().outcome() == Outcome.PASS && r.engine().outcome() != Outcome.PASS)
                .map(r -> r.testCase() + ": " + r.engine().detail()).toList();
        assertTrue(rawOnly.isEmpty(), "cases raw ORT passes but the engine does not (" + rawOnly.size() + "):\n"
                + String.join("\n", rawOnly));
        assertTrue(rows.stream().filter(r -> r.testCase().suite().equals("node"))
                .filter(r -> r.engine().outcome() == Outcome.PASS).count() > 700,
                "most node cases pass; see " + report.toAbsolutePath());
    }

    private static Row run(InferenceEngine engine, OrtEnvironment env, Case c) throws IOException {
        byte[] model = c.model();
        List<DataSet> sets = c.dataSets();
        Map<Path, Proto> protos = new HashMap<>();
        Plan plan = plan(env, model, sets, protos);
        if (plan.skip().isPresent()) {
            Result skip = new Result(Outcome.SKIP, plan.skip().get());
            return new Row(c, plan.dtype(), skip, skip);
        }
        return new Row(c, plan.dtype(), viaEngine(engine, c, model, sets, protos), viaRawOrt(env, model, sets, protos));
    }

    /**
     * Decides from the graph (as ORT describes it) and from the test data whether Vigil's tensors can carry the
     * case. The test files are decoded here, once, for both runs.
     */
    private static Plan plan(OrtEnvironment env, byte[] model, List<DataSet> sets, Map<Path, Proto> protos) {
        String dtype = "?";
        List<String> io = new ArrayList<>();
        List<String> inputNames = List.of();
        List<String> outputNames = List.of();
        Map<String, TensorType> graphTypes = new HashMap<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session = env.createSession(model, options)) {
            inputNames = List.copyOf(session.getInputNames());
            outputNames = List.copyOf(session.getOutputNames());
            for (Map.Entry<String, NodeInfo> e : join(session.getInputInfo(), session.getOutputInfo())) {
                if (!(e.getValue().getInfo() instanceof TensorInfo info)) {
                    String kind = e.getValue().getInfo().getClass().getSimpleName().replace("Info", "").toLowerCase();
                    return new Plan("non-tensor", Optional.of("a " + kind + " input or output (Vigil passes "
                            + "tensors only)"));
                }
                TensorType type = OrtTensors.vigilType(info.onnxType);
                if (type == null) {
                    io.add(info.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", ""));
                } else {
                    graphTypes.put(e.getKey(), type);
                }
            }
        } catch (OrtException e) {
            // does not load in ORT: judged from the test data alone, and counted as a failure of both runs
        }
        for (DataSet set : sets) {
            for (Path file : concat(set.inputs(), set.outputs())) {
                try {
                    Proto p = TensorProtoReader.read(file);
                    boolean input = set.inputs().contains(file);
                    int index = (input ? set.inputs() : set.outputs()).indexOf(file);
                    String name = inputName(p, index, input ? inputNames : outputNames);
                    if (p.dataType() == TensorProtoReader.UINT16 && graphTypes.get(name) == TensorType.BFLOAT16) {
                        // ONNX 1.12's generator stored bfloat16 test values as their UINT16 bit patterns
                        p = new Proto(p.name(), TensorProtoReader.BFLOAT16, p.dims(), p.data());
                    }
                    protos.put(file, p);
                    if (BackendCases.vigilType(p.dataType()) == null || p.data() == null) {
                        io.add(p.typeName());
                    }
                } catch (IOException e) {
                    return new Plan("non-tensor", Optional.of(
                            "test data that is not a plain tensor (sequence, map or optional)"));
                }
            }
        }
        for (DataSet set : sets) {
            if (!set.outputs().isEmpty()) {
                dtype = protos.get(set.outputs().get(0)).typeName();
                break;
            }
        }
        if (!io.isEmpty()) {
            String types = io.stream().distinct().sorted().collect(Collectors.joining(", "));
            return new Plan(dtype, Optional.of(types + " tensors (no such type in Vigil's tensors nor in ORT's "
                    + "Java API)"));
        }
        return new Plan(dtype, Optional.empty());
    }

    private static Result viaEngine(InferenceEngine engine, Case c, byte[] model, List<DataSet> sets,
            Map<Path, Proto> protos) {
        try (ModelSession session = engine.open(model, c.source(), null)) {
            for (DataSet set : sets) {
                Map<String, Tensor> feed = new HashMap<>();
                for (int i = 0; i < set.inputs().size(); i++) {
                    Proto p = protos.get(set.inputs().get(i));
                    feed.put(inputName(p, i, session.inputs().stream().map(TensorSpec::name).toList()),
                            BackendCases.toTensor(p));
                }
                Map<String, Tensor> out = session.run(feed);
                List<String> outputNames = session.outputs().stream().map(TensorSpec::name).toList();
                for (int i = 0; i < set.outputs().size(); i++) {
                    Proto expected = protos.get(set.outputs().get(i));
                    String name = inputName(expected, i, outputNames);
                    Tensor actual = out.get(name);
                    if (actual == null) {
                        return Result.fail(set.dir().getFileName() + ": no output '" + name + "' in " + out.keySet());
                    }
                    String diff = BackendCases.compare(expected, BackendCases.fromTensor(name, actual), RTOL, ATOL);
                    if (diff != null) {
                        return Result.fail(set.dir().getFileName() + ": output '" + name + "': " + diff);
                    }
                }
            }
            return Result.PASS;
        } catch (ModelException e) {
            // ORT's own words when it is ORT that failed, so the table compares like with like
            return Result.fail(e.reason() + ": " + firstLine(e.getCause() instanceof OrtException o ? o.getMessage()
                    : e.getMessage()));
        } catch (RuntimeException e) {
            return Result.fail(e.toString());
        }
    }

    private static Result viaRawOrt(OrtEnvironment env, byte[] model, List<DataSet> sets, Map<Path, Proto> protos) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session = env.createSession(model, options)) {
            List<String> inputNames = List.copyOf(session.getInputNames());
            List<String> outputNames = List.copyOf(session.getOutputNames());
            for (DataSet set : sets) {
                Map<String, OnnxTensor> feed = new HashMap<>();
                try {
                    for (int i = 0; i < set.inputs().size(); i++) {
                        Proto p = protos.get(set.inputs().get(i));
                        feed.put(inputName(p, i, inputNames), rawTensor(env, p));
                    }
                    try (OrtSession.Result result = session.run(feed)) {
                        for (int i = 0; i < set.outputs().size(); i++) {
                            Proto expected = protos.get(set.outputs().get(i));
                            String name = inputName(expected, i, outputNames);
                            Optional<OnnxValue> value = result.get(name);
                            if (value.isEmpty() || !(value.get() instanceof OnnxTensor t)) {
                                return Result.fail(set.dir().getFileName() + ": no tensor output '" + name + "'");
                            }
                            String diff = BackendCases.compare(expected, rawProto(name, t), RTOL, ATOL);
                            if (diff != null) {
                                return Result.fail(set.dir().getFileName() + ": output '" + name + "': " + diff);
                            }
                        }
                    }
                } finally {
                    feed.values().forEach(OnnxTensor::close);
                }
            }
            return Result.PASS;
        } catch (OrtException e) {
            return Result.fail(firstLine(e.getMessage()));
        } catch (RuntimeException e) {
            return Result.fail(e.toString());
        }
    }

    /** The test file's own name when it has one (most do), else the graph's name at its position. */
    private static String inputName(Proto p, int index, List<String> graphNames) {
        if (!p.name().isEmpty()) {
            return p.name();
        }
        return index < graphNames.size() ? graphNames.get(index) : "#" + index;
    }

    /** ORT's own way in: typed buffers with the ORT element type, strings as an array. */
    private static OnnxTensor rawTensor(OrtEnvironment env, Proto p) throws OrtException {
        long[] shape = p.dims();
        return switch (p.dataType()) {
        case TensorProtoReader.FLOAT -> OnnxTensor.createTensor(env, FloatBuffer.wrap((float[]) p.data()), shape);
        case TensorProtoReader.DOUBLE -> OnnxTensor.createTensor(env, DoubleBuffer.wrap((double[]) p.data()), shape);
        case TensorProtoReader.INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap((long[]) p.data()), shape);
        case TensorProtoReader.INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap((int[]) p.data()), shape);
        case TensorProtoReader.INT16 -> OnnxTensor.createTensor(env, ShortBuffer.wrap((short[]) p.data()), shape);
        case TensorProtoReader.FLOAT16 -> OnnxTensor.createTensor(env, ShortBuffer.wrap((short[]) p.data()), shape,
                OnnxJavaType.FLOAT16);
        case TensorProtoReader.BFLOAT16 -> OnnxTensor.createTensor(env, ShortBuffer.wrap((short[]) p.data()), shape,
                OnnxJavaType.BFLOAT16);
        case TensorProtoReader.INT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) p.data()), shape,
                OnnxJavaType.INT8);
        case TensorProtoReader.UINT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) p.data()), shape,
                OnnxJavaType.UINT8);
        case TensorProtoReader.BOOL -> OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) p.data()), shape,
                OnnxJavaType.BOOL);
        case TensorProtoReader.STRING -> OnnxTensor.createTensor(env, (String[]) p.data(), shape);
        default -> throw new IllegalArgumentException(p + " cannot be created through ORT's Java API");
        };
    }

    private static Proto rawProto(String name, OnnxTensor t) throws OrtException {
        TensorInfo info = t.getInfo();
        TensorType type = OrtTensors.vigilType(info.onnxType);
        if (type == null) {
            throw new IllegalStateException("output '" + name + "' is " + info.onnxType);
        }
        long[] shape = info.getShape();
        int n = (int) info.getNumElements();
        Object data;
        if (type == TensorType.STRING) {
            data = shape.length == 0 ? new String[] { (String) t.getValue() } : OrtUtil.flattenString(t.getValue());
        } else if (n == 0) {
            data = BackendCases.toArray(type, empty(type), 0);
        } else {
            data = BackendCases.toArray(type, switch (type) {
            case FLOAT -> t.getFloatBuffer();
            case DOUBLE -> t.getDoubleBuffer();
            case INT64 -> t.getLongBuffer();
            case INT32 -> t.getIntBuffer();
            case INT16, FLOAT16, BFLOAT16 -> t.getShortBuffer();
            default -> t.getByteBuffer();
            }, n);
        }
        return new Proto(name, BackendCases.onnxType(type), shape, data);
    }

    private static java.nio.Buffer empty(TensorType type) {
        return switch (type) {
        case FLOAT -> FloatBuffer.allocate(0);
        case DOUBLE -> DoubleBuffer.allocate(0);
        case INT64 -> LongBuffer.allocate(0);
        case INT32 -> IntBuffer.allocate(0);
        case INT16, FLOAT16, BFLOAT16 -> ShortBuffer.allocate(0);
        default -> ByteBuffer.allocate(0);
        };
    }

    private static String report(List<Row> rows, String version, double seconds) {
        StringBuilder md = new StringBuilder();
        md.append("# ONNX backend conformance: Vigil engine vs raw ONNX Runtime ").append(version).append("\n\n");
        md.append("Generated by `OnnxConformanceTest` in ").append(String.format("%.1f", seconds))
                .append(" s. Engine: `InferenceEngine.open` / `ModelSession.run` with `Tensor`s (1 intra-op thread, ")
                .append("graph optimisation on). Raw: `OrtSession` with default options, typed NIO buffers. ")
                .append("Tolerance |a - e| <= ").append(ATOL).append(" + ").append(RTOL).append(" |e|, NaN = NaN, ")
                .append("integers, booleans and strings exact. Test data: ").append(BackendCases.root()).append("\n\n");

        md.append("## Per suite\n\n| suite | cases | engine pass | engine fail | raw pass | raw fail | skipped |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|\n");
        Map<String, List<Row>> bySuite = new LinkedHashMap<>();
        rows.forEach(r -> bySuite.computeIfAbsent(r.testCase().suite(), k -> new ArrayList<>()).add(r));
        bySuite.forEach((suite, list) -> md.append(line(suite, list)));
        md.append(line("**all**", rows)).append('\n');

        md.append("## Per element type (of the first expected output)\n\n")
                .append("| type | cases | engine pass | engine fail | raw pass | raw fail | skipped |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|\n");
        Map<String, List<Row>> byType = new TreeMap<>();
        rows.forEach(r -> byType.computeIfAbsent(r.dtype(), k -> new ArrayList<>()).add(r));
        byType.forEach((type, list) -> md.append(line(type, list)));
        md.append('\n');

        md.append("## Skipped, by reason\n\n");
        Map<String, List<String>> skips = new TreeMap<>();
        rows.stream().filter(r -> r.engine().outcome() == Outcome.SKIP)
                .forEach(r -> skips.computeIfAbsent(r.engine().detail(), k -> new ArrayList<>()).add(r.testCase().toString()));
        skips.forEach((reason, cases) -> md.append("- ").append(reason).append(" (").append(cases.size()).append("): ")
                .append(String.join(", ", cases)).append('\n'));
        md.append('\n');

        md.append("## Failures\n\n| case | engine | raw ORT |\n|---|---|---|\n");
        rows.stream().filter(r -> r.engine().outcome() == Outcome.FAIL || r.raw().outcome() == Outcome.FAIL)
                .forEach(r -> md.append("| ").append(r.testCase()).append(" | ").append(cell(r.engine())).append(" | ")
                        .append(cell(r.raw())).append(" |\n"));
        return md.toString();
    }

    private static String line(String label, List<Row> list) {
        return "| " + label + " | " + list.size() + " | " + count(list, true, Outcome.PASS) + " | "
                + count(list, true, Outcome.FAIL) + " | " + count(list, false, Outcome.PASS) + " | "
                + count(list, false, Outcome.FAIL) + " | " + count(list, true, Outcome.SKIP) + " |\n";
    }

    private static long count(List<Row> rows, boolean engine, Outcome outcome) {
        return rows.stream().filter(r -> (engine ? r.engine() : r.raw()).outcome() == outcome).count();
    }

    private static String cell(Result r) {
        String text = r.outcome() == Outcome.PASS ? "pass" : r.detail();
        text = text.replace("|", "\\|").replace("\n", " ");
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static <T> List<T> concat(Collection<T> a, Collection<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static List<Map.Entry<String, NodeInfo>> join(Map<String, NodeInfo> a, Map<String, NodeInfo> b) {
        List<Map.Entry<String, NodeInfo>> all = new ArrayList<>(a.entrySet());
        all.addAll(b.entrySet());
        return all;
    }
}
