package io.vigil.deploy.internal.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.vigil.deploy.internal.rest.DownloadException.Reason;

/** The downloader against a real HTTP server on a loopback port: hashes, limits, errors and resumed transfers. */
class DownloaderTest {

    private static final int SIZE = 300_000;
    private static final long MAX = 1_000_000;

    @TempDir
    Path dir;

    private HttpServer server;
    private final byte[] content = bytes(1, SIZE);
    private final String sha = sha256(content);
    /** The Range header of each request, "-" when there was none. */
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final Downloader downloader = new Downloader(Duration.ofSeconds(5), Duration.ofSeconds(5), MAX, 5,
            Duration.ZERO);

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.start();
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private Path target() {
        return dir.resolve("download.part");
    }

    @Test
    void downloadsTheFileWithItsHashAndReportsProgress() throws Exception {
        server.createContext("/pkg", ex -> serve(ex, content, true));
        List<long[]> progress = new ArrayList<>();

        Downloader.Result r = downloader.download(url("/pkg"), target(), sha.toUpperCase(), (received, total) ->
                progress.add(new long[] { received, total }));

        assertEquals(sha, r.sha256());
        assertEquals(SIZE, r.size());
        assertEquals(1, r.connections());
        assertArrayEquals(content, Files.readAllBytes(target()));
        assertTrue(progress.size() > 1, "a 300 kB transfer is reported more than once");
        for (int i = 0; i < progress.size(); i++) {
            assertEquals(SIZE, progress.get(i)[1], "the announced total");
            assertTrue(i == 0 || progress.get(i)[0] > progress.get(i - 1)[0], "the count only grows");
        }
        assertEquals(SIZE, progress.get(progress.size() - 1)[0]);
    }

    @Test
    void aHashMismatchIsRefusedNamingBothHashesAndLeavesNoFile() {
        server.createContext("/pkg", ex -> serve(ex, content, true));
        String wrong = "ab".repeat(32);

        DownloadException e = assertThrows(DownloadException.class, () -> downloader.download(url("/pkg"), target(),
                wrong, Downloader.Progress.NONE));

        assertEquals(Reason.HASH_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains(wrong) && e.getMessage().contains(sha), e.getMessage());
        assertFalse(Files.exists(target()));
    }

    @Test
    void aMalformedExpectedHashIsRejectedBeforeAnyTransfer() {
        server.createContext("/pkg", ex -> serve(ex, content, true));

        assertThrows(IllegalArgumentException.class, () -> downloader.download(url("/pkg"), target(), "abc",
                Downloader.Progress.NONE));
        assertThrows(IllegalArgumentException.class, () -> Downloader.sha256("g".repeat(64)));
        assertEquals(sha, Downloader.sha256(" " + sha.toUpperCase() + " "));
        assertTrue(ranges.isEmpty(), "no request was made");
    }

    @Test
    void notFoundIsReportedAsSuch() {
        server.createContext("/missing", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });

        DownloadException e = assertThrows(DownloadException.class, () -> downloader.download(url("/missing"),
                target(), sha, Downloader.Progress.NONE));

