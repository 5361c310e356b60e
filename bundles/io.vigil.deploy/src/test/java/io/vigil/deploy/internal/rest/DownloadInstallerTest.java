package io.vigil.deploy.internal.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.deploymentadmin.DeploymentException;

import com.sun.net.httpserver.HttpServer;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.deploy.DownloadFailedException;
import io.vigil.api.deploy.DownloadFailedException.Reason;
import io.vigil.api.deploy.InstalledPackage;

/** The PackageDownloads component against a real HTTP server on a loopback port and a recording deployment manager. */
class DownloadInstallerTest {

    private static final int SIZE = 200_000;

    @TempDir
    Path dir;

    private HttpServer server;
    private final byte[] content = new byte[SIZE];
    private String sha;
    private final AtomicInteger requests = new AtomicInteger();
    private final RecordingDeployments deployments = new RecordingDeployments();
    private DownloadInstaller installer;

    @BeforeEach
    void setUp() throws Exception {
        new Random(7).nextBytes(content);
        sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/pkg.dp", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, content.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(content);
            }
        });
        server.start();
        installer = new DownloadInstaller(deployments, new DownloadArea(config(dir.resolve("allowed").toString()),
                dir.resolve("deploy")));
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void aGoodHashInstallsExactlyTheBytesDownloadedAndReportsProgress() throws Exception {
        List<long[]> progress = new CopyOnWriteArrayList<>();

        DeploymentRecord r = installer.install(url("/pkg.dp"), sha.toUpperCase(), "mqtt:console-1", true,
                (received, total) -> progress.add(new long[] { received, total }));

        assertEquals("COMMITTED", r.result());
        assertEquals(1, deployments.installs.size());
        Install i = deployments.installs.get(0);
        assertArrayEquals(content, i.bytes);
        assertEquals("mqtt:console-1", i.requestedBy);
        assertTrue(i.force);
        assertTrue(i.source.contains("/pkg.dp") && i.source.contains(sha), i.source);
        assertEquals(SIZE, progress.get(progress.size() - 1)[0]);
        assertEquals(SIZE, progress.get(0)[1]);
        assertNoDownloadsLeft();
    }

    @Test
    void aHashMismatchIsRefusedAndNothingIsInstalled() {
        String wrong = "ab".repeat(32);

        DownloadFailedException e = assertThrows(DownloadFailedException.class, () -> installer.install(
                url("/pkg.dp"), wrong, "mqtt:console-1", false, null));

        assertEquals(Reason.HASH_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains(wrong) && e.getMessage().contains(sha), e.getMessage());
        assertTrue(deployments.installs.isEmpty(), "nothing reached the deployment manager");
        assertNoDownloadsLeft();
    }

    @Test
    void aMalformedHashIsABadRequestAndNothingIsFetched() {
        DownloadFailedException e = assertThrows(DownloadFailedException.class, () -> installer.install(
                url("/pkg.dp"), "1234", "mqtt:console-1", false, null));

        assertEquals(Reason.BAD_REQUEST, e.reason());
        assertTrue(e.getMessage().contains("'1234'"), e.getMessage());
        assertEquals(0, requests.get());
        assertTrue(deployments.installs.isEmpty());
    }

    @Test
    void aMissingPackageAndAnUnsupportedSchemeAreBadRequests() {
        DownloadFailedException missing = assertThrows(DownloadFailedException.class, () -> installer.install(
                url("/nothing.dp"), sha, "mqtt:console-1", false, null));
        DownloadFailedException ftp = assertThrows(DownloadFailedException.class, () -> installer.install(
                URI.create("ftp://example.com/pkg.dp"), sha, "mqtt:console-1", false, null));

        assertEquals(Reason.BAD_REQUEST, missing.reason());
        assertEquals(Reason.BAD_REQUEST, ftp.reason());
        assertTrue(deployments.installs.isEmpty());
    }

    @Test
    void fileUrlsAreAcceptedOnlyUnderTheConfiguredDirectories() throws Exception {
        Path allowed = Files.createDirectories(dir.resolve("allowed"));
        Path inside = Files.write(allowed.resolve("pkg.dp"), content);
        Path outside = Files.write(dir.resolve("elsewhere.dp"), content);

        DownloadFailedException e = assertThrows(DownloadFailedException.class, () -> installer.install(
                outside.toUri(), sha, "mqtt:console-1", false, null));
        installer.install(inside.toUri(), sha, "mqtt:console-1", false, null);

        assertEquals(Reason.BAD_REQUEST, e.reason());
        assertTrue(e.getMessage().contains("file.dirs"), e.getMessage());
        assertEquals(1, deployments.installs.size());
        assertArrayEquals(content, deployments.installs.get(0).bytes);
    }

    @Test
    void aRefusalOfTheDeploymentManagerComesThroughWithItsCode() {
        deployments.refuseWith = new DeploymentException(DeploymentException.CODE_SIGNING_ERROR, "unsigned");

        DeploymentException e = assertThrows(DeploymentException.class, () -> installer.install(url("/pkg.dp"), sha,
                "mqtt:console-1", false, null));

        assertEquals(DeploymentException.CODE_SIGNING_ERROR, e.getCode());
        assertNoDownloadsLeft();
    }

    @Test
    void everyDownloaderReasonHasAnApiReason() {
        for (DownloadException.Reason r : DownloadException.Reason.values()) {
            DownloadInstaller.reason(r); // the switch is exhaustive; this guards against a default creeping in
        }
        assertEquals(Reason.NO_SPACE, DownloadInstaller.reason(DownloadException.Reason.STORAGE));
        assertEquals(Reason.TIMEOUT, DownloadInstaller.reason(DownloadException.Reason.TIMEOUT));
    }

    private void assertNoDownloadsLeft() {
        try (Stream<Path> s = Files.list(dir.resolve("deploy").resolve("downloads"))) {
            assertEquals(List.of(), s.toList());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static DeployRestConfig config(String fileDir) {
        return new DeployRestConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return DeployRestConfig.class;
            }

            @Override
            public String[] file_dirs() {
                return new String[] { fileDir };
            }

            @Override
            public long max_package_mib() {
                return 1;
            }

            @Override
            public int connect_timeout_seconds() {
                return 5;
            }

            @Override
            public int read_timeout_seconds() {
                return 5;
            }

            @Override
            public int download_connections() {
                return 3;
            }

            @Override
            public int resume_delay_millis() {
                return 0;
            }
        };
    }

    private record Install(byte[] bytes, String requestedBy, String source, boolean force) {
    }

    /** Reads what it is given, as the real one does, and records it. */
    private static final class RecordingDeployments implements DeploymentService {
        final List<Install> installs = new CopyOnWriteArrayList<>();
        volatile DeploymentException refuseWith;

        @Override
        public DeploymentRecord install(InputStream in, String requestedBy, String source, boolean force)
                throws DeploymentException {
            if (refuseWith != null) {
                throw refuseWith;
            }
            try {
                installs.add(new Install(in.readAllBytes(), requestedBy, source, force));
            } catch (IOException e) {
                throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, e.toString());
            }
            return new DeploymentRecord("tx-1", "INSTALL", "pkg", "", "1.0.0", requestedBy, source, "unsigned", 1, 2,
                    "COMMITTED", -1, "installed");
        }

        @Override
        public DeploymentRecord uninstall(String name, String requestedBy, boolean force) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DeploymentRecord rollback(String name, String requestedBy) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<String, InstalledPackage> packages() {
            return Map.of();
        }

        @Override
        public List<DeploymentRecord> history() {
            return new ArrayList<>();
        }
    }
}
