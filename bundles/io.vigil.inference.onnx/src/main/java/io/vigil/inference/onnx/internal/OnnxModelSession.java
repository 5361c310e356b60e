package io.vigil.inference.onnx.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.ExecutionMode;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.TensorInfo;
import io.vigil.api.model.ModelException;
import io.vigil.api.model.ModelException.Reason;
import io.vigil.api.model.ModelSession;
import io.vigil.api.model.SessionOptions;
import io.vigil.api.model.Tensor;
import io.vigil.api.model.TensorSpec;
import io.vigil.api.model.TensorType;

/**
 * A model loaded into an ORT session.
 *
 * <p>Runs share a read lock and {@link #close()} takes the write lock: ORT's {@code Run} may be called from
 * several threads at once, but releasing the native session under a run in flight would free memory the run
 * still uses. So close waits for the runs in progress, later runs see the session closed, and the native
 * session is released exactly once.
 */
final class OnnxModelSession implements ModelSession {

    private static final Logger LOG = System.getLogger(OnnxModelSession.class.getName());

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String source;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final Map<String, TensorSpec> inputsByName;
    /** The inputs' shapes, kept once: {@link TensorSpec#shape()} hands out a copy on every call. */
    private final Map<String, long[]> expectedShapes;
    private final Consumer<OnnxModelSession> onClose;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Guarded by {@link #lock}: written under the write lock, read under either. */
    private boolean closed;

    private OnnxModelSession(OrtEnvironment env, OrtSession session, String source, List<TensorSpec> inputs,
            List<TensorSpec> outputs, Consumer<OnnxModelSession> onClose) {
        this.env = env;
        this.session = session;
        this.source = source;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.onClose = onClose;
        // a HashMap, not Map.copyOf: a caller's map may hold a null name, which Map.copyOf's lookups reject
        Map<String, TensorSpec> byName = new HashMap<>();
        Map<String, long[]> shapes = new HashMap<>();
        inputs.forEach(spec -> {
            byName.put(spec.name(), spec);
            shapes.put(spec.name(), spec.shape());
        });
        this.inputsByName = byName;
        this.expectedShapes = shapes;
    }

    /**
     * @param onClose told once, after the native session is released
     * @throws ModelException INVALID_MODEL when ORT cannot load the bytes, or the graph has an input or output
     *         that Vigil's tensors cannot carry
     */
    static OnnxModelSession open(OrtEnvironment env, byte[] model, String source, SessionOptions options,
            Consumer<OnnxModelSession> onClose) throws ModelException {
        OrtSession session;
        try (OrtSession.SessionOptions ortOptions = new OrtSession.SessionOptions()) {
            ortOptions.setIntraOpNumThreads(options.intraOpThreads());
            ortOptions.setInterOpNumThreads(options.interOpThreads());
            // ORT uses inter-op threads only in parallel mode; one thread means run the graph in order
            ortOptions.setExecutionMode(options.interOpThreads() > 1 ? ExecutionMode.PARALLEL : ExecutionMode.SEQUENTIAL);
            ortOptions.setOptimizationLevel(options.optimizeGraph() ? OptLevel.ALL_OPT : OptLevel.NO_OPT);
            ortOptions.setLoggerId(source);
            session = env.createSession(model, ortOptions);
        } catch (OrtException e) {
            throw new ModelException(Reason.INVALID_MODEL, "model " + source + " (" + model.length
                    + " bytes) does not load in ONNX Runtime " + env.getVersion() + ": " + e.getMessage(), e);
        }
        try {
            List<TensorSpec> inputs = specs(source, "input", session.getInputInfo());
            List<TensorSpec> outputs = specs(source, "output", session.getOutputInfo());
            return new OnnxModelSession(env, session, source, inputs, outputs, onClose);
        } catch (ModelException | OrtException | RuntimeException e) {
            closeQuietly(session, source);
            if (e instanceof ModelException m) {
                throw m;
            }
            throw new ModelException(Reason.INVALID_MODEL, "model " + source
                    + ": ONNX Runtime cannot describe its inputs and outputs: " + e.getMessage(), e);
        }
    }

    private static List<TensorSpec> specs(String source, String kind, Map<String, NodeInfo> nodes)
            throws ModelException {
        List<TensorSpec> specs = new ArrayList<>(nodes.size());
        for (NodeInfo node : nodes.values()) {
            if (!(node.getInfo() instanceof TensorInfo info)) {
                throw new ModelException(Reason.INVALID_MODEL, "model " + source + ": " + kind + " '"
                        + node.getName() + "' is a " + node.getInfo() + ", not a tensor; Vigil's engine passes "
                        + "tensors only (export the model with tensor " + kind + "s)");
            }
            TensorType type = OrtTensors.vigilType(info.onnxType);
            if (type == null) {
                throw new ModelException(Reason.INVALID_MODEL, "model " + source + ": " + kind + " '"
                        + node.getName() + "' has element type " + info.onnxType + ", which Vigil's tensors "
                        + "cannot carry (they have " + Arrays.toString(TensorType.values()) + ")");
            }
            specs.add(new TensorSpec(node.getName(), type, info.getShape()));
        }
        return specs;
    }

    @Override
    public List<TensorSpec> inputs() {
        return inputs;
    }

    @Override
    public List<TensorSpec> outputs() {
        return outputs;
    }

    String source() {
        return source;
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> feed) throws ModelException {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new ModelException(Reason.CLOSED, "model " + source + " is closed; open it again to run it");
            }
            checkNames(feed);
            Map<String, OnnxTensor> ortInputs = new HashMap<>(inputs.size() * 2);
            try {
                for (TensorSpec spec : inputs) {
                    Tensor tensor = feed.get(spec.name());
                    long[] shape = tensor.shape();
                    check(spec, tensor, shape);
                    ortInputs.put(spec.name(), convert(spec, tensor, shape));
                }
                try (OrtSession.Result result = session.run(ortInputs)) {
                    Map<String, Tensor> out = new LinkedHashMap<>(outputs.size() * 2);
                    for (TensorSpec spec : outputs) {
                        out.put(spec.name(), output(spec, result.get(spec.name())));
                    }
                    return out;
                }
            } catch (OrtException e) {
                throw new ModelException(Reason.RUN_FAILED, "model " + source + " failed in ONNX Runtime: "
                        + e.getMessage(), e);
            } finally {
                ortInputs.values().forEach(OnnxTensor::close);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Missing and unknown names, all reported at once so one fix is enough. */
    private void checkNames(Map<String, Tensor> feed) throws ModelException {
        if (feed == null) {
            throw badInput("no inputs given (null); it takes " + inputs);
        }
        // every input present and as many entries as inputs: then there is no unknown name either
        boolean complete = feed.size() == inputs.size();
        for (int i = 0; complete && i < inputs.size(); i++) {
            complete = feed.get(inputs.get(i).name()) != null;
        }
        if (complete) {
            return;
        }
        List<String> problems = new ArrayList<>();
        for (TensorSpec spec : inputs) {
            if (!feed.containsKey(spec.name())) {
                problems.add("input '" + spec.name() + "' (" + describe(spec) + ") is missing");
            } else if (feed.get(spec.name()) == null) {
                problems.add("input '" + spec.name() + "' (" + describe(spec) + ") is null");
            }
        }
        List<String> given = new ArrayList<>(feed.keySet());
        given.sort(Comparator.nullsFirst(Comparator.naturalOrder()));
        for (String name : given) {
            if (name == null || !inputsByName.containsKey(name)) {
                problems.add("'" + name + "' is not one of its inputs");
            }
        }
        throw badInput(String.join("; ", problems) + ". Given " + given + ", it takes " + inputs);
    }

    /**
     * Type, rank and every fixed dimension. ORT checks these too, but its message names neither the model nor
     * what it expected, and counts as a run failure rather than bad input.
     */
    private void check(TensorSpec spec, Tensor tensor, long[] shape) throws ModelException {
        if (tensor.type() != spec.type()) {
            throw badInput("input '" + spec.name() + "' must be " + describe(spec) + ", got a " + tensor.type()
                    + Arrays.toString(shape) + " tensor");
        }
        long[] expected = expectedShapes.get(spec.name());
        if (expected.length != shape.length) {
            throw badInput("input '" + spec.name() + "' must be " + describe(spec) + " (rank " + expected.length
                    + "), got shape " + Arrays.toString(shape) + " (rank " + shape.length + ")");
        }
        for (int d = 0; d < shape.length; d++) {
            if (expected[d] >= 0 && expected[d] != shape[d]) {
                throw badInput("input '" + spec.name() + "' must be " + describe(spec) + ", got shape "
                        + Arrays.toString(shape) + ": dimension " + d + " is " + shape[d] + ", not " + expected[d]);
            }
        }
    }

    private OnnxTensor convert(TensorSpec spec, Tensor tensor, long[] shape) throws ModelException, OrtException {
        try {
            return OrtTensors.toOrt(env, tensor, shape);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ModelException(Reason.BAD_INPUT, "model " + source + ": input '" + spec.name() + "' ("
                    + tensor + ") cannot be passed to ONNX Runtime: " + e.getMessage(), e);
        }
    }

    private Tensor output(TensorSpec spec, Optional<OnnxValue> value) throws OrtException {
        OnnxValue v = value.orElseThrow(() -> new OrtException("no value for output '" + spec.name() + "'"));
        if (!(v instanceof OnnxTensor tensor)) {
            throw new OrtException("output '" + spec.name() + "' came back as " + v.getType() + ", not a tensor");
        }
        TensorType type = OrtTensors.vigilType(tensor.getInfo().onnxType);
        if (type == null) {
            throw new OrtException("output '" + spec.name() + "' came back with element type "
                    + tensor.getInfo().onnxType + ", which Vigil's tensors cannot carry");
        }
        return OrtTensors.fromOrt(tensor, type);
    }

    private ModelException badInput(String problem) {
        return new ModelException(Reason.BAD_INPUT, "model " + source + ": " + problem);
    }

    private static String describe(TensorSpec spec) {
        return spec.type() + Arrays.toString(spec.shape());
    }

    /** Waits for the runs in progress, then releases the native session; later calls do nothing. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly(session, source);
        } finally {
            lock.writeLock().unlock();
        }
        onClose.accept(this);
    }

    boolean isClosed() {
        lock.readLock().lock();
        try {
            return closed;
        } finally {
            lock.readLock().unlock();
        }
    }

    private static void closeQuietly(OrtSession session, String source) {
        try {
            session.close();
        } catch (OrtException | RuntimeException e) {
            LOG.log(Level.WARNING, "ONNX Runtime failed to release the session of model " + source, e);
        }
    }

    @Override
    public String toString() {
        return "OnnxModelSession[" + source + "]";
    }
}
