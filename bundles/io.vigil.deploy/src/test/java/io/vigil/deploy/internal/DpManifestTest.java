package io.vigil.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_BAD_HEADER;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_MISSING_HEADER;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;
import org.osgi.service.deploymentadmin.DeploymentException;

class DpManifestTest {

    private static Manifest manifest(String... lines) throws IOException {
        String text = String.join("\r\n", lines) + "\r\n\r\n";
        return new Manifest(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static void assertRefused(int code, Manifest manifest, String... named) {
        DeploymentException e = assertThrows(DeploymentException.class, () -> DpManifest.parse(manifest));
        assertEquals(code, e.getCode(), e::getMessage);
        for (String value : named) {
            assertTrue(e.getMessage().contains(value), () -> "the message should name " + value + ": "
                    + e.getMessage());
        }
    }

    @Test
    void parsesHeadersAndSections() throws Exception {
        DpManifest dp = DpManifest.parse(manifest(
                "Manifest-Version: 1.0",
                "DeploymentPackage-SymbolicName: com.acme.models",
                "DeploymentPackage-Version: 2.0.0.beta",
                "DeploymentPackage-FixPack: [1.0,2.0)",
                "DeploymentPackage-RequiredStorage: 4096",
                "DeploymentPackage-Vendor: ACME",
                "",
                "Name: bundles/z.jar",
                "Bundle-SymbolicName: com.acme.z;singleton:=true",
                "Bundle-Version: 1.1",
                "",
                "Name: bundles/a.jar",
                "Bundle-SymbolicName: com.acme.a",
                "Bundle-Version: 1.0.0",
                "DeploymentPackage-Missing: TRUE",
                "",
                "Name: META-INF/maven/pom.xml",
                "SHA-256-Digest: AAAA"));

        assertEquals("com.acme.models", dp.symbolicName());
        assertEquals(new Version(2, 0, 0, "beta"), dp.version());
        assertEquals(new VersionRange("[1.0,2.0)"), dp.fixPack().orElseThrow());
        assertTrue(dp.isFixPack());
        assertEquals(OptionalLong.of(4096), dp.requiredStorage());
        assertEquals("ACME", dp.header("deploymentpackage-vendor"));
        // sorted by name; META-INF sections are signing bookkeeping, not content
        assertEquals(List.of("bundles/a.jar", "bundles/z.jar"), dp.entries().stream().map(DpManifest.Entry::name)
                .toList());
        DpManifest.Entry a = dp.entry("bundles/a.jar").orElseThrow();
        assertTrue(a.isBundle() && a.missing() && !a.customizer());
        DpManifest.Entry z = dp.entry("bundles/z.jar").orElseThrow();
        assertEquals("com.acme.z", z.bundleSymbolicName());
        assertEquals(new Version(1, 1, 0), z.bundleVersion());
        assertFalse(z.missing());
        assertEquals("com.acme.z;singleton:=true", z.headers().get("bundle-symbolicname"));
    }

    @Test
    void blankRequiredHeaderCountsAsMissing() throws Exception {
        assertRefused(CODE_MISSING_HEADER, manifest("Manifest-Version: 1.0",
                "DeploymentPackage-SymbolicName: com.acme.models", "DeploymentPackage-Version: "),
                "com.acme.models", "DeploymentPackage-Version");
    }

    @Test
    void refusesFlagsThatAreNotBooleans() throws Exception {
        assertRefused(CODE_BAD_HEADER, manifest("Manifest-Version: 1.0",
                "DeploymentPackage-SymbolicName: com.acme.models", "DeploymentPackage-Version: 1.0", "",
                "Name: bundles/a.jar", "Bundle-SymbolicName: com.acme.a", "Bundle-Version: 1.0",
                "DeploymentPackage-Customizer: yes"), "bundles/a.jar", "DeploymentPackage-Customizer", "'yes'");
    }

    @Test
    void refusesCustomizerThatIsNotABundle() throws Exception {
        assertRefused(CODE_BAD_HEADER, manifest("Manifest-Version: 1.0",
                "DeploymentPackage-SymbolicName: com.acme.models", "DeploymentPackage-Version: 1.0", "",
                "Name: conf/a.xml", "Resource-Processor: org.osgi.deployment.rp.autoconf",
                "DeploymentPackage-Customizer: true"), "conf/a.xml", "not a bundle");
    }

    @Test
    void refusesBundleVersionWithoutSymbolicNameAndBadBundleHeaders() throws Exception {
        String[] main = { "Manifest-Version: 1.0", "DeploymentPackage-SymbolicName: com.acme.models",
                "DeploymentPackage-Version: 1.0", "", "Name: bundles/a.jar" };
        assertRefused(CODE_BAD_HEADER, manifest(concat(main, "Bundle-Version: 1.0")), "bundles/a.jar",
                "no Bundle-SymbolicName");
        assertRefused(CODE_BAD_HEADER, manifest(concat(main, "Bundle-SymbolicName: com/acme", "Bundle-Version: 1")),
                "bundles/a.jar", "'com/acme'");
        assertRefused(CODE_BAD_HEADER, manifest(concat(main, "Bundle-SymbolicName: com.acme.a",
                "Bundle-Version: one")), "bundles/a.jar", "'one'");
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
