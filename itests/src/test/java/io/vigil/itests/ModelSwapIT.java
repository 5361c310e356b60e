package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.junit.Test;
import org.osgi.framework.Bundle;

import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectionListener;
import io.vigil.api.model.InferenceEngine;
import io.vigil.api.model.Model;

/**
 * Models shipped as bundles, served by the real ONNX engine while a CWRU recording is replayed: installed,
 * updated to a new version and uninstalled with every window scored by exactly one model.
 */
public class ModelSwapIT extends VigilTestSupport {

    @Inject
    InferenceEngine engine;

    private final List<Detection> detections = new CopyOnWriteArrayList<>();

    private List<Detection> byModel(String version) {
        return detections.stream().filter(d -> d.source().name().equals("bearing-fault")
                && (version == null || d.source().version().equals(version))).toList();
    }

    private Bundle install(String property) throws Exception {
        return context.installBundle(new File(System.getProperty(property)).toURI().toString());
    }

    private void replayAsset(String asset) throws Exception {
        Path file = Path.of(System.getProperty("vigil.data.dir"), "cwru/1797_IR_7_DE12.npz");
        factoryConfig("io.vigil.runtime.asset", Map.of("vigil.asset", asset, "commissioning.seconds", "0",
                "min.commissioning.windows", "20", "model.name", "bearing-fault", "model.mode", "EVERY_WINDOW"));
        factoryConfig("io.vigil.driver.replay", Map.of("vigil.asset", asset, "file", file.toString(),
                "speed", "4", "loop", "true"));
        context.registerService(DetectionListener.class, detections::add, null);
    }

    @Test
    public void modelsSwapAtWindowBoundariesWithEveryWindowScoredOnce() throws Exception {
        replayAsset("swap-models");
        await().atMost(Duration.ofSeconds(30)).until(() -> detections.size() > 5);

        Bundle v1 = install("vigil.model.v1");
        v1.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> byModel("1.0.0").size() >= 10);

        Bundle v2 = install("vigil.model.v2");
        v2.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> byModel("2.0.0").size() >= 10);
        int v1Windows = byModel("1.0.0").size();

        v2.uninstall(); // back to v1
        int v2Windows = byModel("2.0.0").size();
        await().atMost(Duration.ofSeconds(30)).until(() -> byModel("1.0.0").size() >= v1Windows + 10);
        assertEquals("v2 scores nothing once uninstalled", v2Windows, byModel("2.0.0").size());

        v1.uninstall(); // tier-0 only
        long lastModelSeq = byModel(null).stream().mapToLong(Detection::windowSeq).max().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> detections.stream()
                .anyMatch(d -> d.source().name().equals("tier0") && d.windowSeq() > lastModelSeq + 10));
        assertEquals("no model scores after the last one is gone",
                byModel(null).stream().mapToLong(Detection::windowSeq).max().orElseThrow(), lastModelSeq);

        // from the first model-scored window to the last, each window was scored by exactly one model
        TreeMap<Long, List<String>> scorers = new TreeMap<>();
        for (Detection d : byModel(null)) {
            scorers.computeIfAbsent(d.windowSeq(), k -> new ArrayList<>()).add(d.source().version());
        }
        long first = scorers.firstKey();
        Set<Long> tier0 = new HashSet<>();
        detections.stream().filter(d -> d.source().name().equals("tier0")).forEach(d -> tier0.add(d.windowSeq()));
        for (long seq = first; seq <= lastModelSeq; seq++) {
            assertTrue("window " + seq + " was scored by tier-0", tier0.contains(seq));
            List<String> by = scorers.get(seq);
            assertTrue("window " + seq + " scored by " + by + ": exactly one model expected",
                    by != null && by.size() == 1);
        }
        // and the scorer changed only at boundaries: v1 ... v2 ... v1
        List<String> runs = new ArrayList<>();
        scorers.values().forEach(v -> {
            if (runs.isEmpty() || !runs.get(runs.size() - 1).equals(v.get(0))) {
                runs.add(v.get(0));
            }
        });
        assertEquals(List.of("1.0.0", "2.0.0", "1.0.0"), runs);
        assertEquals("every session closed", 0, engine.openSessions());
    }

    @Test
    public void hundredInstallUninstallCyclesLeakNothing() throws Exception {
        int sessionsBefore = engine.openSessions();
        int threadsBefore = Thread.getAllStackTraces().size();
        long filesBefore = tempFiles();
        for (int i = 0; i < 100; i++) {
            Bundle b = install("vigil.model.v1");
            b.start();
            assertEquals("cycle " + i, 1, context.getServiceReferences(Model.class, "(vigil.model.version=1.0.0)")
                    .size());
            b.uninstall();
        }
        assertEquals(sessionsBefore, engine.openSessions());
        int threadsAfter = Thread.getAllStackTraces().size();
        assertTrue("threads in the whole JVM before " + threadsBefore + ", after " + threadsAfter,
                threadsAfter <= threadsBefore + 2); // +2: pool threads of the framework may come and go
        assertEquals("temp files", filesBefore, tempFiles());
    }

    private static long tempFiles() throws Exception {
        // what ONNX Runtime would leave: its extraction folders (the engine unpacks into its data area instead)
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().contains("onnxruntime")).count();
        }
    }
}
