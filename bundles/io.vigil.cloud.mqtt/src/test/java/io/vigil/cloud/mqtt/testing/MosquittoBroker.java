package io.vigil.cloud.mqtt.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real mosquitto broker for tests, run as a child process on a free loopback port with its own configuration,
 * persistence and log in a temporary directory. It never uses a system service: every instance is private to
 * the test that started it and is gone after {@link #close()}.
 * <p>
 * The broker is set up for store-and-forward tests: anonymous access, persistence on (a {@link #stop()} followed
 * by {@link #startAgain()} keeps persistent sessions and their queued QoS 1 messages), and no limit on the messages
 * queued for an offline persistent client (benchmarks queue up to a million). {@link #startTls()} adds a TLS
 * listener with a certificate from a throw-away CA and a trust store for that CA.
 * <p>
 * The binary is, in this order: the system property {@value #BINARY_PROPERTY}, Debian's {@code /usr/sbin/mosquitto},
 * or {@code mosquitto} on the {@code PATH}. {@code ./run-tests.sh} at the repository root installs Debian's
 * package when none is there.
 * <p>
 * Instances are thread-safe; the usual shape is {@code try (MosquittoBroker broker = MosquittoBroker.start()) {...}}.
 */
public final class MosquittoBroker implements AutoCloseable {

    /** System property naming the mosquitto binary to use instead of searching for one. */
    public static final String BINARY_PROPERTY = "vigil.mosquitto";

    private static final Path DEBIAN_BINARY = Path.of("/usr/sbin/mosquitto");
    private static final String LOOPBACK = "127.0.0.1";
    // loading or saving a persistence file with a million queued messages takes seconds, not milliseconds
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(120);

    private final Path binary;
    private final Path directory;
    private final int port;
    private final Tls tls;
    private final Path config;
    private final Path logFile;
    private final Path outputFile;
    private final Thread killOnExit;

    // written under this; volatile for the shutdown hook, which must not wait for a lock a stop() may hold
    private volatile Process process;
    private boolean closed; // guarded by this

    private MosquittoBroker(Path binary, Path directory, int port, Tls tls) {
        this.binary = binary;
        this.directory = directory;
        this.port = port;
        this.tls = tls;
        this.config = directory.resolve("mosquitto.conf");
        this.logFile = directory.resolve("mosquitto.log");
        this.outputFile = directory.resolve("mosquitto.out");
        // a test JVM that ends without close() must not leave a broker behind
        this.killOnExit = new Thread(this::killQuietly, "mosquitto-" + port + "-kill-on-exit");
    }

    /**
     * Starts a broker with a plain MQTT listener on a free loopback port.
     *
     * @throws IllegalStateException if no mosquitto binary is found or the broker does not come up
     */
    public static MosquittoBroker start() {
        return start(findBinary());
    }

    /**
     * Starts a broker from the given mosquitto binary, with a plain MQTT listener on a free loopback port.
     *
     * @throws IllegalStateException if {@code binary} is not an executable file or the broker does not come up
     */
    public static MosquittoBroker start(Path binary) {
        return launchNew(checkBinary(binary), false);
    }

    /**
     * Starts a broker with a plain listener ({@link #url()}) and a TLS listener ({@link #tlsUrl()}) whose server
     * certificate (for IP 127.0.0.1 and DNS localhost) is signed by a CA made for this broker alone; clients trust
     * it through {@link #trustStore()} or {@link #tlsSocketFactory()}. The certificates are made with the JDK's
     * keytool, so no openssl is needed.
     *
     * @throws IllegalStateException if no mosquitto binary is found, keytool fails or the broker does not come up
     */
    public static MosquittoBroker startTls() {
        return launchNew(checkBinary(findBinary()), true);
    }

    private static MosquittoBroker launchNew(Path binary, boolean withTls) {
        Path directory;
        try {
            directory = Files.createTempDirectory("vigil-mosquitto-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for mosquitto under "
                    + System.getProperty("java.io.tmpdir") + ": " + e.getMessage(), e);
        }
        MosquittoBroker broker = null;
        try {
            if (directory.toString().chars().anyMatch(Character::isWhitespace)) {
                // mosquitto's configuration parser splits values at spaces
                throw new IllegalStateException("the temporary directory " + directory + " contains whitespace, "
                        + "which mosquitto's configuration file cannot express; point java.io.tmpdir elsewhere");
            }
            int[] ports = freePorts(withTls ? 2 : 1);
            Tls tls = withTls ? Tls.create(directory.resolve("tls"), ports[1]) : null;
            broker = new MosquittoBroker(binary, directory, ports[0], tls);
            broker.writeConfig();
            Runtime.getRuntime().addShutdownHook(broker.killOnExit);
            broker.startAgain();
            return broker;
        } catch (RuntimeException | Error e) {
            if (broker != null) {
                try {
                    broker.close();
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
            } else {
                deleteRecursively(directory);
            }
            throw e;
        }
    }

    /** {@code tcp://127.0.0.1:<port>}, the plain MQTT listener. */
    public String url() {
        return "tcp://" + LOOPBACK + ":" + port;
    }

    /** The plain listener's port; it stays the same across {@link #stop()} and {@link #startAgain()}. */
    public int port() {
        return port;
    }

    /**
     * {@code ssl://127.0.0.1:<tlsPort>}, the TLS listener.
     *
     * @throws IllegalStateException if the broker was not started with {@link #startTls()}
     */
    public String tlsUrl() {
        return "ssl://" + LOOPBACK + ":" + tls().port();
    }

    /** The TLS listener's port; see {@link #tlsUrl()}. */
    public int tlsPort() {
        return tls().port();
    }

    /** A PKCS12 trust store holding only this broker's CA certificate; its password is {@link #trustStorePassword()}. */
    public Path trustStore() {
        return tls().trustStore();
    }

    /** The password of {@link #trustStore()}. */
    public String trustStorePassword() {
        return tls().password();
    }

    /**
     * A socket factory that trusts this broker's CA and nothing else, for
     * {@code MqttConnectOptions.setSocketFactory}. Paho's hostname verification stays on and passes, since the
     * server certificate names 127.0.0.1.
     */
    public SSLSocketFactory tlsSocketFactory() {
        Tls t = tls();
        try (InputStream in = Files.newInputStream(t.trustStore())) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, t.password().toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS socket factory from " + t.trustStore() + ": " + e, e);
        }
    }

    /** The temporary directory holding configuration, persistence file, log and (for TLS) certificates. */
    public Path directory() {
        return directory;
    }

    /** Whether the broker process is up. */
    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /**
     * Starts a stopped broker again on the same port with the same persistence file, so persistent sessions and
     * their queued messages are back.
     *
     * @throws IllegalStateException if it is running or closed, or does not accept connections within a minute (the
     *         message carries the broker's log)
     */
    public synchronized void startAgain() {
        if (closed) {
            throw new IllegalStateException("mosquitto on port " + port + " is closed; start a new MosquittoBroker");
        }
        if (process != null) {
            throw new IllegalStateException("mosquitto on port " + port + " is already running; stop() it first");
        }
        ProcessBuilder builder = new ProcessBuilder(binary.toString(), "-c", config.toString())
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile.toFile()));
        Process started;
        try {
            started = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + binary + ": " + e.getMessage()
                    + "; run ./run-tests.sh at the repository root, which installs Debian's mosquitto", e);
        }
        process = started;
        try {
            await("mosquitto accepting connections on " + LOOPBACK + ":" + port)
                    .atMost(START_TIMEOUT)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(20))
                    .failFast("mosquitto exited", () -> !started.isAlive())
                    .until(() -> accepts(port) && (tls == null || accepts(tls.port())));
        } catch (RuntimeException e) {
            process = null;
            started.destroyForcibly();
            waitQuietly(started);
            String exit = started.isAlive() ? "still running" : "exit code " + started.exitValue();
            throw new IllegalStateException("mosquitto " + binary + " did not accept connections on " + LOOPBACK
                    + ":" + port + (tls == null ? "" : " and " + tls.port()) + " (" + exit + "; a port taken by "
                    + "another process since it was picked also shows up as this). Its log:\n" + log(), e);
        }
    }

    /**
     * Stops the broker with SIGTERM and waits for it to exit; mosquitto saves its persistence file on the way out.
     * Does nothing if it is not running.
     *
     * @throws IllegalStateException if it did not exit within two minutes (it is then killed, and its persistence
     *         file may be stale)
     */
    public synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        process = null;
        p.destroy();
        boolean exited;
        try {
            exited = p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted while waiting for mosquitto on port " + port
                    + " to exit; killed it", e);
        }
        if (!exited) {
            p.destroyForcibly();
            waitQuietly(p);
            throw new IllegalStateException("mosquitto on port " + port + " did not exit within " + STOP_TIMEOUT
                    + " of SIGTERM; killed it, so its persistence file may be stale. Its log:\n" + log());
        }
    }

    /**
     * Kills the broker with SIGKILL, as a power cut would: everything since the last autosave (at most a minute)
     * is lost. Does nothing if it is not running.
     */
    public synchronized void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        process = null;
        p.destroyForcibly();
        waitQuietly(p);
    }

    /** {@link #stop()} then {@link #startAgain()}: same port, same persistence file. */
    public synchronized void restart() {
        stop();
        startAgain();
    }

    /**
     * What the broker wrote: its standard output and error (where problems before the log is opened go), then its
     * log file. Meant for failure messages.
     */
    public String log() {
        return read(outputFile) + read(logFile);
    }

    /** Stops the broker (see {@link #stop()}) and deletes its directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // the JVM is shutting down, or the hook was never added: nothing to remove
            }
            deleteRecursively(directory);
        }
    }

    @Override
    public String toString() {
        return "mosquitto " + url() + (tls == null ? "" : " " + tlsUrl()) + " in " + directory;
    }

    private Tls tls() {
        if (tls == null) {
            throw new IllegalStateException("mosquitto on port " + port + " has no TLS listener; start it with "
                    + "MosquittoBroker.startTls()");
        }
        return tls;
    }

    private void writeConfig() {
        List<String> lines = new ArrayList<>(List.of(
                "# written by " + MosquittoBroker.class.getName() + " for one test run",
                // as root, mosquitto 2.0 would switch to user 'mosquitto', who cannot write this private directory;
                // for any other user the setting is ignored
                "user " + System.getProperty("user.name"),
                // global settings (per_listener_settings is false), so they hold for every listener below
                "allow_anonymous true",
                "persistence true",
                "persistence_location " + directory + File.separator,
                "persistence_file mosquitto.db",
                // a clean stop() saves everything; the periodic save bounds what kill() loses, and rewrites the
                // whole database each time, which is hundreds of MB with a million queued messages
                "autosave_interval 60",
                // no limit on what is queued for an offline persistent client: benchmarks queue up to a million
                "max_queued_messages 0",
                "max_queued_bytes 0",
                // large, but below MQTT's 65535 packet identifiers so that in-flight messages never share one
                "max_inflight_messages 10000",
                "set_tcp_nodelay true",
                "log_dest file " + logFile,
                "log_timestamp_format %Y-%m-%dT%H:%M:%S",
                "",
                "listener " + port + " " + LOOPBACK));
        if (tls != null) {
            lines.addAll(List.of(
                    "",
                    "listener " + tls.port() + " " + LOOPBACK,
                    "cafile " + tls.caPem(),
                    "certfile " + tls.serverPem(),
                    "keyfile " + tls.serverKeyPem()));
        }
        try {
            Files.write(config, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write mosquitto's configuration " + config + ": " + e.getMessage(), e);
        }
    }

    private void killQuietly() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    private static Path findBinary() {
        String property = System.getProperty(BINARY_PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        if (Files.isExecutable(DEBIAN_BINARY)) {
            return DEBIAN_BINARY;
        }
        String path = Objects.requireNonNullElse(System.getenv("PATH"), "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, "mosquitto");
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("mosquitto not found: not at " + DEBIAN_BINARY + ", not on PATH (" + path
                + ") and -D" + BINARY_PROPERTY + " not set; run ./run-tests.sh at the repository root, which installs "
                + "Debian's mosquitto (or apt-get install mosquitto)");
    }

    private static Path checkBinary(Path binary) {
        Objects.requireNonNull(binary, "binary");
        if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
            throw new IllegalStateException("mosquitto binary " + binary + (Files.exists(binary)
                    ? " is not an executable file" : " does not exist") + "; run ./run-tests.sh at the repository "
                    + "root, which installs Debian's mosquitto, or point -D" + BINARY_PROPERTY + " at a mosquitto 2.x");
        }
        return binary;
    }

    /** Distinct free ports, held open together so that they differ. */
    private static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            InetAddress loopback = InetAddress.getByName(LOOPBACK);
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, loopback);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + LOOPBACK + ": " + e.getMessage(), e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // only probing
                }
            }
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 250);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void waitQuietly(Process p) {
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")\n";
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete mosquitto's directory " + root + ": " + e.getMessage(), e);
        }
    }

    /** The TLS listener's port and the files made for it. */
    private record Tls(int port, Path caPem, Path serverPem, Path serverKeyPem, Path trustStore, String password) {

        private static final String PASSWORD_VARIABLE = "VIGIL_TEST_STORE_PASSWORD";

        /**
         * A CA and a server certificate signed by it, by keytool (the JDK has no public API to sign certificates);
         * the PEM files mosquitto (OpenSSL) reads are written here, since keytool cannot write a private key as PEM.
         */
        static Tls create(Path dir, int port) {
            try {
                Files.createDirectories(dir);
                String password = HexFormat.of().formatHex(randomBytes(16));
                Path ca = dir.resolve("ca.p12");
                Path server = dir.resolve("server.p12");
                Path csr = dir.resolve("server.csr");
                Tls tls = new Tls(port, dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server-key.pem"),
                        dir.resolve("truststore.p12"), password);
                keytool(password, "-genkeypair", "-alias", "ca", "-dname", "CN=Vigil test CA " + port,
                        "-keyalg", "EC", "-groupname", "secp256r1", "-startdate", "-1d", "-validity", "7",
                        "-ext", "bc:c", "-ext", "ku:c=keyCertSign,cRLSign", "-keystore", ca.toString());
                keytool(password, "-genkeypair", "-alias", "server", "-dname", "CN=127.0.0.1",
                        "-keyalg", "EC", "-groupname", "secp256r1", "-keystore", server.toString());
                keytool(password, "-certreq", "-alias", "server", "-file", csr.toString(), "-keystore", server.toString());
                keytool(password, "-gencert", "-alias", "ca", "-infile", csr.toString(), "-outfile",
                        tls.serverPem().toString(), "-rfc", "-startdate", "-1d", "-validity", "7",
                        "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "ku:c=digitalSignature",
                        "-ext", "eku=serverAuth", "-keystore", ca.toString());

                KeyStore serverStore = load(server, password);
                byte[] key = serverStore.getKey("server", password.toCharArray()).getEncoded();
                Files.writeString(tls.serverKeyPem(), pem("PRIVATE KEY", key), StandardCharsets.US_ASCII);
                restrict(tls.serverKeyPem());

                Certificate caCertificate = load(ca, password).getCertificate("ca");
                Files.writeString(tls.caPem(), pem("CERTIFICATE", caCertificate.getEncoded()), StandardCharsets.US_ASCII);
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                trust.setCertificateEntry("vigil-test-ca", caCertificate);
                try (var out = Files.newOutputStream(tls.trustStore())) {
                    trust.store(out, password.toCharArray());
                }
                return tls;
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot make the TLS certificates for mosquitto in " + dir + ": " + e, e);
            }
        }

        private static void keytool(String password, String... args) throws IOException {
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            List<String> command = new ArrayList<>();
            command.add(keytool.toString());
            command.addAll(List.of(args));
            // passwords through the environment, not the command line other processes can read
            command.addAll(List.of("-storetype", "PKCS12", "-storepass:env", PASSWORD_VARIABLE, "-noprompt"));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put(PASSWORD_VARIABLE, password);
            Process p = builder.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit;
            try {
                exit = p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException("interrupted while running keytool " + args[0], e);
            }
            if (exit != 0) {
                throw new IOException("keytool " + String.join(" ", args) + " exited with " + exit + ": " + output);
            }
        }

        private static KeyStore load(Path file, String password) throws IOException, GeneralSecurityException {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(file)) {
                store.load(in, password.toCharArray());
            }
            return store;
        }

        private static String pem(String type, byte[] der) {
            return "-----BEGIN " + type + "-----\n"
                    + Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(der)
                    + "\n-----END " + type + "-----\n";
        }

        private static void restrict(Path file) throws IOException {
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the temporary directory is the only protection
            }
        }

        private static byte[] randomBytes(int n) {
            byte[] b = new byte[n];
            ThreadLocalRandom.current().nextBytes(b);
            return b;
        }
    }
}
