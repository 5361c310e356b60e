package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The gateway as an operator starts it: bin/vigil of the built distribution, in a process of its own, on its
 * embedded default. Checks what the README promises of the run command.
 */
public class GatewayLaunchIT {

    private static final Pattern PASSWORD = Pattern.compile("password: (\\S+)");

    private Path home;
    private int port;
    private Process gateway;

    @Before
    public void copyDistribution() throws IOException {
        Path dist = Path.of(System.getProperty("vigil.distribution.dir"));
        Path work = Path.of(System.getProperty("vigil.itest.dir"));
        Files.createDirectories(work);
        home = Files.createTempDirectory(work, "gateway-");
        try (Stream<Path> files = Files.walk(dist)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = home.resolve(dist.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.startsWith(dist.resolve("data"))) {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    @After
    public void stop() throws InterruptedException {
        if (gateway != null) {
            stopGateway();
        }
    }

    private Path start(String logName) throws IOException {
        Path log = home.resolve(logName);
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/vigil").toString()).directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("VIGIL_HTTP_PORT", String.valueOf(port));
        pb.environment().remove("VIGIL_CONSOLE_PASSWORD");
        gateway = pb.start();
        return log;
    }

    private void stopGateway() throws InterruptedException {
        gateway.destroy(); // SIGTERM: Felix shuts down cleanly
        if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
            gateway.destroyForcibly().waitFor();
        }
        gateway = null;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private int get(String path, String user, String password) throws IOException, InterruptedException {
        return send("GET", path, null, user, password).statusCode();
    }

    private HttpResponse<String> send(String method, String path, String json, String user, String password)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json");
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String password(Path log) {
        Matcher m = PASSWORD.matcher(read(log));
        assertTrue("credentials printed on first start:\n" + read(log), m.find());
        return m.group(1);
    }

    @Test
    public void aPromotionOverRestSurvivesARestartOfTheGateway() throws Exception {
        Path log = start("first.log");
        await().atMost(Duration.ofSeconds(30)).until(() -> PASSWORD.matcher(read(log)).find());
        String password = password(log);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> get("/vigil/api/shadow", "vigil", password) == 200);

        // model 2.0.0 hot-deployed: pump-2 is pinned to 1.0.0, so it waits for shadow and promotion
        Files.copy(home.resolve("models/io.vigil.model.bearing.v2.jar"), home.resolve("load/v2.jar"));
        String start = "{\"model\":\"bearing-fault\",\"version\":\"2.0.0\"}";
        HttpResponse<String> started = await().atMost(Duration.ofSeconds(60)).until(() -> send("POST",
                "/vigil/api/shadow/pump-2/start", start, "vigil", password), r -> r.statusCode() != 404);
        assertEquals(started.body(), 201, started.statusCode());
        HttpResponse<String> refused = send("POST", "/vigil/api/shadow/pump-2/promote", "{}", "vigil", password);
        assertEquals("the default gate wants 1000 windows and an hour: " + refused.body(), 409,
                refused.statusCode());
        HttpResponse<String> promoted = send("POST", "/vigil/api/shadow/pump-2/promote", "{\"force\":true}",
                "vigil", password);
        assertEquals(promoted.body(), 200, promoted.statusCode());
        assertTrue(promoted.body(), promoted.body().contains("\"state\":\"PROMOTED\"")
                && promoted.body().contains("\"forced\":true"));
        await().atMost(Duration.ofSeconds(30)).until(() -> read(log).contains(
                "asset pump-2: tier-1 model now bearing-fault:2.0.0"));
        // File Install writes the promoted configuration back to etc/, the operator's copy of the truth
        Path cfg = home.resolve("etc/io.vigil.runtime.asset-pump2.cfg");
        await().atMost(Duration.ofSeconds(30)).until(() -> read(cfg).contains("[2.0.0,2.0.0]"));

        stopGateway();
        Path second = start("second.log");
        await().atMost(Duration.ofSeconds(60)).until(() -> read(second).contains(
                "asset pump-2: tier-1 model now bearing-fault:2.0.0"));
        assertFalse("pump-2 never serves 1.0.0 after the restart", read(second).contains(
                "asset pump-2: tier-1 model now bearing-fault:1.0.0"));
        HttpResponse<String> kept = await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> send(
                "GET", "/vigil/api/shadow/pump-2", null, "vigil", password), r -> r.statusCode() == 200);
        assertTrue(kept.body(), kept.body().contains("\"state\":\"PROMOTED\"")
                && kept.body().contains("\"rollbackTarget\":\"bearing-fault:1.0.0\""));
    }

    @Test
    public void defaultGatewayAlertsOnTheInjectedFaultAndGuardsItsConsole() throws Exception {
        Path log = start("first.log");

        // the injected bearing fault of pump-1 starts 30 s in: the alert must show within a minute
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> read(log).contains("ALERT RAISED"));
        String output = read(log);
        assertTrue(output, output.contains("pump-1/vibration"));
        List<String> journal = Files.readAllLines(home.resolve("data/alerts.jsonl"));
        assertTrue("journal: " + journal, journal.stream().anyMatch(
                l -> l.contains("\"assetId\":\"pump-1\"") && l.contains("\"state\":\"RAISED\"")));
        assertFalse("the healthy pump raised nothing: " + journal,
                journal.stream().anyMatch(l -> l.contains("\"assetId\":\"pump-2\"")));

        // console: loopback only, no default password, the generated one printed once
        Matcher m = PASSWORD.matcher(output);
        assertTrue("credentials printed on first start:\n" + output, m.find());
        String password = m.group(1);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> get("/system/console/bundles", "vigil", password) == 200);
        assertEquals(401, get("/system/console/bundles", null, null));
        assertEquals(401, get("/system/console/bundles", "admin", "admin"));
        assertEquals(401, get("/system/console/bundles", "vigil", password + "x"));
        String stored = read(home.resolve("data/console.credentials"));
        assertFalse("only the hash is stored", stored.contains(password));

        // restart: same credentials, not printed again; the journal survived
        stopGateway();
        int entries = journal.size();
        Path second = start("second.log");
        await().atMost(Duration.ofSeconds(30)).until(() -> read(second).contains("alert journal"));
        assertTrue(read(second), read(second).contains("alerts.jsonl: " + entries + " entries"));
        assertFalse("the password is shown only once", PASSWORD.matcher(read(second)).find());
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> get("/system/console/bundles", "vigil", password) == 200);
    }
}
