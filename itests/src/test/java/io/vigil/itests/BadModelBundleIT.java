package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.Test;
import org.osgi.framework.Bundle;

import io.vigil.api.model.ModelCatalog;
import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.model.RejectedModel;

/** Broken model bundles are refused with the bundle and the problem named, while model 1.0.0 keeps serving. */
public class BadModelBundleIT extends VigilTestSupport {

    @Inject
    ModelCatalog catalog;

    private static Path reference() {
        return Path.of(System.getProperty("vigil.models.dir"), "bearing-fault-1.0.0");
    }

    private RejectedModel rejectionOf(Bundle b) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> catalog.rejected().stream()
                .filter(r -> r.bundleId() == b.getBundleId()).findFirst().orElse(null), r -> r != null);
    }

    private void assertV1StillServes() {
        List<String> served = catalog.served().stream().map(ModelDescriptor::id).toList();
        assertEquals(List.of("bearing-fault:1.0.0"), served);
    }

    @Test
    public void brokenModelBundlesAreRefusedAndTheLiveModelKeepsServing() throws Exception {
        byte[] model = Files.readAllBytes(reference().resolve("model.onnx"));
        byte[] descriptor = Files.readAllBytes(reference().resolve("descriptor.json"));
        String header = "bearing-fault;version=1.0.0;model=model/model.onnx;descriptor=model/descriptor.json";
        Bundle v1 = context.installBundle(new File(System.getProperty("vigil.model.v1")).toURI().toString());
        v1.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !catalog.served().isEmpty());

        // corrupt .onnx, claiming another version so that only the file is wrong
        String header101 = header.replace("1.0.0", "1.0.1");
        byte[] descriptor101 = new String(descriptor).replaceFirst("\"1.0.0\"", "\"1.0.1\"").getBytes();
        Bundle corrupt = installModelBundle("it.model.corrupt", header101, "not an onnx file".getBytes(),
                descriptor101);
        String reason = rejectionOf(corrupt).reason();
        assertTrue(reason, reason.contains("it.model.corrupt") && reason.contains("does not load"));
        assertV1StillServes();

        // truncated .onnx
        Bundle truncated = installModelBundle("it.model.truncated", header101,
                java.util.Arrays.copyOf(model, model.length / 2), descriptor101);
        reason = rejectionOf(truncated).reason();
        assertTrue(reason, reason.contains("it.model.truncated") && reason.contains("does not load"));

        // header not matching the graph: declares 9 features for a 13-input graph
        Bundle mismatch = installModelBundle("it.model.mismatch", header.replace("1.0.0", "2.0.0"), model,
                Files.readAllBytes(reference().resolveSibling("bearing-fault-2.0.0").resolve("descriptor.json")));
        reason = rejectionOf(mismatch).reason();
        assertTrue(reason, reason.contains("it.model.mismatch") && reason.contains("does not match the graph"));

        // no header at all, though it asks for the model extender
        Bundle headless = installModelBundle("it.model.headless", null, model, descriptor);
        reason = rejectionOf(headless).reason();
        assertTrue(reason, reason.contains("it.model.headless") && reason.contains("no Vigil-Model header"));

        // a second bundle claiming bearing-fault 1.0.0
        Bundle twin = installModelBundle("it.model.twin", header, model, descriptor);
        reason = rejectionOf(twin).reason();
        assertTrue(reason, reason.contains("it.model.twin") && reason.contains("already served by bundle "
                + v1.getBundleId()));

        assertV1StillServes();
        assertEquals(5, catalog.rejected().size());
        for (Bundle b : List.of(corrupt, truncated, mismatch, headless, twin)) {
            b.uninstall();
        }
        assertTrue("uninstalled bundles leave the list", catalog.rejected().isEmpty());
        v1.uninstall();
        assertTrue(catalog.served().isEmpty());
    }
}
