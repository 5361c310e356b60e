package io.vigil.deploy.internal.monitor;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.deploy.DeploymentWatch;
import io.vigil.api.deploy.DeploymentWatch.Action;
import io.vigil.api.deploy.DeploymentWatch.Signal;
import io.vigil.api.deploy.DeploymentWatch.State;
import io.vigil.api.deploy.InstalledPackage;
import io.vigil.api.deploy.MonitorEvents;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.detect.ModelRef;
import io.vigil.api.detect.ScoredWindow;
import io.vigil.deploy.internal.monitor.ReviewException.Reason;
import io.vigil.deploy.internal.monitor.ThresholdCalibration.Calibration;

/**
 * The monitor's bookkeeping: per asset the latest windows, the watches started at each committed deployment, and
 * what a signal or a review does to them.
 *
 * <p>Threads: {@link #onWindow} runs on the pipelines' threads and only appends to the asset's ring and updates
 * the running watches' counters; whatever follows from it (a signal, a watch's end, an asset taking up a new
 * model) is handed to the control executor. Every other method that changes something ({@link #committed},
 * {@link #review} and the follow-ups) runs on that one control thread, so deployments, signals and reviews are
 * applied one after the other, in the order they happened: the commit event of a rollback the monitor asked for
 * is handled after the watches it ended were marked ROLLED_BACK. The views ({@link #watches}) may be read from
 * any thread.
 */
final class WatchBook {

    private static final Logger LOG = System.getLogger(WatchBook.class.getName());
    /** Who the automatic rollback is requested by, in the deployment history. */
    static final String MONITOR = "monitor";
    /** Ended watches kept for the record (oldest dropped first); active ones are always kept. */
    static final int MAX_ENDED = 200;
    private static final Set<String> WATCHED_OPERATIONS = Set.of("INSTALL", "UPDATE", "ROLLBACK");

    /** What an operator decides about a watch pending review. */
    enum Decision {
        KEEP, ROLLBACK
    }

    private volatile MonitorSettings settings;
    private final DeploymentService deployments;
    private final PackageModels models;
    private final WatchStore store;
    private final BiConsumer<String, Map<String, Object>> events;
    private final Executor control;
    private final Predicate<String> assetConfigured;
    private final LongSupplier nanoClock;
    private final LongSupplier millisClock;

    private final Map<String, AssetTrack> tracks = new ConcurrentHashMap<>();
    /** Every kept watch, oldest first; structural changes on the control thread, under its own lock. */
    private final List<Watch> watches = new ArrayList<>();
    /** Control thread only: each package's bundles as of its last commit, to know what an update replaced. */
    private final Map<String, List<String>> packageBundles = new HashMap<>();
    /** Control thread only: each package's last deployment, so a late join of an older one is ignored. */
    private final Map<String, String> latestTx = new HashMap<>();

    /**
     * @param store where watches persist; null keeps them in memory only
     * @param events where monitor events go (topic, properties)
     * @param control the control thread (a direct executor in tests)
     * @param assetConfigured whether an asset is (still) configured
     */
    WatchBook(MonitorSettings settings, DeploymentService deployments, PackageModels models, WatchStore store,
            BiConsumer<String, Map<String, Object>> events, Executor control, Predicate<String> assetConfigured,
            LongSupplier nanoClock, LongSupplier millisClock) {
        this.settings = settings;
        this.deployments = deployments;
        this.models = models;
        this.store = store;
        this.events = events;
        this.control = control;
        this.assetConfigured = assetConfigured;
        this.nanoClock = nanoClock;
        this.millisClock = millisClock;
        for (InstalledPackage p : deployments.packages().values()) {
            packageBundles.put(p.name(), symbolicNames(p));
        }
        if (store != null) {
            restore(store.load());
        }
    }

    void reconfigure(MonitorSettings next) {
        settings = next;
    }

    MonitorSettings settings() {
        return settings;
    }

    // --- the live path

    void onWindow(ScoredWindow window) {
        if (window.verdict().state() == DetectorState.COMMISSIONING) {
            // a verdict that could not have been anomalous (tier-0 still learning, no model scored it) would
            // pull a baseline towards 0 and make the first real windows look like an increase
            return;
        }
        MonitorSettings s = settings;
        AssetTrack track = tracks.get(window.assetId());
        if (track == null) {
            track = tracks.computeIfAbsent(window.assetId(), a -> new AssetTrack(a, s.ringCapacity()));
        }
        List<AssetTrack.Followup> followups = track.append(window.verdict().anomalous(), window.verdict().source(),
                window.verdict().decisionNanoTime(), s.ringCapacity());
        if (followups != null) {
            AssetTrack t = track;
            for (AssetTrack.Followup f : followups) {
                control.execute(() -> followUp(t, f));
            }
        }
    }

