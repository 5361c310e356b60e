package io.vigil.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.util.tracker.ServiceTracker;

import io.vigil.api.model.ModelCatalog;

/**
 * A real Felix, the framework {@code bin/felix.jar} embeds, with every bundle of
 * {@code distribution/target/vigil/bundle} but two: {@code org.apache.felix.gogo.shell}, which would read the
 * fork's stdin and stop the framework at its end, and {@code io.vigil.api}, whose packages the system bundle
 * exports instead (from this jar, {@code org.osgi.framework.system.packages.extra} set to the API bundle's own
 * {@code Export-Package}), so that the listeners a benchmark registers and the objects they receive are the
 * classes the bundles use. The web console and Jetty run as on the gateway, on 127.0.0.1, a free port and a
 * random password nobody sees. ConfigAdmin is used by reflection, so that no second copy of its API is needed.
 *
 * <p>Paths are resolved from the working directory, or {@code -Dvigil.root=<reactor>}; recordings from
 * {@code -Dvigil.data.dir} (default {@code <reactor>/../shared/data}). Each run gets its own directory under
 * {@code bench/target/<run name>/<timestamp>}; {@link #close()} deletes its framework cache (a copy of every
 * bundle, ONNX Runtime's natives too) and keeps the rest (the gateway's data directory).
 */
final class BenchGateway implements AutoCloseable {

    /** Bundles of the gateway's set left out, and why: see the class comment. */
    static final List<String> LEFT_OUT = List.of("org.apache.felix.gogo.shell", "io.vigil.api");
    static final long TIMEOUT_SECONDS = 15;

    final Path root;
    final Path bundleDir;
    final Path runDir;
    final Framework framework;
    final BundleContext context;

    private BenchGateway(Path root, Path bundleDir, Path runDir, Framework framework) {
        this.root = root;
        this.bundleDir = bundleDir;
        this.runDir = runDir;
        this.framework = framework;
        this.context = framework.getBundleContext();
    }

    /** @return the reactor root: {@code -Dvigil.root}, or the working directory */
    static Path reactorRoot() {
        return Path.of(System.getProperty("vigil.root", "")).toAbsolutePath().normalize();
    }

    /** @return a readable recording under the data directory, e.g. {@code cwru/1797_IR_7_DE12.npz} */
    static Path recording(Path root, String relative) {
        Path recording = Path.of(System.getProperty("vigil.data.dir", root.resolve("../shared/data").toString()))
                .resolve(relative).toAbsolutePath().normalize();
        if (!Files.isReadable(recording)) {
            throw new IllegalStateException("recording " + recording + " not readable; pass -Dvigil.data.dir=<dir "
                    + "holding " + relative + ">");
        }
        return recording;
    }

