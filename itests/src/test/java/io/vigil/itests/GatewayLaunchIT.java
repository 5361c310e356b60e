package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static io.vigil.itests.support.LaunchedGateway.read;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import io.vigil.itests.support.LaunchedGateway;

/**
 * The gateway as an operator starts it: bin/vigil of the built distribution, in a process of its own, on its
 * embedded default. Checks what the README promises of the run command.
 */
public class GatewayLaunchIT {

    private static final Pattern PASSWORD = Pattern.compile("password: (\\S+)");

    private LaunchedGateway gateway;

    @Before
    public void copyDistribution() throws IOException {
        gateway = LaunchedGateway.copyDistribution();
    }

    @After
    public void stop() throws InterruptedException {
        gateway.stop();
    }

    private Path start(String logName) throws IOException {
        return gateway.start(logName);
    }

    private void stopGateway() throws InterruptedException {
        gateway.stop();
    }

    private int get(String path, String user, String password) throws IOException, InterruptedException {
        return gateway.get(path, user, password);
    }

    private HttpResponse<String> send(String method, String path, String json, String user, String password)
            throws IOException, InterruptedException {
        return gateway.send(method, path, json, user, password);
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
        Files.copy(gateway.resolve("models/io.vigil.model.bearing.v2.jar"), gateway.resolve("load/v2.jar"));
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
        Path cfg = gateway.resolve("etc/io.vigil.runtime.asset-pump2.cfg");
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
        List<String> journal = Files.readAllLines(gateway.resolve("data/alerts.jsonl"));
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
        String stored = read(gateway.resolve("data/console.credentials"));
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