    private void followUp(AssetTrack track, AssetTrack.Followup f) {
        try {
            if (f.joined() != null) {
                joined(track, f.joined());
            } else if (f.outcome() == Watch.Outcome.SIGNAL) {
                signalled(f.watch());
            } else if (f.outcome() == Watch.Outcome.COMPLETE) {
                completed(f.watch());
            }
        } catch (RuntimeException e) {
            // the control thread serves every watch: one failure must not stop the others
            LOG.log(Level.ERROR, "asset " + track.assetId + ": the deployment monitor failed to act on "
                    + (f.watch() != null ? "watch " + f.watch().id : "a deployment") + ": " + e, e);
        }
    }

    // --- deployments

    /** A deployment committed (control thread). */
    void committed(Commit c) {
        boolean uninstall = "UNINSTALL".equals(c.operation());
        if (!uninstall && !WATCHED_OPERATIONS.contains(c.operation())) {
            return;
        }
        MonitorSettings s = settings;
        long now = millisClock.getAsLong();
        latestTx.put(c.packageName(), c.txId());
        tracks.values().forEach(t -> t.forget(c.packageName()));
        String superseded = uninstall ? "the package was uninstalled by " + c.requestedBy() + " before the watch "
                + "ended" : "superseded by the " + c.operation() + " to " + c.toVersion() + " (transaction "
                + c.txId() + ") before the watch ended";
        for (Watch w : activeOf(c.packageName())) {
            end(w, State.SUPERSEDED, superseded, "", now);
        }
        if (uninstall) {
            packageBundles.remove(c.packageName());
            persist();
            return;
        }
        Set<ModelRef> carried = models.carriedBy(c.bundles());
        List<String> before = packageBundles.get(c.packageName());
        if (before == null) {
            InstalledPackage p = deployments.packages().get(c.packageName());
            before = p == null || p.previous() == null ? List.of() : symbolicNames(p.previous());
        }
        Set<ModelRef> replaced = models.everCarriedBy(before);
        packageBundles.put(c.packageName(), c.bundles());
        boolean withoutModels = carried.isEmpty() && replaced.isEmpty();
        if (withoutModels && !s.watchPackagesWithoutModels()) {
            LOG.log(Level.INFO, "deployment " + c.describe() + " carries no model; no asset is watched for it "
                    + "(set watch.packages.without.models of " + DeploymentMonitor.PID + " to watch every asset "
                    + "after such packages)");
            persist();
            return;
        }
        long nowNanos = nanoClock.getAsLong();
        long commitNanos = nowNanos - (now - c.endedEpochMillis()) * 1_000_000L;
        long txStartNanos = nowNanos - (now - started(c)) * 1_000_000L;
        for (AssetTrack track : tracks.values()) {
            if (!assetConfigured.test(track.assetId)) {
                tracks.remove(track.assetId, track); // its windows are history; a new asset of that name starts anew
                continue;
            }
            AssetTrack.Split split = track.split(carried, replaced, txStartNanos, commitNanos, s.baselineWindows());
            if (withoutModels ? track.hasWindows() : split.sawOld() || split.sawNew()) {
                start(track, c, carried, split, txStartNanos, commitNanos);
            } else if (!carried.isEmpty()) {
                // the asset may take up the new model only now (it had none, or its driver is slow): it is
                // watched from its first window by one, with the baseline from before the commit
                track.await(new AssetTrack.Pending(c, carried, txStartNanos, commitNanos), s.watchWindows());
            }
        }
        persist();
    }

