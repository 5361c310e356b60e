package io.vigil.itests.support;

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
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The gateway as an operator runs it: a copy of the built distribution in a directory of its own, started with
 * its {@code bin/vigil} in a process of its own. For tests outside the OSGi container.
 */
public final class LaunchedGateway implements AutoCloseable {

    private final Path home;
    private final int port;
    private final Map<String, String> environment = new HashMap<>();
    private Process process;

    private LaunchedGateway(Path home, int port) {
        this.home = home;
        this.port = port;
    }

    /** Copies the distribution (system property {@code vigil.distribution.dir}) into a fresh directory. */
    public static LaunchedGateway copyDistribution() throws IOException {
        Path dist = Path.of(System.getProperty("vigil.distribution.dir"));
        Path work = Path.of(System.getProperty("vigil.itest.dir"));
        Files.createDirectories(work);
        Path home = Files.createTempDirectory(work, "gateway-");
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
            return new LaunchedGateway(home, s.getLocalPort());
        }
    }

    public Path home() {
        return home;
    }

    public Path resolve(String path) {
        return home.resolve(path);
    }

    /** Sets an environment variable of bin/vigil for the next starts (e.g. VIGIL_CONSOLE_PASSWORD). */
    public LaunchedGateway env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Starts bin/vigil with its output in {@code logName} under the home directory; returns the log. */
    public Path start(String logName) throws IOException {
        Path log = home.resolve(logName);
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/vigil").toString()).directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("VIGIL_HTTP_PORT", String.valueOf(port));
        pb.environment().remove("VIGIL_CONSOLE_PASSWORD");
        pb.environment().putAll(environment);
        process = pb.start();
        return log;
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    /** SIGTERM: Felix shuts down cleanly (SIGKILL after 30 s). */
    public void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        process = null;
    }

    /** SIGKILL (bin/vigil execs java): no shutdown hook, no clean stop, as a power cut of the process. */
    public void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        process = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /** A file's content, empty if it does not exist (yet). */
    public static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    public String read(String path) {
        return read(home.resolve(path));
    }

    /** An HTTP request to the gateway's console port; {@code user} null sends no credentials. */
    public HttpResponse<String> send(String method, String path, String json, String user, String password)
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

    public int get(String path, String user, String password) throws IOException, InterruptedException {
        return send("GET", path, null, user, password).statusCode();
    }
}
