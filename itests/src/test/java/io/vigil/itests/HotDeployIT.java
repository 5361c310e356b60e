package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.Test;
import org.osgi.framework.Bundle;

/** The hot-deploy directory: a bundle dropped in is installed and started; removed, it is uninstalled. */
public class HotDeployIT extends VigilTestSupport {

    private static final String BSN = "io.vigil.itest.hotdeploy";

    @Test
    public void bundleDroppedInIsInstalledAndRemovedIsUninstalled() throws IOException {
        Path dir = Path.of(context.getProperty("felix.fileinstall.dir"));
        Path jar = dir.resolve(BSN + ".jar");
        Path partial = dir.resolve(BSN + ".part");
        writeBundle(partial);
        Files.move(partial, jar, StandardCopyOption.ATOMIC_MOVE); // appear whole, as an scp + mv would

        Bundle installed = await().atMost(Duration.ofSeconds(20)).until(() -> find().orElse(null),
                b -> b != null && b.getState() == Bundle.ACTIVE);
        assertEquals("1.0.0", installed.getVersion().toString());

        Files.delete(jar);
        await().atMost(Duration.ofSeconds(20)).until(() -> find().isEmpty());
        assertEquals(Bundle.UNINSTALLED, installed.getState());
    }

    private Optional<Bundle> find() {
        return Arrays.stream(context.getBundles()).filter(b -> BSN.equals(b.getSymbolicName())).findFirst();
    }

    private static void writeBundle(Path file) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", BSN);
        a.putValue("Bundle-Version", "1.0.0");
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, m)) {
            jar.flush();
        }
    }
}
