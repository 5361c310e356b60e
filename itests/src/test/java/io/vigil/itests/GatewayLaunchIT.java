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
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
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
