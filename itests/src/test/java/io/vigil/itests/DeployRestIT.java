package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.junit.Before;
import org.junit.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.rest.RestApi;

/**
 * Deployment packages over the REST API ({@code /vigil/api/deploy}) and through the hot-deploy directory, with the
 * model packages features/ builds and signs: installed by URL with their SHA-256 or uploaded, refused for a wrong
 * hash, an unsigned copy or a downgrade, rolled back and uninstalled; dropped into FileInstall's directory, updated,
 * and removed again.
 */
public class DeployRestIT extends VigilTestSupport {

    private static final String PACKAGE = MODEL_PACKAGE;
    private static final String DP_TYPE = "application/vnd.osgi.dp";

    private DeploymentService deployments;

    @Before
    public void trustTheBuildsKey() throws Exception {
        deployments = trustTheBuildsKey(10);
        org.osgi.service.cm.Configuration rest = configAdmin.getConfiguration("io.vigil.deploy.rest", "?");
        Hashtable<String, Object> r = new Hashtable<>();
        r.put("file.dirs", new String[] { packages().toString(), System.getProperty("java.io.tmpdir") });
        rest.update(r);
        awaitService(jakarta.servlet.Servlet.class, "(file.dirs=" + packages() + ")");
        awaitRest("/deploy/packages", 200);
    }