        assertEquals(Reason.NOT_FOUND, e.reason());
        assertTrue(e.getMessage().contains("404"), e.getMessage());
        assertFalse(Files.exists(target()));
    }

    @Test
    void aServerErrorFailsTheSource() {
        server.createContext("/error", ex -> {
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });

        DownloadException e = assertThrows(DownloadException.class, () -> downloader.download(url("/error"),
                target(), sha, Downloader.Progress.NONE));

        assertEquals(Reason.SOURCE_FAILED, e.reason());
        assertTrue(e.getMessage().contains("500"), e.getMessage());
    }

    @Test
    void aTransferThatBreaksOffHalfWayIsResumedWithARangeRequestAndHashedWhole() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        server.createContext("/flaky", ex -> {
            if (requests.incrementAndGet() == 1) {
                breakOffHalfWay(ex, content);
            } else {
                serve(ex, content, true);
            }
        });
        List<long[]> progress = new CopyOnWriteArrayList<>();

        Downloader.Result r = downloader.download(url("/flaky"), target(), sha, (received, total) -> progress.add(
                new long[] { received, total }));

        assertEquals(2, r.connections());
        assertEquals(sha, r.sha256());
        assertArrayEquals(content, Files.readAllBytes(target()));
        assertEquals("-", ranges.get(0));
        assertEquals("bytes=" + SIZE / 2 + "-", ranges.get(1), "the second request asks for the rest only");
        assertEquals(SIZE, progress.get(progress.size() - 1)[0]);
        for (int i = 1; i < progress.size(); i++) {
            assertTrue(progress.get(i)[0] > progress.get(i - 1)[0], "a resumed transfer counts on from where it was");
        }
    }

    @Test
    void aServerWithoutRangesSendsTheWholeFileAgainAndTheDownloadStartsOver() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        server.createContext("/flaky", ex -> {
            if (requests.incrementAndGet() == 1) {
                breakOffHalfWay(ex, content);
            } else {
                serve(ex, content, false); // ignores the Range header
            }
        });

        Downloader.Result r = downloader.download(url("/flaky"), target(), sha, Downloader.Progress.NONE);

        assertEquals(2, r.connections());
        assertEquals(SIZE, r.size());
        assertEquals(sha, r.sha256());
        assertArrayEquals(content, Files.readAllBytes(target()));
    }

    @Test
    void aResumedTransferWhoseRestIsFromAnotherFileFailsTheHash() {
        byte[] other = bytes(2, SIZE);
        AtomicInteger requests = new AtomicInteger();
        server.createContext("/changed", ex -> {
            if (requests.incrementAndGet() == 1) {
                breakOffHalfWay(ex, content);
            } else {
                serve(ex, other, true); // a server that ignores If-Range: the second half of another file
            }
        });

        DownloadException e = assertThrows(DownloadException.class, () -> downloader.download(url("/changed"),
                target(), sha, Downloader.Progress.NONE));

        assertEquals(Reason.HASH_MISMATCH, e.reason(), e.getMessage());
        assertFalse(Files.exists(target()));
    }

    @Test
    void aTransferThatKeepsBreakingGivesUpAfterTheConnectionLimit() {
        Downloader twice = new Downloader(Duration.ofSeconds(5), Duration.ofSeconds(5), MAX, 2, Duration.ZERO);
        server.createContext("/flaky", ex -> breakOffHalfWay(ex, content));

        DownloadException e = assertThrows(DownloadException.class, () -> twice.download(url("/flaky"), target(), sha,
                Downloader.Progress.NONE));

        assertEquals(Reason.SOURCE_FAILED, e.reason());
        assertTrue(e.getMessage().contains("2 connections"), e.getMessage());
        assertEquals(2, ranges.size());
        assertFalse(Files.exists(target()));
    }

    @Test
    void anAnnouncedSizeOverTheLimitIsRefusedBeforeReading() {
        byte[] big = bytes(3, (int) MAX + 1);
        server.createContext("/big", ex -> serve(ex, big, true));
        List<long[]> progress = new ArrayList<>();

        DownloadException e = assertThrows(DownloadException.class, () -> downloader.download(url("/big"), target(),
                sha, (received, total) -> progress.add(new long[] { received, total })));

        assertEquals(Reason.TOO_LARGE, e.reason());
        assertTrue(progress.isEmpty(), "nothing was read");
        assertFalse(Files.exists(target()));
    }

    @Test
    void anUnannouncedSizeOverTheLimitIsCutOff() {
        byte[] big = bytes(3, (int) MAX + 100_000);
        server.createContext("/chunked", ex -> {
            ex.sendResponseHeaders(200, 0); // chunked: no length announced
            try (OutputStream out = ex.getResponseBody()) {
                out.write(big);
            } catch (IOException clientWentAway) {
                // expected: the downloader stops reading at the limit
            }
        });

        DownloadException e = assertThrows(DownloadException.class, () -> downloader.download(url("/chunked"),
                target(), sha, Downloader.Progress.NONE));

        assertEquals(Reason.TOO_LARGE, e.reason());
        assertFalse(Files.exists(target()));
    }

    @Test
    void aSilentServerTimesOut() {
        Downloader impatient = new Downloader(Duration.ofSeconds(5), Duration.ofMillis(300), MAX, 5, Duration.ZERO);
        server.createContext("/silent", ex -> {
            ranges.add("-");
            ex.sendResponseHeaders(200, SIZE);
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });

        DownloadException e = assertThrows(DownloadException.class, () -> impatient.download(url("/silent"),
                target(), sha, Downloader.Progress.NONE));

        assertEquals(Reason.TIMEOUT, e.reason(), e.getMessage());
        assertEquals(1, ranges.size(), "a connection that delivered nothing is not tried again");
    }

    @Test
    void onlyHttpHttpsAndFileUrlsAreFetched() {
        for (String url : List.of("ftp://127.0.0.1/p.dp", "jar:file:/tmp/x.jar!/p.dp", "mailto:ops@example.com",
                "relative/p.dp")) {
            DownloadException e = assertThrows(DownloadException.class, () -> downloader.download(URI.create(url),
                    target(), sha, Downloader.Progress.NONE), url);
            assertEquals(Reason.UNSUPPORTED_SCHEME, e.reason(), url);
        }
        DownloadException e = assertThrows(DownloadException.class, () -> downloader.download(URI.create(
                "file://somehost/p.dp"), target(), sha, Downloader.Progress.NONE));
        assertEquals(Reason.BAD_URL, e.reason());
    }

    @Test
    void aFileUrlIsCopiedAndHashed() throws Exception {
        Path source = dir.resolve("p.dp");
        Files.write(source, content);

        Downloader.Result r = downloader.download(source.toUri(), target(), sha, Downloader.Progress.NONE);

        assertEquals(sha, r.sha256());
        assertArrayEquals(content, Files.readAllBytes(target()));

        DownloadException missing = assertThrows(DownloadException.class, () -> downloader.download(dir.resolve(
                "none.dp").toUri(), target(), sha, Downloader.Progress.NONE));
        assertEquals(Reason.NOT_FOUND, missing.reason());
        assertFalse(Files.exists(target()));
    }

    @Test
    void anUploadIsHashedAndLimited() throws Exception {
        Downloader.Result r = downloader.receive(new ByteArrayInputStream(content), SIZE, target(), sha,
                Downloader.Progress.NONE);
        assertEquals(sha, r.sha256());
        assertEquals(SIZE, r.size());

        DownloadException mismatch = assertThrows(DownloadException.class, () -> downloader.receive(
                new ByteArrayInputStream(content), -1, target(), "00".repeat(32), Downloader.Progress.NONE));
        assertEquals(Reason.HASH_MISMATCH, mismatch.reason());
        assertFalse(Files.exists(target()));

        DownloadException announced = assertThrows(DownloadException.class, () -> downloader.receive(
                new ByteArrayInputStream(content), MAX + 1, target(), null, Downloader.Progress.NONE));
        assertEquals(Reason.TOO_LARGE, announced.reason());

        byte[] big = bytes(4, (int) MAX + 1);
        DownloadException sent = assertThrows(DownloadException.class, () -> downloader.receive(
                new ByteArrayInputStream(big), -1, target(), null, Downloader.Progress.NONE));
        assertEquals(Reason.TOO_LARGE, sent.reason());
        assertFalse(Files.exists(target()));

        DownloadException short_ = assertThrows(DownloadException.class, () -> downloader.receive(
                new ByteArrayInputStream(content), SIZE + 10, target(), null, Downloader.Progress.NONE));
        assertEquals(Reason.SOURCE_FAILED, short_.reason());
    }

    // --- the server's side

    /** Serves {@code data}, or with {@code ranges} the part a {@code Range: bytes=n-} header asks for. */
    private void serve(HttpExchange ex, byte[] data, boolean ranges) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        this.ranges.add(range == null ? "-" : range);
        ex.getResponseHeaders().add("ETag", "\"v1\"");
        int from = 0;
        if (ranges) {
            ex.getResponseHeaders().add("Accept-Ranges", "bytes");
            if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
                from = Integer.parseInt(range.substring(6, range.length() - 1));
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/"
                        + data.length);
            }
        }
        ex.sendResponseHeaders(from > 0 ? 206 : 200, data.length - from);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(data, from, data.length - from);
        }
    }

    /** Announces the whole file, sends half of it and drops the connection. */
    private void breakOffHalfWay(HttpExchange ex, byte[] data) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        ranges.add(range == null ? "-" : range);
        ex.getResponseHeaders().add("ETag", "\"v1\"");
        ex.getResponseHeaders().add("Accept-Ranges", "bytes");
        ex.sendResponseHeaders(200, data.length);
        OutputStream out = ex.getResponseBody();
        out.write(data, 0, data.length / 2);
        out.flush();
        // an exception out of the handler makes the JDK server close the connection mid-body
        throw new IOException("dropping the connection half-way on purpose");
    }

    private static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
