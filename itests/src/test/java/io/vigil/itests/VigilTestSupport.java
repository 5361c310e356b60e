package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

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

/**
 * Starts the gateway's own bundle set (distribution/target/vigil/bundle, less the interactive shell) in a fresh
 * framework per test class, on whichever framework failsafe put on the class path (Felix or Equinox).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public abstract class VigilTestSupport {

    @Inject
    protected BundleContext context;

    @Inject
    protected ConfigurationAdmin configAdmin;

    @Inject
    protected PipelineStatus pipelines;

    private final List<org.osgi.service.cm.Configuration> created = new ArrayList<>();
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

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
        options.add(frameworkProperty("org.osgi.service.http.port").value(String.valueOf(freePort())));
        options.add(systemProperty("vigil.data.dir").value(System.getProperty("vigil.data.dir")));
        options.add(systemProperty("org.slf4j.simpleLogger.defaultLogLevel").value("warn"));
        options.add(cleanCaches(true));
        return options.toArray(new Option[0]);
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

    protected <T> ServiceReference<T> awaitService(Class<T> type, String filter) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            var refs = context.getServiceReferences(type, filter);
            return refs.isEmpty() ? null : refs.iterator().next();
        }, r -> r != null);
    }
}