    @Test
    public void packagesAreInstalledRefusedRolledBackAndUninstalledOverRest() throws Exception {
        // a file: URL outside the configured package directories is refused before the file is touched
        HttpResult outside = rest("POST", "/deploy/install", install("file:/etc/passwd", "0".repeat(64), false));
        assertEquals(outside.body(), 403, outside.status());
        assertTrue(outside.body(), outside.body().contains("FILE_NOT_ALLOWED") && !outside.body().contains("root"));
        if (deployments.packages().containsKey(PACKAGE)) {
            deployments.uninstall(PACKAGE, "itest", true);
        }
        String v1 = dp("1.0.0").toUri().toString();
        String v1Sha = sha256(dp("1.0.0"));

        // a hash that is not the file's: refused before the deployment manager sees the package
        String wrongSha = "0".repeat(64);
        HttpResult wrong = rest("POST", "/deploy/install", install(v1, wrongSha, false));
        assertEquals(wrong.body(), 422, wrong.status());
        JsonObject w = json(wrong);
        assertEquals("HASH_MISMATCH", w.get("reason").getAsString());
        assertTrue(w.get("error").getAsString(), w.get("error").getAsString().contains(wrongSha)
                && w.get("error").getAsString().contains(v1Sha));
        assertFalse(deployments.packages().containsKey(PACKAGE));
        assertTrue("the download is deleted", downloadsLeft().isEmpty());

        // requests that are not installs
        assertEquals(400, rest("POST", "/deploy/install", install(v1, null, false)).status());
        assertEquals(400, rest("POST", "/deploy/install", install(v1, "abc", false)).status());
        HttpResult ftp = rest("POST", "/deploy/install", install("ftp://127.0.0.1/p.dp", v1Sha, false));
        assertEquals(ftp.body(), 400, ftp.status());
        assertEquals("UNSUPPORTED_SCHEME", json(ftp).get("reason").getAsString());
        assertEquals(415, upload("text/plain", Files.readAllBytes(dp("1.0.0")), null).status());

        // the right hash: installed, listed
        HttpResult ok = rest("POST", "/deploy/install", install(v1, v1Sha.toUpperCase(), false));
        assertEquals(ok.body(), 201, ok.status());
        assertEquals(RestApi.CONTEXT_PATH + "/deploy/packages/" + PACKAGE, ok.header("Location"));
        JsonObject installed = json(ok);
        assertEquals("INSTALL", installed.get("operation").getAsString());
        assertEquals("COMMITTED", installed.get("result").getAsString());
        assertEquals("rest:" + USER, installed.get("requestedBy").getAsString());
        assertEquals(v1 + " sha256=" + v1Sha, installed.get("source").getAsString());
        assertEquals("1.0.0", packageVersion(rest("GET", "/deploy/packages", null)));
        HttpResult one = rest("GET", "/deploy/packages/" + PACKAGE, null);
        assertEquals(200, one.status());
        assertEquals("1.0.0", json(one).get("version").getAsString());
        assertTrue(json(one).get("signer").getAsString().contains("Vigil test signing key"));

        // an unsigned copy: refused on authority, with the spec's code
        Path unsigned = Files.createTempFile("unsigned-", ".dp");
        withoutSignature(dp("2.0.0"), unsigned);
        HttpResult refused = rest("POST", "/deploy/install", install(unsigned.toUri().toString(), sha256(unsigned),
                false));
        assertEquals(refused.body(), 403, refused.status());
        JsonObject r = json(refused);
        assertEquals(456, r.get("code").getAsInt());
        assertEquals("CODE_SIGNING_ERROR", r.get("codeName").getAsString());
        assertEquals("SIGNING_ERROR", r.get("reason").getAsString());
        assertEquals("REFUSED", r.get("result").getAsString());
        assertEquals("1.0.0", deployments.packages().get(PACKAGE).version());

        // 2.0.0 uploaded as the request body, its hash in a header
        HttpResult badUploadSha = upload(DP_TYPE, Files.readAllBytes(dp("2.0.0")), v1Sha);
        assertEquals(badUploadSha.body(), 422, badUploadSha.status());
        HttpResult updated = upload(DP_TYPE, Files.readAllBytes(dp("2.0.0")), sha256(dp("2.0.0")));
        assertEquals(updated.body(), 200, updated.status());
        assertEquals("UPDATE", json(updated).get("operation").getAsString());
        assertEquals("2.0.0", deployments.packages().get(PACKAGE).version());

        // back to 1.0.0 by URL without force is a downgrade
        HttpResult downgrade = rest("POST", "/deploy/install", install(v1, v1Sha, false));
        assertEquals(downgrade.body(), 409, downgrade.status());
        assertEquals("DOWNGRADE", json(downgrade).get("reason").getAsString());
        assertEquals("2.0.0", deployments.packages().get(PACKAGE).version());

        // the history shows what was asked over REST, refusals included
        HttpResult history = rest("GET", "/deploy/history?limit=4", null);
        assertEquals(200, history.status());
        JsonArray last = JsonParser.parseString(history.body()).getAsJsonArray();
        assertEquals(4, last.size());
        assertEquals(List.of("INSTALL COMMITTED", "INSTALL REFUSED", "UPDATE COMMITTED", "UPDATE REFUSED"), Stream
                .of(0, 1, 2, 3).map(i -> last.get(i).getAsJsonObject()).map(e -> e.get("operation").getAsString() + " "
                        + e.get("result").getAsString()).toList());
        assertEquals(456, last.get(1).getAsJsonObject().get("code").getAsInt());
        assertTrue(history.body().contains("rest:" + USER));
        assertEquals(400, rest("GET", "/deploy/history?limit=many", null).status());

        // commands: JSON only; rollback, then uninstall
        assertEquals(415, upload("text/plain", new byte[0], null, "/deploy/packages/" + PACKAGE + "/rollback")
                .status());
        HttpResult back = rest("POST", "/deploy/packages/" + PACKAGE + "/rollback", "{}");
        assertEquals(back.body(), 200, back.status());
        assertEquals("ROLLBACK", json(back).get("operation").getAsString());
        assertEquals("1.0.0", deployments.packages().get(PACKAGE).version());

        HttpResult gone = rest("POST", "/deploy/packages/" + PACKAGE + "/uninstall", "{\"force\": false}");
        assertEquals(gone.body(), 200, gone.status());
        assertEquals("UNINSTALL", json(gone).get("operation").getAsString());
        assertNull(deployments.packages().get(PACKAGE));
        assertEquals(404, rest("GET", "/deploy/packages/" + PACKAGE, null).status());
        HttpResult again = rest("POST", "/deploy/packages/" + PACKAGE + "/uninstall", "{}");
        assertEquals(again.body(), 404, again.status());
        assertEquals("NO_PACKAGE", json(again).get("reason").getAsString());
        assertTrue(downloadsLeft().isEmpty());
    }

