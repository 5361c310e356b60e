package io.vigil.deploy.internal.tx;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.deploy.internal.tx.Journal.Before;
import io.vigil.deploy.internal.tx.PackageContent.BundleFile;
import io.vigil.api.deploy.InstalledPackage.BundleRecord;
import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.InstalledPackage;

/**
 * Installs, updates, uninstalls and rolls back deployment packages as transactions: the framework ends up with
 * either the whole new set of bundles, healthy, or exactly the set (versions, contents and started states) it had
 * before.
 *
 * <p>Order of a transaction: checks that need no change (versions, fix-pack target, bundle ownership) → every new
 * bundle copied into the store → journal written (what will change and how it was) → stop, uninstall, update,
 * install the bundles that change (only those) → refresh them → start the package's bundles in order → health check
 * → commit point (journal marked committed) → package records written → journal removed. A failure before the
 * commit point undoes the changes from the journal; a crash is finished by {@link #recover()} at the next start:
 * before the commit point it undoes, after it it completes.
 */
public final class TransactionEngine {

    /** Locations of the bundles a package owns: {@code vigil-dp:<package>/<bundle symbolic name>}. */
    public static final String LOCATION_PREFIX = "vigil-dp:";

    private static final Logger LOG = System.getLogger(TransactionEngine.class.getName());

    private final BundleContext context;
    private final DeploymentStore store;
    private final HealthCheck health;
    private final Duration healthTimeout;

    public TransactionEngine(BundleContext context, Path dir, HealthCheck health, Duration healthTimeout)
            throws IOException {
        this.context = context;
        this.store = new DeploymentStore(dir);
        this.health = health;
        this.healthTimeout = healthTimeout;
    }

    public static String location(String packageName, String symbolicName) {
        return LOCATION_PREFIX + packageName + "/" + symbolicName;
    }

    public synchronized Map<String, InstalledPackage> packages() {
        return store.packages();
    }

    public synchronized List<DeploymentRecord> history() {
        return store.history();
    }

    /** The operation a transaction performs, for the journal and the history. */
    enum Operation {
        INSTALL, UPDATE, UNINSTALL, ROLLBACK
    }

    /**
     * Installs a package, or updates the installed version of it.
     *
     * @param force allow a downgrade
     * @return the history entry of the committed transaction
     * @throws DeploymentException the refusal or the failure, after everything was put back
     */
    public synchronized DeploymentRecord install(PackageContent p, String requestedBy, String source, boolean force)
            throws DeploymentException {
        finishPending();
        return install(p, requestedBy, source, force, null);
    }

