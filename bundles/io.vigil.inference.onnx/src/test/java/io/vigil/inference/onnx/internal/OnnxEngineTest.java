package io.vigil.inference.onnx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigil.api.model.ModelException;
import io.vigil.api.model.ModelException.Reason;
import io.vigil.api.model.ModelSession;
import io.vigil.api.model.SessionOptions;
import io.vigil.api.model.Tensor;
import io.vigil.inference.onnx.internal.BackendCases.TestConfig;

class OnnxEngineTest {

    @TempDir
    Path natives;

    @Test
    void namesItselfAndTheRuntimeVersion() {
        OnnxEngine engine = OnnxEngine.standalone(new TestConfig(), natives);
        try {
            assertEquals("onnxruntime", engine.name());
            assertEquals("1.23.2", engine.runtimeVersion());
        } finally {
            engine.deactivate();
        }
    }

    @Test
    void noNativeLibraryStaysOnDiskAndStaleExtractionsAreSwept() throws IOException {
        Path stale = Files.createDirectories(natives.resolve("ort-load-123"));
        Files.write(stale.resolve("libonnxruntime.so"), new byte[1024]);
        Path operatorsFile = Files.writeString(natives.resolve("keep.txt"), "not ours");

        OnnxEngine engine = OnnxEngine.standalone(new TestConfig(), natives);
        try (Stream<Path> left = Files.list(natives)) {
            assertEquals(List.of(operatorsFile), left.toList(), "only what the engine did not create is left");
        } finally {
            engine.deactivate();
        }
        assertNull(System.getProperty(NativeLibraries.NATIVE_PATH_PROPERTY), "the property is set only while loading");
    }

    @Test
    void corruptBytesAreAnInvalidModelNamingTheSource() {
        OnnxEngine engine = OnnxEngine.standalone(new TestConfig(), natives);
        try {
            byte[] noise = new byte[512];
            new Random(7).nextBytes(noise);
            ModelException e = assertThrows(ModelException.class,
                    () -> engine.open(noise, "pump-model 2.1.0!/model.onnx", SessionOptions.GATEWAY));
            assertEquals(Reason.INVALID_MODEL, e.reason());
            assertTrue(e.getMessage().startsWith("model pump-model 2.1.0!/model.onnx (512 bytes) does not load in "
                    + "ONNX Runtime 1.23.2: "), e.getMessage());
            assertEquals(0, engine.openSessions());
        } finally {
            engine.deactivate();
        }
    }

    @Test
    void aTruncatedOrEmptyModelIsAnInvalidModel() {
        OnnxEngine engine = OnnxEngine.standalone(new TestConfig(), natives);
        try {
            byte[] model = OnnxModels.logistic();
            byte[] truncated = Arrays.copyOf(model, model.length / 2);
            ModelException e = assertThrows(ModelException.class,
                    () -> engine.open(truncated, "half.onnx", SessionOptions.GATEWAY));
            assertEquals(Reason.INVALID_MODEL, e.reason());
            assertTrue(e.getMessage().startsWith("model half.onnx (" + truncated.length + " bytes) does not load"),
                    e.getMessage());

            ModelException empty = assertThrows(ModelException.class,
                    () -> engine.open(new byte[0], "empty.onnx", SessionOptions.GATEWAY));
            assertEquals(Reason.INVALID_MODEL, empty.reason());
            assertEquals("model empty.onnx is empty (no bytes)", empty.getMessage());
        } finally {
            engine.deactivate();
        }
    }

    @Test
    void aModelWithATypeVigilCannotCarryIsRejectedWhenOpened() {
        OnnxEngine engine = OnnxEngine.standalone(new TestConfig(), natives);
        try {
            ModelException e = assertThrows(ModelException.class, () -> engine.open(
                    OnnxModels.identity(TensorProtoReader.UINT32, 1), "counter.onnx", SessionOptions.GATEWAY));
            assertEquals(Reason.INVALID_MODEL, e.reason());
            assertTrue(e.getMessage().startsWith("model counter.onnx: input 'x' has element type "
                    + "ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32, which Vigil's tensors cannot carry"), e.getMessage());
            assertEquals(0, engine.openSessions(), "the ORT session behind the rejected model was released");
        } finally {
            engine.deactivate();
        }
    }

    @Test
    void countsTheSessionsOpenRightNow() throws ModelException {
        OnnxEngine engine = OnnxEngine.standalone(new TestConfig(), natives);
        try {
            ModelSession a = engine.open(OnnxModels.logistic(), "a", SessionOptions.GATEWAY);
            ModelSession b = engine.open(OnnxModels.logistic(), "b", null);
            assertEquals(2, engine.openSessions());
            a.close();
            a.close();
            assertEquals(1, engine.openSessions());
            b.close();
            assertEquals(0, engine.openSessions());
        } finally {
            engine.deactivate();
        }
    }

    @Test
    void configuredDefaultsApplyToSessionsOpenedWithoutOptions() throws ModelException {
        TestConfig config = new TestConfig();
        config.intraOpThreads = 2;
        config.interOpThreads = 2;
        config.graphOptimization = false;
        OnnxEngine engine = OnnxEngine.standalone(config, natives);
        try (ModelSession session = engine.open(OnnxModels.logistic(), "parallel", null)) {
            Tensor y = session.run(Map.of("x", Tensor.ofFloats(new long[] { 1, 13 }, new float[13]))).get("y");
            assertEquals(1, y.elementCount());
        } finally {
            engine.deactivate();
        }
        config.intraOpThreads = 0;
        assertThrows(IllegalArgumentException.class, () -> OnnxEngine.standalone(config, natives));
    }

    @Test
    void deactivationClosesTheSessionsLeftOpenAndRefusesNewOnes() throws ModelException {
        OnnxEngine engine = OnnxEngine.standalone(new TestConfig(), natives);
        ModelSession forgotten = engine.open(OnnxModels.logistic(), "leaky-bundle 1.0.0!/a.onnx", SessionOptions.GATEWAY);
        ModelSession alsoForgotten = engine.open(OnnxModels.logistic(), "leaky-bundle 1.0.0!/b.onnx", null);
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override public void publish(LogRecord r) { logged.add(r); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        Logger log = Logger.getLogger(OnnxEngine.class.getName());
        log.addHandler(capture);
        try {
            engine.deactivate();
        } finally {
            log.removeHandler(capture);
        }

        assertEquals(1, logged.size());
        assertEquals(Level.WARNING, logged.get(0).getLevel());
        String message = logged.get(0).getMessage();
        assertTrue(message.startsWith("closing 2 model session(s) still open as the ONNX engine stops"), message);
        assertTrue(message.contains("leaky-bundle 1.0.0!/a.onnx") && message.contains("leaky-bundle 1.0.0!/b.onnx"),
                message);

        assertEquals(0, engine.openSessions());
        for (ModelSession s : List.of(forgotten, alsoForgotten)) {
            ModelException e = assertThrows(ModelException.class,
                    () -> s.run(Map.of("x", Tensor.ofFloats(new long[] { 1, 13 }, new float[13]))));
            assertEquals(Reason.CLOSED, e.reason());
            assertTrue(((OnnxModelSession) s).isClosed());
        }
        ModelException refused = assertThrows(ModelException.class,
                () -> engine.open(OnnxModels.logistic(), "late.onnx", null));
        assertEquals(Reason.CLOSED, refused.reason());
    }
}