    /**
     * Starts the framework and every bundle of the gateway's set (but {@link #LEFT_OUT}), and checks that they
     * all take the Vigil API from the system bundle.
     *
     * @param runName the folder under {@code bench/target} for this benchmark's runs
     */
    static BenchGateway start(Path root, String runName) throws Exception {
        Path bundleDir = root.resolve("distribution/target/vigil/bundle");
        if (!Files.isDirectory(bundleDir)) {
            throw new IllegalStateException("no gateway bundle set at " + bundleDir + "; run from the reactor root "
                    + "after `mvn -B -q install -DskipTests`, or pass -Dvigil.root=<reactor root>");
        }
        Path runDir = root.resolve("bench/target").resolve(runName)
                .resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Path data = Files.createDirectories(runDir.resolve("data"));
        Path load = Files.createDirectories(runDir.resolve("load"));

        File[] jars = bundleDir.toFile().listFiles((d, n) -> n.endsWith(".jar"));
        Arrays.sort(jars);
        File api = Arrays.stream(jars).filter(j -> symbolicName(j).equals("io.vigil.api")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no io.vigil.api bundle in " + bundleDir));

        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, runDir.resolve("felix-cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, manifestHeader(api, Constants.EXPORT_PACKAGE));
        props.put("vigil.data", data.toString());
        props.put("felix.fileinstall.dir", load.toString());
        props.put("felix.fileinstall.noInitialDelay", "true");
        props.put("org.apache.felix.http.host", "127.0.0.1");
        props.put("org.osgi.service.http.port", String.valueOf(freePort()));
        props.put("felix.webconsole.username", "vigil");
        props.put("felix.webconsole.password", randomPasswordHash());

        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi FrameworkFactory on the class path"));
        Framework framework = factory.newFramework(props);
        framework.start();
        BenchGateway gateway = new BenchGateway(root, bundleDir, runDir, framework);
        try {
            gateway.installAll(jars);
        } catch (Exception | Error e) {
            gateway.close();
            throw e;
        }
        return gateway;
    }

    private void installAll(File[] jars) throws Exception {
        System.out.printf("%n%s %s; bundles from %s, left out %s; run directory %s%n",
                framework.getSymbolicName(), framework.getVersion(), bundleDir, LEFT_OUT, runDir);
        List<Bundle> installed = new ArrayList<>();
        for (File jar : jars) {
            if (!LEFT_OUT.contains(symbolicName(jar))) {
                installed.add(context.installBundle(jar.toURI().toString()));
            }
        }
        for (Bundle b : installed) {
            if (b.getHeaders("").get(Constants.FRAGMENT_HOST) == null) {
                b.start();
            }
        }
        List<String> notActive = installed.stream()
                .filter(b -> b.getHeaders("").get(Constants.FRAGMENT_HOST) == null && b.getState() != Bundle.ACTIVE)
                .map(b -> b.getSymbolicName() + " state " + b.getState()).toList();
        if (!notActive.isEmpty()) {
            throw new IllegalStateException("bundles not active: " + notActive);
        }
        checkApiFromSystemBundle(installed);
    }

    /** @return the one bundle jar a module of the reactor built, e.g. {@code io.vigil.model.bearing.v1} */
    String moduleJarLocation(String module) throws IOException {
        Path dir = root.resolve("bundles").resolve(module).resolve("target");
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> jars = s.filter(p -> p.getFileName().toString().endsWith(".jar")).toList();
            if (jars.size() != 1) {
                throw new IllegalStateException("expected one bundle jar in " + dir + ", found " + jars
                        + "; build the reactor first");
            }
            return jars.get(0).toUri().toString();
        }
    }

    /** Creates a factory configuration through ConfigAdmin's own API classes, found in its bundle. */
    void configureFactory(String factoryPid, String name, Map<String, String> properties) throws Exception {
        withConfigAdmin((admin, adminType) -> adminType.getMethod("getFactoryConfiguration", String.class,
                String.class, String.class).invoke(admin, factoryPid, name, "?"), properties);
    }

    /** Sets a singleton configuration through ConfigAdmin's own API classes. */
    void configure(String pid, Map<String, String> properties) throws Exception {
        withConfigAdmin((admin, adminType) -> adminType.getMethod("getConfiguration", String.class, String.class)
                .invoke(admin, pid, "?"), properties);
    }

    private interface ConfigLookup {
        Object get(Object admin, Class<?> adminType) throws Exception;
    }

    private void withConfigAdmin(ConfigLookup lookup, Map<String, String> properties) throws Exception {
        ServiceTracker<Object, Object> tracker = new ServiceTracker<>(context,
                "org.osgi.service.cm.ConfigurationAdmin", null);
        tracker.open();
        try {
            Object configAdmin = tracker.waitForService(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            if (configAdmin == null) {
                throw new IllegalStateException("no ConfigurationAdmin service after " + TIMEOUT_SECONDS + " s");
            }
            Bundle cm = tracker.getServiceReference().getBundle();
            Class<?> adminType = cm.loadClass("org.osgi.service.cm.ConfigurationAdmin");
            Class<?> configType = cm.loadClass("org.osgi.service.cm.Configuration");
            Object config = lookup.get(configAdmin, adminType);
            Dictionary<String, Object> dict = new Hashtable<>(properties);
            configType.getMethod("update", Dictionary.class).invoke(config, dict);
        } finally {
            tracker.close();
        }
    }

    /**
     * @param filter an LDAP filter on the service's properties, or null
     * @return the service, waiting for it up to {@link #TIMEOUT_SECONDS}; got through the system bundle's context,
     *         which holds it until the framework stops
     */
    <T> T service(Class<T> type, String filter) throws Exception {
        String f = "(" + Constants.OBJECTCLASS + "=" + type.getName() + ")";
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context,
                context.createFilter(filter == null ? f : "(&" + f + filter + ")"), null);
        tracker.open();
        try {
            if (tracker.waitForService(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS)) == null) {
                throw new IllegalStateException("no " + type.getName() + (filter == null ? "" : " " + filter)
                        + " service after " + TIMEOUT_SECONDS + " s");
            }
            return context.getService(tracker.getServiceReference());
        } finally {
            tracker.close();
        }
    }

    /** @return the model bundles the extender refused, for error messages */
    String rejectedModels() {
        ServiceReference<ModelCatalog> ref = context.getServiceReference(ModelCatalog.class);
        return ref == null ? "(no ModelCatalog)" : String.valueOf(context.getService(ref).rejected());
    }

    /** Stops the framework and deletes its cache. */
    @Override
    public void close() throws Exception {
        try {
            framework.stop();
            if (framework.waitForStop(TimeUnit.SECONDS.toMillis(30)).getType() != FrameworkEvent.STOPPED) {
                System.out.println("framework did not stop within 30 s");
            }
        } finally {
            deleteRecursively(runDir.resolve("felix-cache"));
        }
    }

    static void await(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("waited " + TIMEOUT_SECONDS + " s for " + what);
        }
    }

    /** The bundles must see the API classes the benchmark uses, or its listeners would never be bound. */
    private static void checkApiFromSystemBundle(List<Bundle> installed) {
        if (installed.stream().noneMatch(b -> "io.vigil.runtime".equals(b.getSymbolicName()))) {
            throw new IllegalStateException("io.vigil.runtime is not in the bundle set");
        }
        for (Bundle b : installed) {
            BundleWiring wiring = b.adapt(BundleWiring.class);
            if (wiring == null) {
                continue;
            }
            for (BundleWire w : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                Object pkg = w.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
                if (String.valueOf(pkg).startsWith("io.vigil.api.")
                        && w.getProvider().getBundle().getBundleId() != 0) {
                    throw new IllegalStateException(b.getSymbolicName() + " imports " + pkg + " from "
                            + w.getProvider().getBundle() + ", not from the system bundle");
                }
            }
        }
    }

    private static String symbolicName(File jar) {
        String bsn = manifestHeader(jar, Constants.BUNDLE_SYMBOLICNAME);
        return bsn == null ? "" : bsn.split(";")[0].trim();
    }

    private static String manifestHeader(File jar, String name) {
        try (JarFile j = new JarFile(jar)) {
            return j.getManifest() == null ? null : j.getManifest().getMainAttributes().getValue(name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the manifest of " + jar, e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The web console runs as on the gateway, never with admin/admin: a password nobody is told. */
    private static String randomPasswordHash() throws NoSuchAlgorithmException {
        byte[] password = new byte[18];
        new SecureRandom().nextBytes(password);
        byte[] hash = MessageDigest.getInstance("SHA-256")
                .digest(Base64.getUrlEncoder().encodeToString(password).getBytes(StandardCharsets.UTF_8));
        return "{sha-256}" + Base64.getEncoder().encodeToString(hash);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
