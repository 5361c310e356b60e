package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import javax.inject.Inject;

import org.junit.After;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import io.vigil.api.alert.AlertEvents;
import io.vigil.api.asset.AssetStatus;
import io.vigil.api.asset.ChannelStatus;
import io.vigil.api.asset.PipelineStatus;
import io.vigil.api.rest.RestApi;

/**
 * Starts the gateway's own bundle set (distribution/target/vigil/bundle, less the interactive shell) in a fresh
 * framework per test class, on whichever framework failsafe put on the class path (Felix or Equinox).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public abstract class VigilTestSupport {

    /** The web console's (and so the REST API's) credentials in the container, as bin/vigil would pass them. */
    protected static final String USER = "vigil-test";
    protected static final String PASSWORD = "itest-secret";

    private static final String HTTP_PORT_PROPERTY = "org.osgi.service.http.port";

    @Inject
    protected BundleContext context;

    @Inject
    protected ConfigurationAdmin configAdmin;

    @Inject
    protected PipelineStatus pipelines;

    private final List<org.osgi.service.cm.Configuration> created = new ArrayList<>();
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    /** Created on first use, in the container: the test runner's instance of this class needs none. */
    private HttpClient httpClient;

    @Configuration
    public Option[] configuration() throws IOException {
        File dir = new File(System.getProperty("vigil.bundles.dir"));
        File[] jars = dir.listFiles((d, name) -> name.endsWith(".jar"));
        if (jars == null || jars.length == 0) {
            throw new IllegalStateException("no bundles in " + dir + "; build the distribution module first");
        }
        Arrays.sort(jars);
        List<Option> options = new ArrayList<>();
        for (File jar : jars) {
            if (!jar.getName().startsWith("org.apache.felix.gogo.shell")) { // it would read the test's stdin
                options.add(bundle(jar.toURI().toString()));
            }
        }
        Path work = Path.of(System.getProperty("vigil.itest.dir"));
        Files.createDirectories(work);
        Path data = Files.createTempDirectory(work, "data-");
        Path deploy = Files.createTempDirectory(work, "load-");
        options.add(junitBundles());
        options.add(mavenBundle("org.hamcrest", "hamcrest", "2.1"));
        options.add(mavenBundle("org.awaitility", "awaitility", "4.3.0"));
        options.add(frameworkProperty("vigil.data").value(data.toString()));
        options.add(frameworkProperty("felix.fileinstall.dir").value(deploy.toString()));
        options.add(frameworkProperty("felix.fileinstall.poll").value("200"));
        options.add(frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
        options.add(frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"));
        options.add(frameworkProperty(HTTP_PORT_PROPERTY).value(String.valueOf(freePort())));
        options.add(frameworkProperty("felix.webconsole.username").value(USER));
        options.add(frameworkProperty("felix.webconsole.password").value(webConsoleHash(PASSWORD)));
        options.add(systemProperty("vigil.data.dir").value(System.getProperty("vigil.data.dir")));
        options.add(systemProperty("org.slf4j.simpleLogger.defaultLogLevel").value("warn"));
        // Pax Exam's logging would otherwise print the JDK HTTP client's debug trace of every REST call
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        options.add(cleanCaches(true));
        return options.toArray(new Option[0]);
    }

    /** The web console's password format, as bin/vigil writes it: {sha-256} and the base64 of the raw digest. */
    private static String webConsoleHash(String password) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
            return "{sha-256}" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @After
    public void cleanUp() throws IOException {
        for (ServiceRegistration<?> r : registrations) {
            r.unregister();
        }
        for (org.osgi.service.cm.Configuration c : created) {
            try {
                c.delete();
            } catch (IllegalStateException alreadyDeleted) {
                // a test may delete its own configuration
            }
        }
    }

    /** Creates a factory configuration and remembers it for clean-up; values as a gateway's .cfg would give. */
    protected org.osgi.service.cm.Configuration factoryConfig(String factoryPid, Map<String, ?> properties)
            throws IOException {
        org.osgi.service.cm.Configuration c = configAdmin.getFactoryConfiguration(factoryPid,
                UUID.randomUUID().toString().substring(0, 8), "?");
        c.update(new Hashtable<>(properties));
        created.add(c);
        return c;
    }

    /** Collects EventAdmin events on {@code topic} from now on. */
    protected List<Event> collectEvents(String topic) {
        List<Event> events = new CopyOnWriteArrayList<>();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(EventConstants.EVENT_TOPIC, topic);
        registrations.add(context.registerService(EventHandler.class, events::add, props));
        return events;
    }

    protected static List<Event> alertsFor(List<Event> events, String asset, String state) {
        return events.stream().filter(e -> asset.equals(e.getProperty(AlertEvents.ASSET))
                && state.equals(e.getProperty(AlertEvents.STATE))).toList();
    }

    protected AssetStatus awaitAsset(String asset) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> pipelines.asset(asset).orElse(null),
                a -> a != null && a.drivers() > 0 && !a.channels().isEmpty());
    }

    protected ChannelStatus channel(String asset, String channel) {
        return pipelines.asset(asset).orElseThrow().channels().stream().filter(c -> c.channel().equals(channel))
                .findFirst().orElseThrow(() -> new AssertionError("asset " + asset + " has no channel " + channel));
    }

    protected Bundle installedBundle(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> b.getSymbolicName().equals(symbolicName)).findFirst()
                .orElseThrow(() -> new AssertionError("bundle " + symbolicName + " is not installed"));
    }

    /**
     * The HTTP port chosen in {@link #configuration()}. Read from the framework, not a field: the configuration runs
     * on the test runner's instance, the tests on another one loaded by the probe bundle.
     */
    protected int httpPort() {
        return Integer.parseInt(context.getProperty(HTTP_PORT_PROPERTY));
    }

    /** Status, body and headers of one HTTP exchange. */
    protected record HttpResult(int status, String body, HttpHeaders headers) {

        protected String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    /** A request to the REST API ({@code path} below {@value RestApi#CONTEXT_PATH}) with the console credentials. */
    protected HttpResult rest(String method, String path, String jsonBodyOrNull) throws IOException {
        return restAs(USER, PASSWORD, method, path, jsonBodyOrNull);
    }

    /** A request to the REST API without an Authorization header. */
    protected HttpResult restAnonymous(String method, String path, String jsonBodyOrNull) throws IOException {
        return http(null, null, method, RestApi.CONTEXT_PATH + path, jsonBodyOrNull);
    }

    /** A request to the REST API with the given Basic credentials. */
    protected HttpResult restAs(String user, String password, String method, String path, String jsonBodyOrNull)
            throws IOException {
        return http(user, password, method, RestApi.CONTEXT_PATH + path, jsonBodyOrNull);
    }

    /**
     * One request to the container's HTTP server; {@code user} null sends no credentials.
     *
     * @param path from the server's root, e.g. {@code /system/console}
     */
    protected HttpResult http(String user, String password, String method, String path, String jsonBodyOrNull)
            throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, jsonBodyOrNull == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(jsonBodyOrNull, StandardCharsets.UTF_8));
        if (jsonBodyOrNull != null) {
            request.header("Content-Type", "application/json; charset=utf-8");
        }
        if (user != null) {
            String token = user + ":" + password;
            request.header("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            if (httpClient == null) {
                httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            }
            HttpResponse<String> response = httpClient.send(request.build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new HttpResult(response.statusCode(), response.body(), response.headers());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + method + " " + path, e);
        }
    }

    /**
     * Waits until {@code path} below the REST context answers {@code status} with the console credentials: until
     * then Jetty may not listen yet (connection refused) or the whiteboard may not have picked up a servlet.
     */
    protected HttpResult awaitRest(String path, int status) {
        return await().atMost(Duration.ofSeconds(30)).ignoreException(ConnectException.class)
                .until(() -> rest("GET", path, null), r -> r.status() == status);
    }

    protected <T> ServiceReference<T> awaitService(Class<T> type, String filter) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            var refs = context.getServiceReferences(type, filter);
            return refs.isEmpty() ? null : refs.iterator().next();
        }, r -> r != null);
    }

    /** The reference model's deployment package, as features/ builds and signs it. */
    protected static final String MODEL_PACKAGE = "io.vigil.model.bearing";

    /** Where features/ put the signed packages, the trust store and the signing key of this build. */
    protected static java.nio.file.Path packages() {
        return java.nio.file.Path.of(System.getProperty("vigil.packages.dir"));
    }

    /** The signed model package of that version. */
    protected static java.nio.file.Path dp(String version) {
        return packages().resolve(MODEL_PACKAGE + "-" + version + ".dp");
    }

    /**
     * Configures the deployment manager to trust the key this build signed its packages with, and waits until it
     * runs with that configuration.
     */
    protected io.vigil.api.deploy.DeploymentService trustTheBuildsKey(int healthTimeoutSeconds) throws IOException {
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("io.vigil.deploy", "?");
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("trust.store", packages().resolve("vigil-trust.p12").toString());
        p.put("trust.store.password", "vigil-trust");
        p.put("health.timeout.seconds", String.valueOf(healthTimeoutSeconds));
        c.update(p);
        return context.getService(awaitService(io.vigil.api.deploy.DeploymentService.class,
                "(health.timeout.seconds=" + healthTimeoutSeconds + ")"));
    }

    private static final String REQUIRE_EXTENDER = "osgi.extender;filter:=\"(&(osgi.extender=vigil.model)"
            + "(version>=1.0.0)(!(version>=2.0.0)))\"";

    /** Installs and starts a model bundle built here: a Vigil-Model header (or none), a model file, a descriptor. */
    protected Bundle installModelBundle(String bsn, String header, byte[] model, byte[] descriptor)
            throws Exception {
        Bundle b = context.installBundle("test:" + bsn, new ByteArrayInputStream(modelBundle(bsn, "1.0.0", header,
                model, descriptor)));
        b.start();
        return b;
    }

    /** The bytes of a model bundle: a Vigil-Model header (or none), a model file and a descriptor. */
    protected static byte[] modelBundle(String bsn, String version, String header, byte[] model, byte[] descriptor)
            throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", version);
        a.putValue("Require-Capability", REQUIRE_EXTENDER);
        if (header != null) {
            a.putValue("Vigil-Model", header);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, m)) {
            addEntry(jar, "model/model.onnx", model);
            addEntry(jar, "model/descriptor.json", descriptor);
        }
        return bytes.toByteArray();
    }

    private static void addEntry(JarOutputStream jar, String name, byte[] data) throws IOException {
        jar.putNextEntry(new JarEntry(name));
        jar.write(data);
        jar.closeEntry();
    }
}
