package io.vigil.inference.onnx.internal;

import java.io.File;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import ai.onnxruntime.OrtEnvironment;
import io.vigil.api.model.InferenceEngine;
import io.vigil.api.model.ModelException;
import io.vigil.api.model.ModelException.Reason;
import io.vigil.api.model.ModelSession;
import io.vigil.api.model.SessionOptions;

/**
 * The inference engine on ONNX Runtime. Keeps track of the sessions it opened, so that a status page can count
 * them and so that deactivation (bundle stop, update, configuration change) releases every native session
 * instead of leaking it.
 */
@Component(immediate = true, service = InferenceEngine.class, configurationPid = OnnxEngine.PID,
        property = InferenceEngine.ENGINE + "=" + OnnxEngine.NAME)
@Designate(ocd = OnnxEngine.Config.class)
public final class OnnxEngine implements InferenceEngine {

    public static final String PID = "io.vigil.inference.onnx";
    public static final String NAME = "onnxruntime";

    private static final Logger LOG = System.getLogger(OnnxEngine.class.getName());

    @ObjectClassDefinition(id = OnnxEngine.PID, name = "Vigil ONNX Runtime engine",
            description = "Runs ONNX models in ONNX Runtime, embedded in this bundle.")
    public @interface Config {
        @AttributeDefinition(name = "Intra-op threads", min = "1", description = "Threads one operator may use, "
                + "for sessions opened without options of their own. 1 suits a gateway's few, shared cores.")
        int intra_op_threads() default 1;

        @AttributeDefinition(name = "Inter-op threads", min = "1", description = "Threads running independent "
                + "operators in parallel, for sessions opened without options of their own; 1 runs the graph "
                + "in order.")
        int inter_op_threads() default 1;

        @AttributeDefinition(name = "Graph optimisation", description = "Let ONNX Runtime rewrite the graph "
                + "for speed when it loads a model (sessions opened without options of their own).")
        boolean graph_optimization() default true;

        @AttributeDefinition(name = "Native library directory", required = false, description = "Where the "
                + "ONNX Runtime libraries are unpacked to be loaded (then deleted). Empty: the bundle's data "
                + "area. Ignored when -Donnxruntime.native.path is set on the command line.")
        String native_dir() default "";
    }

    private final OrtEnvironment env;
    private final SessionOptions defaults;
    private final Set<OnnxModelSession> sessions = ConcurrentHashMap.newKeySet();
    private volatile boolean active = true;

    @Activate
    public OnnxEngine(Config config, BundleContext context) {
        this(config, nativeDir(config, context));
    }

    /**
     * An engine outside a framework (tests, benchmarks): the natives are unpacked in {@code nativeDir} unless the
     * configuration names a directory. A factory rather than a second constructor, so that callers compile
     * without the OSGi framework API the DS constructor mentions.
     */
    public static OnnxEngine standalone(Config config, Path nativeDir) {
        return new OnnxEngine(config, nativeDir);
    }

    private OnnxEngine(Config config, Path nativeDir) {
        this.defaults = new SessionOptions(config.intra_op_threads(), config.inter_op_threads(),
                config.graph_optimization());
        Path dir = config.native_dir().isBlank() ? nativeDir : Path.of(config.native_dir());
        String natives = NativeLibraries.load(dir);
        this.env = OrtEnvironment.getEnvironment();
        LOG.log(Level.INFO, () -> "ONNX Runtime " + env.getVersion() + " ready: " + natives
                + "; sessions opened without options: " + defaults);
    }

    private static Path nativeDir(Config config, BundleContext context) {
        if (!config.native_dir().isBlank()) {
            return Path.of(config.native_dir());
        }
        File data = context.getDataFile(NAME);
        if (data == null) {
            throw new IllegalStateException("the framework gives bundle " + context.getBundle().getSymbolicName()
                    + " no data area to unpack the ONNX Runtime libraries into: set native.dir in configuration "
                    + PID);
        }
        return data.toPath();
    }

    @Deactivate
    void deactivate() {
        active = false;
        List<OnnxModelSession> left = List.copyOf(sessions);
        if (!left.isEmpty()) {
            LOG.log(Level.WARNING, () -> "closing " + left.size() + " model session(s) still open as the ONNX "
                    + "engine stops; their owners did not close them: "
                    + left.stream().map(OnnxModelSession::source).sorted().collect(Collectors.joining(", ")));
        }
        left.forEach(OnnxModelSession::close);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String runtimeVersion() {
        return env.getVersion();
    }

    /**
     * @param options how to run the session; null takes this engine's configured defaults
     */
    @Override
    public ModelSession open(byte[] model, String source, SessionOptions options) throws ModelException {
        String name = source == null || source.isBlank() ? "(unnamed)" : source;
        if (!active) {
            throw new ModelException(Reason.CLOSED, "the ONNX engine has stopped; cannot open model " + name
                    + ": get the engine service again");
        }
        if (model == null || model.length == 0) {
            throw new ModelException(Reason.INVALID_MODEL, "model " + name + " is empty (no bytes)");
        }
        OnnxModelSession session = OnnxModelSession.open(env, model, name, options != null ? options : defaults,
                sessions::remove);
        sessions.add(session);
        if (!active) {
            // deactivate ran while this session was being created and did not see it
            session.close();
            throw new ModelException(Reason.CLOSED, "the ONNX engine stopped while model " + name
                    + " was loading: get the engine service again");
        }
        return session;
    }

    @Override
    public int openSessions() {
        return sessions.size();
    }

    @Override
    public String toString() {
        return "OnnxEngine[ONNX Runtime " + env.getVersion() + ", " + sessions.size() + " open sessions]";
    }
}
