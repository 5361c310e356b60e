package io.vigil.deploy.internal.crash;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.service.deploymentadmin.DeploymentException;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.InstalledPackage;
import io.vigil.api.deploy.InstalledPackage.BundleRecord;
import io.vigil.deploy.internal.tx.HealthCheck;
import io.vigil.deploy.internal.tx.TransactionEngine;

/**
 * The process {@link CrashConsistencyTest} kills: a gateway reduced to its deployment engine, on a real Felix
 * framework whose storage survives the process.
 *
 * <pre>
 * CrashWorker &lt;work dir&gt; work &lt;run name&gt; &lt;seed&gt;   start, recover, deploy for ever (until killed)
 * CrashWorker &lt;work dir&gt; verify &lt;run name&gt;         start, recover, print {@value #STATE_PREFIX}json, stop
 * </pre>
 *
 * Both append to {@code <work dir>/logs/<run name>.log}, each line forced to disk before the step it announces:
 * {@code START}, {@code RECOVERING journal=none|uncommitted|committed}, {@code READY recovered=.. state=..}, then
 * for every transaction {@code BEGIN <op> <target> from=<version>} and {@code END <op> <target> <result>
 * now=<version>}. The last line of a killed run's log says where the kill landed.
 */
public final class CrashWorker {

    static final String STATE_PREFIX = "VIGIL-STATE ";
    static final String NONE = "none";
    /** A worker that outlives any sensible test (its parent died without killing it) ends itself. */
    private static final long MAX_LIFE_NANOS = TimeUnit.MINUTES.toNanos(3);
    private static final long STARTED = System.nanoTime();
    /**
     * Whether the workload includes forced uninstalls; the test turns them on unless
     * {@code -Dvigil.crash.forcedUninstall=false} (they were journalled late, see docs/deployment-crash-consistency.md).
     */
    private static final boolean FORCED_UNINSTALL = Boolean.getBoolean("vigil.crash.forcedUninstall");

    private final Path work;
    private final Path log;
    private Framework framework;
    private TransactionEngine engine;