    @Test
    public void theHotDeployDirectoryInstallsUpdatesAndUninstallsPackages() throws Exception {
        Path dir = Path.of(context.getProperty("felix.fileinstall.dir"));
        if (!deployments.packages().containsKey(PACKAGE)) {
            try (InputStream in = Files.newInputStream(dp("1.0.0"))) {
                deployments.install(in, "itest", dp("1.0.0").toString(), false);
            }
        }
        assertEquals("1.0.0", deployments.packages().get(PACKAGE).version());

        // an unsigned package dropped in: refused, recorded, nothing changed
        Path unsigned = dir.resolve("unsigned.dp");
        Path staged = Files.createTempFile(dir.getParent(), "unsigned-", ".tmp");
        withoutSignature(dp("2.0.0"), staged);
        Files.move(staged, unsigned, StandardCopyOption.ATOMIC_MOVE);
        DeploymentRecord refusal = await().atMost(Duration.ofSeconds(30)).until(() -> last(deployments.history()),
                e -> e != null && e.requestedBy().equals("hot-deploy:unsigned.dp"));
        assertEquals("REFUSED", refusal.result());
        assertEquals(456, refusal.code());
        assertEquals("1.0.0", deployments.packages().get(PACKAGE).version());
        Files.delete(unsigned);

        // 2.0.0 dropped in: an update, recorded as the directory's
        Path file = dir.resolve(dp("2.0.0").getFileName());
        Path copy = Files.copy(dp("2.0.0"), dir.getParent().resolve(dp("2.0.0").getFileName() + ".tmp"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.move(copy, file, StandardCopyOption.ATOMIC_MOVE); // appear whole, as an scp + mv would
        await().atMost(Duration.ofSeconds(60)).until(() -> deployments.packages().get(PACKAGE),
                p -> p != null && p.version().equals("2.0.0"));
        DeploymentRecord update = last(deployments.history());
        assertEquals("UPDATE", update.operation());
        assertEquals("hot-deploy:" + file.getFileName(), update.requestedBy());
        assertTrue(update.source(), update.source().startsWith(file.toAbsolutePath().toString()));

        // removed: its package goes
        Files.delete(file);
        await().atMost(Duration.ofSeconds(60)).until(() -> !deployments.packages().containsKey(PACKAGE));
        assertEquals("UNINSTALL", last(deployments.history()).operation());
        assertEquals("hot-deploy:" + file.getFileName(), last(deployments.history()).requestedBy());
    }

    // --- helpers

    private static DeploymentRecord last(List<DeploymentRecord> history) {
        return history.isEmpty() ? null : history.get(history.size() - 1);
    }

    private static String install(String url, String sha256, boolean force) {
        JsonObject o = new JsonObject();
        o.addProperty("url", url);
        if (sha256 != null) {
            o.addProperty("sha256", sha256);
        }
        o.addProperty("force", force);
        return o.toString();
    }

    private static JsonObject json(HttpResult r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    /** @return the version of {@value #PACKAGE} in a package list, null when it is not listed */
    private static String packageVersion(HttpResult list) {
        assertEquals(200, list.status());
        for (JsonElement e : JsonParser.parseString(list.body()).getAsJsonArray()) {
            if (e.getAsJsonObject().get("name").getAsString().equals(PACKAGE)) {
                return e.getAsJsonObject().get("version").getAsString();
            }
        }
        return null;
    }

    private List<Path> downloadsLeft() throws IOException {
        Path dir = Path.of(context.getProperty("vigil.data"), "deploy", "downloads");
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    private HttpResult upload(String contentType, byte[] body, String sha256) throws IOException {
        return upload(contentType, body, sha256, "/deploy/install");
    }

    /** A POST with a body of any type, with the console credentials. */
    private HttpResult upload(String contentType, byte[] body, String sha256, String path) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort()
                + RestApi.CONTEXT_PATH + path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", contentType)
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD)
                        .getBytes(StandardCharsets.UTF_8)));
        if (sha256 != null) {
            request.header("X-Content-SHA256", sha256);
        }
        try {
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new HttpResult(response.statusCode(), response.body(), response.headers());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted uploading to " + path, e);
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Copies a signed package without its signature files: the same content, unsigned. */
    private static void withoutSignature(Path from, Path to) throws IOException {
        try (ZipFile in = new ZipFile(from.toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
            for (Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements();) {
                ZipEntry entry = e.nextElement();
                if (entry.getName().matches("META-INF/[^/]+\\.(SF|EC|RSA|DSA)")) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                try (InputStream s = in.getInputStream(entry)) {
                    s.transferTo(out);
                }
                out.closeEntry();
            }
        }
    }
}