    private long started(Commit c) {
        try {
            for (DeploymentRecord r : deployments.history()) {
                if (r.txId().equals(c.txId())) {
                    return r.startedEpochMillis();
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not read the deployment history for transaction " + c.txId() + ": " + e);
        }
        return c.endedEpochMillis();
    }

    private void joined(AssetTrack track, AssetTrack.Pending p) {
        Commit c = p.commit();
        if (!c.txId().equals(latestTx.get(c.packageName()))) {
            return; // a later deployment of the package came first
        }
        AssetTrack.Split split = track.split(p.models(), Set.of(), p.txStartNanos(), p.commitNanos(),
                settings.baselineWindows());
        start(track, c, p.models(), split, p.txStartNanos(), p.commitNanos());
        persist();
    }

    private void start(AssetTrack track, Commit c, Set<ModelRef> carried, AssetTrack.Split split,
            long txStartNanos, long commitNanos) {
        MonitorSettings s = settings;
        long now = millisClock.getAsLong();
        List<String> modelIds = carried.stream().map(ModelRef::toString).sorted().toList();
        Watch prior = latest(c.packageName(), track.assetId, c.txId());
        Watch.Baseline baseline;
        if (prior != null && prior.hasBaseline() && (prior.fromVersion.equals(c.toVersion())
                || prior.state() == State.SUPERSEDED)) {
            // back to the version the earlier baseline described, or that version was never accepted: its own
            // windows are no evidence of what is normal for the asset
            baseline = prior.baseline;
        } else {
            baseline = new Watch.Baseline(split.baselineWindows(), split.baselineAnomalous(), "the last "
                    + split.baselineWindows() + " windows before " + c.describe() + " at "
                    + Instant.ofEpochMilli(c.endedEpochMillis()));
        }
        if (baseline.windows() < s.minBaselineWindows()) {
            String why = "baseline too short: asset " + track.assetId + " had only " + baseline.windows()
                    + " scored windows before " + c.describe() + ", and min.baseline.windows is "
                    + s.minBaselineWindows() + "; the asset is not watched for this deployment";
            Watch w = Watch.withoutBaseline(c, track.assetId, modelIds, s.action(), baseline, s, now, why);
            add(w);
            LOG.log(Level.WARNING, why);
            post(MonitorEvents.TOPIC_NO_BASELINE, w);
            return;
        }
        Calibration calibration = ThresholdCalibration.calibrate(baseline.windows(), baseline.anomalous(),
                s.shiftRatio(), s.watchWindows(), s.falseAlarmProbability());
        Watch w = Watch.started(c, track.assetId, modelIds, s.action(), baseline, s, calibration, now);
        add(w);
        Watch.Outcome first = track.attach(w, carried, txStartNanos, commitNanos);
        DeploymentWatch v = w.view(now);
        LOG.log(Level.INFO, String.format(Locale.ROOT, "asset %s: watching its rate of anomalous windows after %s "
                + "(models %s) for %d windows: baseline %.4f (%d of %d windows, %s), thresholds %.3f (increase "
                + "to %.4f%s) and %.3f (decrease to %.4f%s), false-alarm probability %s, action on a shift %s",
                track.assetId, c.describe(), modelIds, v.watchWindows(), v.baselineRate(), v.baselineAnomalous(),
                v.baselineWindows(), baseline.source(), v.thresholdIncrease(), v.increasedRate(),
                v.increaseDetectable() ? "" : ", not reachable in this watch", v.thresholdDecrease(),
                v.decreasedRate(), v.decreaseDetectable() ? "" : ", not reachable in this watch",
                v.falseAlarmProbability(), v.action()));
        post(MonitorEvents.TOPIC_STARTED, w);
        if (first == Watch.Outcome.SIGNAL) {
            signalled(w);
        } else if (first == Watch.Outcome.COMPLETE) {
            completed(w);
        }
    }

    // --- outcomes

    void signalled(Watch w) {
        if (w.state() != State.WATCHING) {
            return; // superseded or reviewed while the signal waited for this thread
        }
        String what = w.signalText();
        if (w.action == Action.ROLLBACK && w.rollbackPossible() && !w.followsRollback()) {
            String installed = installedVersion(w.packageName);
            if (!w.toVersion.equals(installed)) {
                askForReview(w, what + "; not rolled back automatically: package " + w.packageName + " is on "
                        + installed + " now, not the " + w.toVersion + " this watch judged");
                return;
            }
            try {
                rollback(w.packageName, MONITOR);
            } catch (DeploymentException e) {
                LOG.log(Level.ERROR, "asset " + w.assetId + ": the automatic rollback of " + w.packageName + " "
                        + w.toVersion + " failed (code " + e.getCode() + "): " + e.getMessage());
                askForReview(w, what + "; the automatic rollback failed (code " + e.getCode() + ": " + e.getMessage()
                        + "), so a person must decide");
                return;
            }
            LOG.log(Level.WARNING, "asset " + w.assetId + ": alert rate shifted after " + describe(w) + ": " + what
                    + "; package " + w.packageName + " ROLLED BACK to " + w.fromVersion + " (action ROLLBACK)");
            endRolledBack(w.packageName, w, "rolled back automatically: " + what, MONITOR);
            persist();
            return;
        }
        String why = what;
        if (w.action == Action.ROLLBACK) {
            why += w.followsRollback() ? "; this watch follows a rollback, and undoing it would reinstall the "
                    + "version just judged bad, so a person must decide" : "; the deployment was an install that "
                            + "replaced nothing, so there is nothing to roll back to: keep it, or uninstall it "
                            + "with vigil:dp uninstall " + w.packageName;
        }
        askForReview(w, why);
    }

    private void askForReview(Watch w, String why) {
        if (!w.toReview(why)) {
            return;
        }
        LOG.log(Level.WARNING, "asset " + w.assetId + ": alert rate shifted after " + describe(w) + ": " + why
                + "; PENDING_REVIEW: keep or roll back with 'vigil:review " + w.packageName + " keep|rollback' or "
                + "POST /vigil/api/deploy/watches/" + w.packageName + "/keep|rollback");
        post(MonitorEvents.TOPIC_PENDING_REVIEW, w);
        persist();
    }

    void completed(Watch w) {
        DeploymentWatch v = w.view(millisClock.getAsLong());
        String why = String.format(Locale.ROOT, "no shift in %d windows: rate %.4f since the deployment (%d "
                + "anomalous), %.4f before", v.windowsObserved(), v.observedRate(), v.anomalousObserved(),
                v.baselineRate());
        if (end(w, State.OK, why, "", millisClock.getAsLong())) {
            LOG.log(Level.INFO, "asset " + w.assetId + ": " + describe(w) + " is OK: " + why);
            persist();
        }
    }

    // --- operators

    /**
     * Keeps or rolls back a package whose watch waits for a review (control thread).
     *
     * @return the watches the decision ended
     */
    List<DeploymentWatch> review(String packageName, Decision decision, String who) throws ReviewException {
        if (packageName == null || packageName.isBlank()) {
            throw new ReviewException(Reason.BAD_REQUEST, "the package to review is missing; name one of "
                    + watchedPackages());
        }
        String pkg = packageName.trim();
        List<Watch> all = snapshot().stream().filter(w -> w.packageName.equals(pkg)).toList();
        if (all.isEmpty()) {
            throw new ReviewException(Reason.UNKNOWN_PACKAGE, "no deployment of package '" + pkg + "' has been "
                    + "watched; watched packages: " + watchedPackages());
        }
        List<Watch> pending = all.stream().filter(w -> w.state() == State.PENDING_REVIEW).toList();
        if (pending.isEmpty()) {
            StringBuilder b = new StringBuilder();
            for (Watch w : all.subList(Math.max(0, all.size() - 5), all.size())) {
                b.append(b.length() == 0 ? "" : ", ").append(w.assetId).append(' ').append(w.state()).append(" (")
                        .append(w.fromVersion.isEmpty() ? "new" : w.fromVersion).append(" -> ").append(w.toVersion)
                        .append(')');
            }
            throw new ReviewException(Reason.NOT_PENDING, "package " + pkg + " has no watch pending review ("
                    + b + "); only a watch in PENDING_REVIEW can be kept or rolled back. To roll back anyway, use "
                    + "vigil:dp rollback " + pkg);
        }
        String by = who == null || who.isBlank() ? "an operator" : who;
        long now = millisClock.getAsLong();
        if (decision == Decision.KEEP) {
            List<DeploymentWatch> kept = new ArrayList<>();
            for (Watch w : pending) {
                if (end(w, State.KEPT, "kept by " + by + " after review; " + w.signalText(), by, now)) {
                    LOG.log(Level.INFO, "asset " + w.assetId + ": " + describe(w) + " kept by " + by + " although "
                            + w.signalText());
                    kept.add(w.view(now));
                }
            }
            persist();
            return kept;
        }
        Watch w = pending.get(pending.size() - 1);
        if (!w.rollbackPossible()) {
            throw new ReviewException(Reason.CONFLICT, "package " + pkg + " " + w.toVersion + " was a first install: "
                    + "there is no earlier version to roll back to. Keep it, or uninstall it with vigil:dp "
                    + "uninstall " + pkg);
        }
        String installed = installedVersion(pkg);
        if (!w.toVersion.equals(installed)) {
            throw new ReviewException(Reason.CONFLICT, "package " + pkg + " is on " + installed + " now, not the "
                    + w.toVersion + " the pending watch judged; nothing was rolled back");
        }
        try {
            rollback(pkg, by);
        } catch (DeploymentException e) {
            throw new ReviewException(Reason.ROLLBACK_FAILED, "rolling package " + pkg + " back from "
                    + w.toVersion + " to " + w.fromVersion + " failed (code " + e.getCode() + "): "
                    + e.getMessage() + "; the watch stays PENDING_REVIEW");
        }
        LOG.log(Level.WARNING, "package " + pkg + " rolled back from " + w.toVersion + " to " + w.fromVersion + " by "
                + by + " after review of asset " + w.assetId + ": " + w.signalText());
        List<DeploymentWatch> ended = endRolledBack(pkg, w, "rolled back by " + by + " after review: "
                + w.signalText(), by);
        persist();
        return ended;
    }

    /** @return every kept watch, newest first */
    List<DeploymentWatch> watches() {
        long now = millisClock.getAsLong();
        List<DeploymentWatch> list = new ArrayList<>();
        for (Watch w : snapshot()) {
            list.add(w.view(now));
        }
        list.sort(Comparator.comparingLong(DeploymentWatch::startedEpochMillis).reversed());
        return list;
    }

    /**
     * Periodic, on the control thread: ends the watches of assets whose configuration was removed (they would wait
     * for windows forever), and writes the watches if one is still running (its counters move with every window).
     */
    void housekeeping() {
        long now = millisClock.getAsLong();
        boolean ended = false;
        for (Watch w : snapshot()) {
            if (w.state().active() && !assetConfigured.test(w.assetId)) {
                ended |= end(w, State.SUPERSEDED, "asset " + w.assetId + " is no longer configured; its watch ended",
                        "", now);
                tracks.remove(w.assetId);
            }
        }
        if (ended || snapshot().stream().anyMatch(w -> w.state().active())) {
            persist();
        }
    }

    void persist() {
        if (store == null) {
            return;
        }
        long now = millisClock.getAsLong();
        store.save(snapshot().stream().map(w -> w.view(now)).toList());
    }

    // ---

    /**
     * Rolls a package back with its watches frozen: while the transaction runs, the assets already see the version
     * it restores, and those windows must not count for the version being judged.
     */
    private void rollback(String pkg, String by) throws DeploymentException {
        List<Watch> watched = activeOf(pkg);
        watched.forEach(w -> w.freeze(true));
        try {
            deployments.rollback(pkg, by);
        } catch (DeploymentException | RuntimeException e) {
            watched.forEach(w -> w.freeze(false));
            throw e;
        }
    }

    /** Ends every active watch of the package: the one that signalled with its reason, the others naming it. */
    private List<DeploymentWatch> endRolledBack(String pkg, Watch cause, String why, String by) {
        long now = millisClock.getAsLong();
        List<DeploymentWatch> ended = new ArrayList<>();
        for (Watch w : activeOf(pkg)) {
            String reason = w == cause ? why : "rolled back by " + by + " after asset " + cause.assetId
                    + " signalled: " + cause.signalText();
            if (end(w, State.ROLLED_BACK, reason, by, now)) {
                ended.add(w.view(now));
            }
        }
        return ended;
    }

    private boolean end(Watch w, State state, String why, String by, long now) {
        if (!w.end(state, why, by, now)) {
            return false;
        }
        AssetTrack track = tracks.get(w.assetId);
        if (track != null) {
            track.detach(w);
        }
        post(MonitorEvents.TOPIC_PREFIX + state, w);
        return true;
    }

    private void restore(List<DeploymentWatch> stored) {
        List<Watch> unfinished = new ArrayList<>();
        for (DeploymentWatch v : stored) {
            Watch w;
            try {
                w = Watch.restore(v);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "stored watch " + v.id() + " could not be restored and was dropped: " + e);
                continue;
            }
            synchronized (watches) {
                watches.add(w);
            }
            if (w.state().active()) {
                MonitorSettings s = settings;
                tracks.computeIfAbsent(w.assetId, a -> new AssetTrack(a, s.ringCapacity())).resume(w);
                unfinished.add(w);
            }
        }
        for (Watch w : unfinished) {
            Watch.Outcome o = w.unfinished();
            if (o == Watch.Outcome.SIGNAL) {
                control.execute(() -> signalled(w));
            } else if (o == Watch.Outcome.COMPLETE) {
                control.execute(() -> completed(w));
            }
        }
        long pending = unfinished.stream().filter(w -> w.state() == State.PENDING_REVIEW).count();
        if (!unfinished.isEmpty()) {
            LOG.log(Level.INFO, "deployment monitor resumed " + unfinished.size() + " watch(es) from " + store.file()
                    + (pending > 0 ? ", " + pending + " of them PENDING_REVIEW" : ""));
        }
    }

    private void add(Watch w) {
        synchronized (watches) {
            watches.add(w);
            long ended = watches.stream().filter(x -> !x.state().active()).count();
            for (int i = 0; i < watches.size() && ended > MAX_ENDED;) {
                if (!watches.get(i).state().active()) {
                    watches.remove(i);
                    ended--;
                } else {
                    i++;
                }
            }
        }
    }

    private List<Watch> snapshot() {
        synchronized (watches) {
            return new ArrayList<>(watches);
        }
    }

    private List<Watch> activeOf(String pkg) {
        return snapshot().stream().filter(w -> w.packageName.equals(pkg) && w.state().active()).toList();
    }

    /** The latest watch of the package on the asset, other than those of the given deployment. */
    private Watch latest(String pkg, String asset, String exceptTx) {
        List<Watch> all = snapshot();
        for (int i = all.size() - 1; i >= 0; i--) {
            Watch w = all.get(i);
            if (w.packageName.equals(pkg) && w.assetId.equals(asset) && !w.txId.equals(exceptTx)) {
                return w;
            }
        }
        return null;
    }

    private Set<String> watchedPackages() {
        Set<String> names = new LinkedHashSet<>();
        snapshot().forEach(w -> names.add(w.packageName));
        return names;
    }

    private String installedVersion(String pkg) {
        InstalledPackage p = deployments.packages().get(pkg);
        return p == null ? "(not installed)" : p.version();
    }

    private static String describe(Watch w) {
        return w.packageName + " " + (w.fromVersion.isEmpty() ? "(new)" : w.fromVersion) + " -> " + w.toVersion
                + " (models " + w.models + ")";
    }

    private static List<String> symbolicNames(InstalledPackage p) {
        return p.bundles().stream().map(InstalledPackage.BundleRecord::symbolicName).toList();
    }

    private void post(String topic, Watch w) {
        DeploymentWatch v = w.view(millisClock.getAsLong());
        Map<String, Object> p = new HashMap<>();
        p.put(MonitorEvents.WATCH_ID, v.id());
        p.put(MonitorEvents.TX_ID, v.txId());
        p.put(MonitorEvents.PACKAGE, v.packageName());
        p.put(MonitorEvents.ASSET, v.assetId());
        p.put(MonitorEvents.OPERATION, v.operation());
        p.put(MonitorEvents.FROM_VERSION, v.fromVersion());
        p.put(MonitorEvents.TO_VERSION, v.toVersion());
        p.put(MonitorEvents.STATE, v.state().name());
        p.put(MonitorEvents.REASON, v.reason());
        p.put(MonitorEvents.SIGNAL, v.signal().name());
        p.put(MonitorEvents.BASELINE_RATE, v.baselineRate());
        p.put(MonitorEvents.OBSERVED_RATE, v.observedRate());
        p.put(MonitorEvents.WINDOWS_OBSERVED, v.windowsObserved());
        boolean up = v.signal() == Signal.INCREASE || (v.signal() == Signal.NONE
                && v.cusumIncrease() / v.thresholdIncrease() >= v.cusumDecrease() / v.thresholdDecrease());
        p.put(MonitorEvents.CUSUM, up ? v.cusumIncrease() : v.cusumDecrease());
        p.put(MonitorEvents.THRESHOLD, up ? v.thresholdIncrease() : v.thresholdDecrease());
        p.put(MonitorEvents.DECIDED_BY, v.decidedBy());
        p.put(MonitorEvents.TIMESTAMP, v.updatedEpochMillis());
        try {
            events.accept(topic, p);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not post " + topic + " for watch " + v.id() + ": " + e);
        }
    }
}