    private DeploymentRecord install(PackageContent p, String requestedBy, String source, boolean force,
            Operation operation) throws DeploymentException {
        Map<String, InstalledPackage> state = store.packages();
        InstalledPackage old = state.get(p.name());
        Operation op = operation != null ? operation : old == null ? Operation.INSTALL : Operation.UPDATE;
        Tx tx = new Tx(op, p.name(), requestedBy, source, p.signer(), old == null ? "" : old.version(),
                p.version().toString());
        List<Target> targets;
        List<BundleRecord> removed = new ArrayList<>();
        try {
            if (old != null && p.version().compareTo(Version.parseVersion(old.version())) < 0 && !force) {
                throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "package " + p.name() + " "
                        + p.version() + " is older than the installed " + old.version() + "; downgrades are refused "
                        + "unless forced (or roll back to the previous version)");
            }
            targets = targets(p, old);
            checkNotSelf(targets);
            checkOwnership(p.name(), targets, state);
            for (BundleFile b : p.bundles()) {
                store.keep(b.file(), b.sha256());
            }
        } catch (IOException e) {
            throw tx.refused(new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "could not keep the "
                    + "bundles of " + p.name() + " " + p.version() + " in " + store.dir() + ": " + e
                    + "; nothing was changed", e));
        } catch (DeploymentException e) {
            throw tx.refused(e);
        }
        if (old != null) {
            Set<String> kept = new HashSet<>();
            targets.forEach(t -> kept.add(t.symbolicName));
            old.bundles().stream().filter(b -> !kept.contains(b.symbolicName())).forEach(removed::add);
        }
        InstalledPackage next = new InstalledPackage(p.name(), p.version().toString(), p.signer(),
                System.currentTimeMillis(), targets.stream().map(t -> new BundleRecord(t.symbolicName, t.version,
                        t.sha256, t.location)).toList(), p.headers(), old == null ? null : old.withoutPrevious());
        Map<String, InstalledPackage> after = new LinkedHashMap<>(state);
        after.put(p.name(), next);
        return run(tx, targets, removed, old, after);
    }

    /**
     * Records a package refused before it reached the engine (unreadable, badly signed, no room to stage it).
     *
     * @param packageName its symbolic name if the manifest could be read, else a description of the source
     */
    public synchronized void refusedBeforeStaging(String packageName, String requestedBy, String source,
            DeploymentException e) {
        new Tx(Operation.INSTALL, packageName, requestedBy, source, "", "", "").refused(e);
    }

    /**
     * Uninstalls a package's bundles.
     *
     * @param force go on past bundles that fail to stop or uninstall (the spec's uninstallForced)
     */
    public synchronized DeploymentRecord uninstall(String name, String requestedBy, boolean force)
            throws DeploymentException {
        finishPending();
        Map<String, InstalledPackage> state = store.packages();
        InstalledPackage old = state.get(name);
        Tx tx = new Tx(Operation.UNINSTALL, name, requestedBy, "", old == null ? "" : old.signer(),
                old == null ? "" : old.version(), "");
        if (old == null) {
            throw tx.refused(new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "no deployment package "
                    + name + " is installed; installed: " + state.keySet()));
        }
        Map<String, InstalledPackage> after = new LinkedHashMap<>(state);
        after.remove(name);
        if (force) {
            return forcedUninstall(tx, old, after);
        }
        return run(tx, List.of(), old.bundles(), old, after);
    }

    /** Reinstalls the version a package replaced, from the store. */
    public synchronized DeploymentRecord rollback(String name, String requestedBy) throws DeploymentException {
        finishPending();
        InstalledPackage current = store.packages().get(name);
        InstalledPackage previous = current == null ? null : current.previous();
        if (previous == null) {
            Tx tx = new Tx(Operation.ROLLBACK, name, requestedBy, "", "", current == null ? "" : current.version(),
                    "");
            throw tx.refused(new DeploymentException(DeploymentException.CODE_OTHER_ERROR, current == null
                    ? "no deployment package " + name + " is installed"
                    : "package " + name + " " + current.version() + " has no previous version to roll back to"));
        }
        List<BundleFile> files = previous.bundles().stream().map(b -> new BundleFile(b.symbolicName(),
                Version.parseVersion(b.version()), store.bundleFile(b.sha256()), b.sha256())).toList();
        PackageContent content = new PackageContent(name, Version.parseVersion(previous.version()), null, files,
                List.of(), previous.signer(), previous.headers() == null ? Map.of() : previous.headers());
        return install(content, requestedBy, "rollback of " + current.version(), true, Operation.ROLLBACK);
    }

    /**
     * A journal left by an undo or a commit that failed half-way must be finished before anything else writes one:
     * overwriting it would lose what it says is to be put back.
     */
    private void finishPending() throws DeploymentException {
        try {
            if (store.journal().isPresent()) {
                recover();
            }
        } catch (IOException | RuntimeException e) {
            throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "an earlier deployment left "
                    + store.dir().resolve("journal.json") + " and finishing it failed (" + e.getMessage() + "); no "
                    + "new deployment starts until it is finished: restart the gateway or inspect the bundles", e);
        }
    }

    /**
     * Finishes what a crash interrupted: a committed transaction is completed, any other undone. Call before any
     * other operation, when the deployment manager starts.
     *
     * @return what was done, empty when there was nothing to recover
     */
    public synchronized Optional<DeploymentRecord> recover() throws IOException {
        Optional<Journal> found = store.journal();
        if (found.isEmpty()) {
            return reconcile();
        }
        Journal j = found.get();
        long now = System.currentTimeMillis();
        DeploymentRecord entry;
        if (j.committed()) {
            finishCommit(j);
            entry = new DeploymentRecord(j.txId(), "RECOVERY", j.packageName(), "", "", j.requestedBy(), "", "",
                    j.startedEpochMillis(), now, "COMMITTED", -1, j.operation() + " of " + j.packageName()
                            + " had passed its commit point when the gateway stopped; completed at start");
            store.appendHistory(entry);
            store.deleteJournal();
        } else {
            // a crash mid-way: every bundle the transaction may have touched is put back from the store
            undo(j, null);
            entry = new DeploymentRecord(j.txId(), "RECOVERY", j.packageName(), "", "", j.requestedBy(), "", "",
                    j.startedEpochMillis(), now, "ROLLED_BACK", DeploymentException.CODE_OTHER_ERROR, j.operation()
                            + " of " + j.packageName() + " was interrupted (the gateway stopped before it "
                            + "committed); the previous bundles were restored at start");
            store.appendHistory(entry);
            store.deleteJournal();
        }
        LOG.log(Level.WARNING, entry.message());
        return Optional.of(entry);
    }

    /**
     * With no journal the records are right, but the framework's cache may not be: the framework does not force it
     * to disk, and at start it discards a bundle whose cache entry it cannot read (one cut by a power loss while it
     * was rewritten). Puts back from the store what the records name and the framework lacks or holds at another
     * version (and starts it), and uninstalls package locations no record names.
     */
    private Optional<DeploymentRecord> reconcile() throws IOException {
        Map<String, BundleRecord> wanted = new LinkedHashMap<>();
        store.packages().values().forEach(p -> p.bundles().forEach(b -> wanted.put(b.location(), b)));
        List<String> repaired = new ArrayList<>();
        List<Bundle> refresh = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getLocation().startsWith(LOCATION_PREFIX) && !wanted.containsKey(b.getLocation())) {
                quietly(b::uninstall, "uninstall " + b.getLocation());
                refresh.add(b);
                repaired.add("uninstalled " + b.getLocation() + ", which no package record names");
            }
        }
        List<String> restored = new ArrayList<>();
        for (BundleRecord r : wanted.values()) {
            Bundle b = context.getBundle(r.location());
            if (b != null && b.getVersion().equals(Version.parseVersion(r.version()))) {
                continue;
            }
            Path file = store.bundleFile(r.sha256());
            try (InputStream in = Files.newInputStream(file)) {
                if (b == null) {
                    context.installBundle(r.location(), in);
                    repaired.add("reinstalled " + r.symbolicName() + " " + r.version() + ", which the framework "
                            + "lost");
                } else {
                    repaired.add("put back " + r.symbolicName() + " " + r.version() + " (the framework had "
                            + b.getVersion() + ")");
                    quietly(b::stop, "stop " + r.location());
                    b.update(in);
                    refresh.add(b);
                }
                restored.add(r.location());
            } catch (BundleException e) {
                throw new IOException("could not restore " + r.symbolicName() + " from " + file + ": " + e, e);
            }
        }
        try {
            refresh(refresh);
        } catch (DeploymentException e) {
            LOG.log(Level.WARNING, "refreshing after the repair: " + e.getMessage());
        }
        for (String location : restored) {
            Bundle b = context.getBundle(location);
            if (b != null && !isFragment(b)) {
                quietly(b::start, "start " + location);
            }
        }
        if (repaired.isEmpty()) {
            return Optional.empty();
        }
        long now = System.currentTimeMillis();
        DeploymentRecord entry = new DeploymentRecord(UUID.randomUUID().toString(), "RECOVERY", "", "", "",
                "startup", "", "", now, now, "COMMITTED", -1, "the framework did not hold what the deployment "
                        + "records name; repaired at start: " + String.join("; ", repaired));
        store.appendHistory(entry);
        LOG.log(Level.WARNING, entry.message());
        return Optional.of(entry);
    }

    // --- the transaction

    /** One bundle a package will hold after the transaction. */
    private record Target(String symbolicName, String version, String sha256, String location, Path file,
            boolean keptFromFixedVersion) {
    }

    private List<Target> targets(PackageContent p, InstalledPackage old) throws DeploymentException {
        List<Target> targets = new ArrayList<>();
        for (BundleFile b : p.bundles()) {
            targets.add(new Target(b.symbolicName(), b.version().toString(), b.sha256(), location(p.name(),
                    b.symbolicName()), b.file(), false));
        }
        if (p.fixPack() != null) {
            if (old == null || !p.fixPack().includes(Version.parseVersion(old.version()))) {
                throw new DeploymentException(DeploymentException.CODE_MISSING_FIXPACK_TARGET, "fix pack "
                        + p.name() + " " + p.version() + " applies to versions " + p.fixPack() + " but "
                        + (old == null ? "none is installed" : old.version() + " is installed")
                        + "; install a full package instead");
            }
            for (String missing : p.missing()) {
                BundleRecord kept = old.bundles().stream().filter(b -> b.symbolicName().equals(missing)).findFirst()
                        .orElseThrow(() -> new DeploymentException(DeploymentException.CODE_MISSING_BUNDLE,
                                "fix pack " + p.name() + " " + p.version() + " leaves out bundle " + missing
                                        + ", which the installed " + old.version() + " does not have"));
                targets.add(new Target(kept.symbolicName(), kept.version(), kept.sha256(), kept.location(),
                        store.bundleFile(kept.sha256()), true));
            }
        }
        return targets;
    }

    /**
     * The deployment manager cannot replace itself or a bundle it is wired to in a transaction: the refresh would
     * restart it half-way and a second engine would start on the same journal.
     */
    private void checkNotSelf(List<Target> targets) throws DeploymentException {
        Set<String> self = new HashSet<>();
        Bundle own = context.getBundle();
        self.add(own.getSymbolicName());
        org.osgi.framework.wiring.BundleWiring wiring = own.adapt(org.osgi.framework.wiring.BundleWiring.class);
        if (wiring != null) {
            wiring.getRequiredWires(null).forEach(w -> self.add(w.getProvider().getBundle().getSymbolicName()));
        }
        for (Target t : targets) {
            if (self.contains(t.symbolicName) && own.getBundleId() != 0) {
                throw new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "bundle " + t.symbolicName
                        + " is the deployment manager or one it depends on, which cannot be replaced by a "
                        + "transaction it runs itself; update it with the gateway's distribution instead");
            }
        }
    }

    private void checkOwnership(String name, List<Target> targets, Map<String, InstalledPackage> state)
            throws DeploymentException {
        for (Target t : targets) {
            for (InstalledPackage other : state.values()) {
                if (!other.name().equals(name) && other.bundles().stream()
                        .anyMatch(b -> b.symbolicName().equals(t.symbolicName))) {
                    throw new DeploymentException(DeploymentException.CODE_BUNDLE_SHARING_VIOLATION, "bundle "
                            + t.symbolicName + " belongs to deployment package " + other.name() + "; a bundle "
                            + "belongs to one package only");
                }
            }
            for (Bundle b : context.getBundles()) {
                if (t.symbolicName.equals(b.getSymbolicName()) && !b.getLocation().equals(t.location)) {
                    throw new DeploymentException(DeploymentException.CODE_BUNDLE_SHARING_VIOLATION, "bundle "
                            + t.symbolicName + " is already installed outside deployment package " + name
                            + " (location " + b.getLocation() + "); uninstall it first, or ship it in its own "
                            + "package");
                }
            }
        }
    }

    private DeploymentRecord run(Tx tx, List<Target> targets, List<BundleRecord> removed, InstalledPackage old,
            Map<String, InstalledPackage> after) throws DeploymentException {
        Map<String, String> oldSha = new LinkedHashMap<>();
        if (old != null) {
            old.bundles().forEach(b -> oldSha.put(b.location(), b.sha256()));
        }
        List<Before> before = new ArrayList<>();
        List<String> created = new ArrayList<>();
        Set<String> affected = new LinkedHashSet<>(); // package order: an undo restarts bundles in it
        targets.forEach(t -> affected.add(t.location));
        removed.forEach(r -> affected.add(r.location()));
        for (String location : affected) {
            Bundle b = context.getBundle(location);
            if (b == null) {
                created.add(location);
            } else {
                String sha = oldSha.get(location);
                if (sha == null || !Files.exists(store.bundleFile(sha))) {
                    throw tx.refused(new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "bundle "
                            + b.getSymbolicName() + " at " + location + " has no copy in the deployment store, so "
                            + "it could not be put back if this failed; reinstall its package first"));
                }
                before.add(new Before(location, b.getSymbolicName(), sha, isActive(b)));
            }
        }
        Journal journal = new Journal(tx.id, tx.operation.name(), tx.packageName, tx.requestedBy, before, created,
                null, false, tx.started);
        try {
            store.writeJournal(journal);
        } catch (IOException e) {
            throw tx.refused(new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "could not write the "
                    + "deployment journal in " + store.dir() + ": " + e + "; nothing was changed", e));
        }
        Set<String> touched = new HashSet<>();
        try {
            apply(targets, removed, oldSha, touched);
            List<Bundle> bundles = new ArrayList<>();
            for (Target t : targets) {
                bundles.add(context.getBundle(t.location));
            }
            health.check(bundles, healthTimeout);
        } catch (DeploymentException | BundleException | IOException | RuntimeException e) {
            DeploymentException failure = e instanceof DeploymentException d ? d
                    : new DeploymentException(DeploymentException.CODE_OTHER_ERROR, tx.operation + " of "
                            + tx.packageName + " failed: " + e.getMessage(), e);
            LOG.log(Level.WARNING, tx.operation + " of " + tx.packageName + " " + tx.toVersion + " failed ("
                    + failure.getMessage() + "); rolling back");
            try {
                undo(journal, touched);
                store.deleteJournal();
            } catch (IOException | RuntimeException undoFailed) {
                LOG.log(Level.ERROR, "rolling back " + tx.operation + " of " + tx.packageName + " failed; the "
                        + "journal is kept and the next start retries", undoFailed);
                failure.addSuppressed(undoFailed);
            }
            throw tx.rolledBack(failure);
        }
        try {
            Journal committed = journal.commit(new ArrayList<>(after.values()));
            store.writeJournal(committed);
            finishCommit(committed);
            DeploymentRecord entry = tx.entry("COMMITTED", -1, tx.operation + " of " + tx.packageName + " "
                    + (tx.toVersion.isEmpty() ? tx.fromVersion : tx.toVersion) + " committed");
            store.appendHistory(entry);
            store.deleteJournal();
            LOG.log(Level.INFO, entry.message() + " (requested by " + tx.requestedBy + ")");
            return entry;
        } catch (IOException e) {
            // past the commit point the framework is right; the records are completed at the next start
            throw new DeploymentException(DeploymentException.CODE_COMMIT_ERROR, tx.operation + " of "
                    + tx.packageName + " is applied but its record could not be written (" + e + "); it is "
                    + "completed at the next start", e);
        }
    }

    /** Changes the framework: only bundles whose content changes are stopped, replaced and refreshed. */
    private void apply(List<Target> targets, List<BundleRecord> removed, Map<String, String> oldSha,
            Set<String> touched) throws BundleException, IOException, DeploymentException {
        List<Bundle> refresh = new ArrayList<>();
        for (int i = removed.size() - 1; i >= 0; i--) {
            Bundle b = context.getBundle(removed.get(i).location());
            if (b != null) {
                touched.add(b.getLocation());
                b.stop();
                b.uninstall();
                refresh.add(b);
            }
        }
        for (Target t : targets) {
            Bundle b = context.getBundle(t.location);
            if (b == null) {
                touched.add(t.location);
                try (InputStream in = Files.newInputStream(t.file)) {
                    context.installBundle(t.location, in);
                }
            } else if (!t.sha256.equals(oldSha.get(t.location))) {
                touched.add(t.location);
                b.stop();
                try (InputStream in = Files.newInputStream(t.file)) {
                    b.update(in);
                }
                refresh.add(b);
            }
        }
        refresh(refresh);
        for (Target t : targets) {
            Bundle b = context.getBundle(t.location);
            if (!isFragment(b)) {
                b.start();
            }
        }
    }

    /** Puts back every bundle of the journal: the ones in {@code touched}, or all of them after a crash. */
    private void undo(Journal j, Set<String> touched) throws IOException {
        IOException failed = null;
        List<Bundle> refresh = new ArrayList<>();
        for (String location : j.created()) {
            Bundle b = context.getBundle(location);
            if (b != null) {
                quietly(b::uninstall, "uninstall " + location);
                refresh.add(b);
            }
        }
        for (Before before : j.before()) {
            if (touched != null && !touched.contains(before.location())) {
                continue;
            }
            Path file = store.bundleFile(before.sha256());
            Bundle b = context.getBundle(before.location());
            // every bundle is put back that can be: one that cannot must not leave the others half-restored
            try (InputStream in = Files.newInputStream(file)) {
                if (b == null) {
                    context.installBundle(before.location(), in);
                } else {
                    quietly(b::stop, "stop " + before.location());
                    b.update(in);
                    refresh.add(b);
                }
            } catch (BundleException | IOException e) {
                IOException failure = new IOException("could not restore " + before.symbolicName() + " from " + file
                        + ": " + e, e);
                if (failed == null) {
                    failed = failure;
                } else {
                    failed.addSuppressed(failure);
                }
            }
        }
        try {
            refresh(refresh);
        } catch (DeploymentException e) {
            LOG.log(Level.WARNING, "refreshing after the rollback: " + e.getMessage());
        }
        for (Before before : j.before()) {
            Bundle b = context.getBundle(before.location());
            if (b != null && !isFragment(b)) {
                // the package's start also started unchanged bundles an operator had stopped: stop them again
                quietly(before.active() ? b::start : b::stop, (before.active() ? "start " : "stop ")
                        + before.location());
            }
        }
        if (failed != null) {
            throw failed; // the journal stays, and the next operation or start tries again
        }
    }

    private DeploymentRecord forcedUninstall(Tx tx, InstalledPackage old, Map<String, InstalledPackage> after)
            throws DeploymentException {
        // journaled like every other transaction: the framework persists each uninstall as it happens, so a crash
        // half-way would otherwise leave part of the package installed, recorded as whole, with nothing to repair it
        List<Before> before = new ArrayList<>();
        for (BundleRecord r : old.bundles()) {
            Bundle b = context.getBundle(r.location());
            if (b != null && Files.exists(store.bundleFile(r.sha256()))) {
                before.add(new Before(r.location(), r.symbolicName(), r.sha256(), isActive(b)));
            }
        }
        Journal journal = new Journal(tx.id, tx.operation.name(), tx.packageName, tx.requestedBy, before, List.of(),
                null, false, tx.started);
        try {
            store.writeJournal(journal);
        } catch (IOException e) {
            throw tx.refused(new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "could not write the "
                    + "deployment journal in " + store.dir() + ": " + e + "; nothing was changed", e));
        }
        List<Bundle> refresh = new ArrayList<>();
        for (int i = old.bundles().size() - 1; i >= 0; i--) {
            Bundle b = context.getBundle(old.bundles().get(i).location());
            if (b != null) {
                quietly(b::stop, "stop " + b.getLocation());
                quietly(b::uninstall, "uninstall " + b.getLocation());
                refresh.add(b);
            }
        }
        try {
            refresh(refresh);
        } catch (DeploymentException e) {
            LOG.log(Level.WARNING, e.getMessage());
        }
        try {
            Journal committed = journal.commit(new ArrayList<>(after.values()));
            store.writeJournal(committed);
            finishCommit(committed);
        } catch (IOException e) {
            throw new DeploymentException(DeploymentException.CODE_COMMIT_ERROR, "the bundles of " + tx.packageName
                    + " are uninstalled but the record could not be written: " + e, e);
        }
        DeploymentRecord entry = tx.entry("COMMITTED", -1, "forced uninstall of " + tx.packageName + " "
                + tx.fromVersion);
        store.appendHistory(entry);
        try {
            store.deleteJournal();
        } catch (IOException e) {
            throw new DeploymentException(DeploymentException.CODE_COMMIT_ERROR, "the forced uninstall of "
                    + tx.packageName + " is committed but its journal could not be removed (" + e + "); the next "
                    + "start completes it", e);
        }
        return entry;
    }

    private void finishCommit(Journal j) throws IOException {
        store.savePackages(j.packagesAfter());
        Set<String> referenced = new HashSet<>();
        for (InstalledPackage p : j.packagesAfter()) {
            p.bundles().forEach(b -> referenced.add(b.sha256()));
            if (p.previous() != null) {
                p.previous().bundles().forEach(b -> referenced.add(b.sha256()));
            }
        }
        store.prune(referenced);
    }

    private void refresh(List<Bundle> bundles) throws DeploymentException {
        if (bundles.isEmpty()) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(bundles, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        try {
            if (!done.await(60, TimeUnit.SECONDS)) {
                throw new DeploymentException(DeploymentException.CODE_TIMEOUT, "refreshing " + bundles
                        + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeploymentException(DeploymentException.CODE_CANCELLED, "interrupted while refreshing");
        }
    }

    private static boolean isActive(Bundle b) {
        return (b.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0;
    }

    private static boolean isFragment(Bundle b) {
        BundleRevision r = b.adapt(BundleRevision.class);
        return r != null && (r.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    private interface BundleAction {
        void run() throws BundleException;
    }

    private static void quietly(BundleAction action, String what) {
        try {
            action.run();
        } catch (BundleException | RuntimeException e) {
            LOG.log(Level.WARNING, "while rolling back: could not " + what + ": " + e);
        }
    }

    /** The history bookkeeping of one transaction. */
    private final class Tx {
        final String id = UUID.randomUUID().toString();
        final long started = System.currentTimeMillis();
        final Operation operation;
        final String packageName;
        final String requestedBy;
        final String source;
        final String signer;
        final String fromVersion;
        final String toVersion;

        Tx(Operation operation, String packageName, String requestedBy, String source, String signer,
                String fromVersion, String toVersion) {
            this.operation = operation;
            this.packageName = packageName;
            this.requestedBy = requestedBy;
            this.source = source;
            this.signer = signer;
            this.fromVersion = fromVersion;
            this.toVersion = toVersion;
        }

        DeploymentRecord entry(String result, int code, String message) {
            return new DeploymentRecord(id, operation.name(), packageName, fromVersion, toVersion, requestedBy, source,
                    signer, started, System.currentTimeMillis(), result, code, message);
        }

        DeploymentException refused(DeploymentException e) {
            store.appendHistory(entry("REFUSED", e.getCode(), e.getMessage()));
            LOG.log(Level.WARNING, operation + " of " + packageName + " refused: " + e.getMessage());
            return e;
        }

        DeploymentException rolledBack(DeploymentException e) {
            store.appendHistory(entry("ROLLED_BACK", e.getCode(), e.getMessage()));
            return e;
        }
    }
}