    private CrashWorker(Path work, String runName) throws IOException {
        this.work = work;
        this.log = Files.createDirectories(work.resolve("logs")).resolve(runName + ".log");
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: CrashWorker <work dir> work <run name> <seed> | verify <run name>");
            System.exit(2);
        }
        CrashWorker w = new CrashWorker(Path.of(args[0]), args[2]);
        switch (args[1]) {
            case "work" -> w.work(new Random(Long.parseLong(args[3])));
            case "verify" -> w.verify();
            default -> {
                System.err.println("unknown mode " + args[1] + "; use work or verify");
                System.exit(2);
            }
        }
    }

    // --- the two modes

    private void work(Random random) throws Exception {
        startAndRecover();
        while (System.nanoTime() - STARTED < MAX_LIFE_NANOS) {
            transaction(random);
            // the gateway's quiet time between deployments, so that some kills land while nothing is in progress
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(random.nextInt(16)));
        }
        log("GAVE UP: not killed within " + TimeUnit.NANOSECONDS.toSeconds(MAX_LIFE_NANOS) + " s");
        Runtime.getRuntime().halt(5);
    }

    private void verify() throws Exception {
        Optional<DeploymentRecord> recovered = startAndRecover();
        Snapshot s = snapshot(recovered);
        System.out.println(STATE_PREFIX + new Gson().toJson(s));
        System.out.flush();
        framework.stop();
        framework.waitForStop(10_000);
        log("STOPPED");
    }

    private Optional<DeploymentRecord> startAndRecover() throws Exception {
        log("START pid=" + ProcessHandle.current().pid() + " jvm-up=" + ManagementFactory.getRuntimeMXBean().getUptime()
                + "ms");
        Map<String, String> config = new HashMap<>();
        // persistent storage (no storage.clean): the framework comes back as the kill left it
        config.put(Constants.FRAMEWORK_STORAGE, work.resolve("framework").toString());
        framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(config);
        framework.start();
        log("RECOVERING journal=" + journalState());
        engine = new TransactionEngine(framework.getBundleContext(), work.resolve("deploy"), ALL_ACTIVE,
                Duration.ofSeconds(5));
        Optional<DeploymentRecord> recovered = engine.recover();
        log("READY recovered=" + recovered.map(DeploymentRecord::result).orElse(NONE) + " state=" + current());
        return recovered;
    }

    private static final HealthCheck ALL_ACTIVE = (bundles, timeout) -> {
        for (Bundle b : bundles) {
            if (b.getState() != Bundle.ACTIVE) {
                throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, b.getSymbolicName() + " "
                        + b.getVersion() + " is not active (state " + b.getState() + ")");
            }
        }
    };

    // --- the workload

    /** Picks the next operation from the current state, runs it, and checks the framework against the record. */
    private void transaction(Random random) throws Exception {
        InstalledPackage cur = engine.packages().get(CrashBundles.PACKAGE);
        String from = cur == null ? NONE : cur.version();
        int dice = random.nextInt(100);
        String op;
        String target;
        if (cur == null) {
            op = dice < 15 ? "install-failing" : "install";
            target = dice < 15 ? CrashBundles.FAILING_VERSION : pick(random, from);
        } else if (dice < 50) {
            op = "update";
            target = pick(random, from);
        } else if (dice < 62) {
            op = "update-failing";
            target = CrashBundles.FAILING_VERSION;
        } else if (dice < 80 && cur.previous() != null) {
            op = "rollback";
            target = cur.previous().version();
        } else if (dice < 80) {
            op = "update";
            target = pick(random, from);
        } else {
            op = FORCED_UNINSTALL ? "uninstall-forced" : "uninstall";
            target = NONE;
        }
        log("BEGIN " + op + " " + target + " from=" + from);
        String result;
        try {
            DeploymentRecord r = switch (op) {
                case "install", "install-failing", "update", "update-failing" ->
                        engine.install(CrashBundles.content(work, target), "crash-test", "jars", true);
                case "rollback" -> engine.rollback(CrashBundles.PACKAGE, "crash-test");
                case "uninstall" -> engine.uninstall(CrashBundles.PACKAGE, "crash-test", false);
                case "uninstall-forced" -> engine.uninstall(CrashBundles.PACKAGE, "crash-test", true);
                default -> throw new IllegalStateException(op);
            };
            result = r.result();
        } catch (DeploymentException e) {
            result = "ROLLED_BACK code=" + e.getCode();
            if (!op.endsWith("-failing")) {
                fail("END " + op + " " + target + " UNEXPECTED " + e);
            }
        }
        String now = current();
        boolean expected = op.endsWith("-failing") ? now.equals(from) : now.equals(target)
                && result.equals("COMMITTED");
        if (!expected) {
            fail("END " + op + " " + target + " " + result + " now=" + now + " UNEXPECTED: expected "
                    + (op.endsWith("-failing") ? from : target));
        }
        String mismatch = mismatch();
        if (mismatch != null) {
            fail("END " + op + " " + target + " " + result + " now=" + now + " INCONSISTENT " + mismatch);
        }
        log("END " + op + " " + target + " " + result.replace(' ', '_') + " now=" + now);
    }

    private static String pick(Random random, String except) {
        List<String> choices = new ArrayList<>(CrashBundles.GOOD_VERSIONS);
        choices.remove(except);
        return choices.get(random.nextInt(choices.size()));
    }

    private String current() {
        InstalledPackage p = engine.packages().get(CrashBundles.PACKAGE);
        return p == null ? NONE : p.version();
    }

    /** @return how the framework differs from the package record, null when they agree */
    private String mismatch() {
        TreeSet<String> fw = new TreeSet<>();
        for (Bundle b : framework.getBundleContext().getBundles()) {
            if (b.getBundleId() != 0) {
                fw.add(b.getLocation() + " " + b.getSymbolicName() + " " + b.getVersion() + " "
                        + (b.getState() == Bundle.ACTIVE ? "ACTIVE" : "state-" + b.getState()));
            }
        }
        TreeSet<String> rec = new TreeSet<>();
        InstalledPackage p = engine.packages().get(CrashBundles.PACKAGE);
        if (p != null) {
            for (BundleRecord r : p.bundles()) {
                rec.add(r.location() + " " + r.symbolicName() + " " + r.version() + " ACTIVE");
            }
        }
        return fw.equals(rec) ? null : "framework " + fw + " record " + rec;
    }

    private void fail(String line) throws IOException {
        log(line);
        Runtime.getRuntime().halt(4);
    }

    // --- the verifier's view

    /** The state after recovery, as the verifier prints it. */
    record Snapshot(String recovered, String recoveredMessage, boolean journalLeft, int historyEntries,
            List<BundleState> bundles, List<PackageState> packages) {
    }

    /**
     * A bundle in the framework.
     *
     * @param content {@code content.txt} as the framework serves it
     * @param payloadSha sha-256 of {@code payload.bin} as the framework serves it
     */
    record BundleState(long id, String location, String symbolicName, String version, String marker,
            String content, String payloadSha, String state) {
    }

    record PackageState(String name, String version, List<RecordState> bundles, PackageState previous) {
    }

    /** @param storeCopy {@code ok}, {@code missing}, or {@code corrupt} (the copy's hash is not its name) */
    record RecordState(String symbolicName, String version, String sha256, String location, String storeCopy) {
    }

    private Snapshot snapshot(Optional<DeploymentRecord> recovered) throws IOException {
        BundleContext ctx = framework.getBundleContext();
        List<BundleState> bundles = new ArrayList<>();
        for (Bundle b : ctx.getBundles()) {
            if (b.getBundleId() == 0) {
                continue;
            }
            bundles.add(new BundleState(b.getBundleId(), b.getLocation(), b.getSymbolicName(),
                    b.getVersion().toString(), b.getHeaders().get("X-Marker"), entry(b, "content.txt", false),
                    entry(b, "payload.bin", true), state(b.getState())));
        }
        List<PackageState> packages = new ArrayList<>();
        for (InstalledPackage p : engine.packages().values()) {
            packages.add(packageState(p));
        }
        return new Snapshot(recovered.map(DeploymentRecord::result).orElse(NONE),
                recovered.map(DeploymentRecord::message).orElse(""),
                Files.exists(work.resolve("deploy/journal.json")), historyEntries(), bundles, packages);
    }

    /** @return how many entries the history lists, -1 when it cannot be read */
    private int historyEntries() {
        try {
            return engine.history().size();
        } catch (RuntimeException e) {
            e.printStackTrace();
            return -1;
        }
    }

    private PackageState packageState(InstalledPackage p) throws IOException {
        List<RecordState> records = new ArrayList<>();
        for (BundleRecord r : p.bundles()) {
            Path copy = work.resolve("deploy/store").resolve(r.sha256() + ".jar");
            String state = !Files.exists(copy) ? "missing"
                    : CrashBundles.sha256(Files.readAllBytes(copy)).equals(r.sha256()) ? "ok" : "corrupt";
            records.add(new RecordState(r.symbolicName(), r.version(), r.sha256(), r.location(), state));
        }
        return new PackageState(p.name(), p.version(), records, p.previous() == null ? null
                : packageState(p.previous()));
    }

    private static String entry(Bundle b, String name, boolean hash) throws IOException {
        java.net.URL url = b.getEntry(name);
        if (url == null) {
            return null;
        }
        try (InputStream in = url.openStream()) {
            byte[] bytes = in.readAllBytes();
            return hash ? CrashBundles.sha256(bytes) : new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static String state(int state) {
        return switch (state) {
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            default -> "state-" + state;
        };
    }

    // --- the log

    private String journalState() {
        Path f = work.resolve("deploy/journal.json");
        if (!Files.exists(f)) {
            return NONE;
        }
        try {
            JsonObject j = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
            return j.get("committed").getAsBoolean() ? "committed-" + j.get("operation").getAsString()
                    : "uncommitted-" + j.get("operation").getAsString();
        } catch (IOException | RuntimeException e) {
            return "unreadable";
        }
    }

    /** Appends a line and forces it to disk before the step it announces begins. */
    private void log(String line) throws IOException {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - STARTED);
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ch.write(StandardCharsets.UTF_8.encode(line + " t=" + ms + "\n"));
            ch.force(true);
        }
    }
}
