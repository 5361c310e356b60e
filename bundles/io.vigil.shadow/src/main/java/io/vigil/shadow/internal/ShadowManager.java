package io.vigil.shadow.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.Designate;

import io.vigil.api.asset.AssetStatus;
import io.vigil.api.asset.ChannelStatus;
import io.vigil.api.asset.PipelineStatus;
import io.vigil.api.detect.ScoredWindow;
import io.vigil.api.detect.WindowListener;
import io.vigil.api.model.Model;
import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.shadow.ShadowEvents;
import io.vigil.api.shadow.ShadowException;
import io.vigil.api.shadow.ShadowException.Reason;
import io.vigil.api.shadow.ShadowReport;
import io.vigil.api.shadow.ShadowService;
import io.vigil.api.shadow.ShadowState;

/**
 * Shadow mode for every asset: at most one candidate per asset, fed from the live pipelines' window whiteboard.
 * The live path costs one map lookup and one queue offer per window; everything else happens on the
 * comparison's own thread or this component's control thread.
 */
@Component(service = { ShadowService.class, WindowListener.class }, configurationPid = ShadowManager.PID,
        immediate = true)
@Designate(ocd = ShadowConfig.class)
public final class ShadowManager implements ShadowService, WindowListener {

    public static final String PID = "io.vigil.shadow";

    private static final Logger LOG = System.getLogger(ShadowManager.class.getName());
    /** The rollback target of a promotion from tier-0 only. */
    static final String TIER0 = "tier0";
    /** A comparison's figures live in memory: after a stop or restart it ends rather than mixing two runs. */
    static final String INTERRUPTED = "interrupted: the gateway or the shadow bundle stopped or restarted while "
            + "comparing; start it again to continue";

    private final PipelineStatus pipelines;
    private final LiveModelSwitch liveModel;
    private final ReportStore store;
    private final BiConsumer<String, Map<String, Object>> events;
    private final LongSupplier nanoClock;
    private final ScheduledExecutorService control;
    private final Map<String, Run> running = new ConcurrentHashMap<>();
    private final Map<String, ShadowReport> ended = new ConcurrentHashMap<>();
    private final Map<Model, Version> models = new ConcurrentHashMap<>();
    private volatile GateSettings gate;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin eventAdmin;

    /**
     * A running comparison with what the manager adds to its report. Its lock orders the writes of its report:
     * once the final report is written, no periodic or READY report (built earlier, written later) replaces it.
     */
    private static final class Run {
        final Comparison comparison;
        volatile Comparison.ReportExtras extras = Comparison.ReportExtras.NONE;
        boolean finished;

        Run(Comparison comparison) {
            this.comparison = comparison;
        }
    }

    @Activate
    public ShadowManager(ShadowConfig config, BundleContext context, @Reference PipelineStatus pipelines,
            @Reference ConfigurationAdmin configAdmin) throws IOException {
        this(GateSettings.from(config), new ReportStore(context.getDataFile("reports").toPath()), pipelines,
                new ConfigAdminSwitch(configAdmin), null, System::nanoTime);
    }

    /**
     * @param events where lifecycle events go; null for EventAdmin (when one is bound)
     */
    ShadowManager(GateSettings gate, ReportStore store, PipelineStatus pipelines, LiveModelSwitch liveModel,
            BiConsumer<String, Map<String, Object>> events, LongSupplier nanoClock) {
        this.gate = gate;
        this.store = store;
        this.pipelines = pipelines;
        this.liveModel = liveModel;
        this.events = events != null ? events : this::postEvent;
        this.nanoClock = nanoClock;
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigil-shadow-control");
            t.setDaemon(true);
            return t;
        });
        for (ShadowReport r : store.loadAll()) {
            long now = System.currentTimeMillis();
            if (r.state().running() && promotedBeforeStop(r)) {
                r = copy(r, ShadowState.PROMOTED, "promoted as the gateway stopped: the asset's "
                        + "configuration already names the candidate; this report was completed at the next start",
                        now, now);
                store.save(r);
            } else if (r.state().running()) {
                // the comparison's figures in memory are gone; an honest end beats a resumed report that
                // silently mixes two runs
                r = copy(r, ShadowState.STOPPED, INTERRUPTED, now, now);
                store.save(r);
            } else if (r.state() == ShadowState.PROMOTED && rolledBackBeforeStop(r)) {
                // as with a promotion, the configuration is written first and is the truth
                r = copy(r, ShadowState.ROLLED_BACK, "rolled back as the gateway stopped: the asset's "
                        + "configuration already names the rollback target " + r.rollbackTarget() + " again; this "
                        + "report was completed at the next start", now, r.endedEpochMillis());
                store.save(r);
            }
            ended.put(r.assetId(), r);
        }
        long period = (long) (gate.persistIntervalSeconds() * 1000);
        control.scheduleWithFixedDelay(this::persistRunning, period, period, TimeUnit.MILLISECONDS);
    }

    @Modified
    void modified(ShadowConfig config) {
        gate = GateSettings.from(config);
        LOG.log(Level.INFO, "shadow gate reconfigured; comparisons started from now on use it, running ones keep "
                + "the gate they started with");
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        control.shutdownNow(); // no periodic write may follow the final ones below
        control.awaitTermination(5, TimeUnit.SECONDS);
        long now = System.currentTimeMillis();
        for (Run run : running.values()) {
            run.comparison.close();
            Comparison.ReportExtras x = run.extras;
            synchronized (run) {
                run.finished = true;
                store.save(run.comparison.report(now, new Comparison.ReportExtras(INTERRUPTED, now,
                        x.rollbackTarget(), x.promotedBy(), x.forced())));
            }
        }
        running.clear();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindModel(Model model, Map<String, Object> properties) {
        Object v = properties.get(Model.VERSION);
        try {
            models.put(model, Version.parseVersion(v == null ? model.descriptor().version() : v.toString()));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "model service with version '" + v + "' ignored: not an OSGi version");
        }
    }

    void unbindModel(Model model) {
        models.remove(model);
        for (Run run : running.values()) {
            Comparison c = run.comparison;
            if (c.candidate == model && c.end(ShadowState.STOPPED)) {
                finish(run, "the candidate " + c.candidateId + " was withdrawn (its bundle stopped or was "
                        + "uninstalled) after " + c.seen() + " windows; the comparison ended there");
            }
        }
    }

    // --- the live path

    @Override
    public void onWindow(ScoredWindow window) {
        Run run = running.get(window.assetId());
        if (run != null) {
            run.comparison.offer(window);
        }
    }

    // --- operator interface

    @Override
    public ShadowReport start(String assetId, String modelName, String modelVersion) throws ShadowException {
        require(assetId, "asset");
        require(modelName, "model name");
        require(modelVersion, "model version");
        AssetStatus asset = pipelines.asset(assetId).orElseThrow(() -> new ShadowException(Reason.UNKNOWN_ASSET,
                "no asset '" + assetId + "' is configured; configured assets are " + pipelines.assets().stream()
                        .map(AssetStatus::assetId).toList()));
        Model candidate = find(modelName, modelVersion);
        ModelDescriptor d = candidate.descriptor();
        checkInputs(asset, d);
        for (ChannelStatus ch : asset.channels()) {
            if (ch.model().equals(d.id())) {
                throw new ShadowException(Reason.WRONG_STATE, d.id() + " is already the live model of asset "
                        + assetId + " (channel " + ch.channel() + "); shadow another version against it");
            }
        }
        GateSettings g = gate;
        synchronized (this) {
            Run existing = running.get(assetId);
            if (existing != null && existing.comparison.running()) {
                throw new ShadowException(Reason.WRONG_STATE, "candidate " + existing.comparison.candidateId
                        + " already shadows asset " + assetId + "; stop, reject or promote it first");
            }
            Comparison c = new Comparison(assetId, candidate, g, System.currentTimeMillis(), nanoClock,
                    this::decided);
            Run run = new Run(c);
            running.put(assetId, run);
            ended.remove(assetId);
            if (!models.containsKey(candidate)) { // withdrawn while this was being set up: unbindModel missed it
                running.remove(assetId, run);
                c.close();
                throw new ShadowException(Reason.UNKNOWN_MODEL, d.id() + " was withdrawn while the comparison "
                        + "started; install its bundle again");
            }
            ShadowReport report = c.report(System.currentTimeMillis(), run.extras);
            store.save(report);
            LOG.log(Level.INFO, "asset " + assetId + ": " + d.id() + " now shadows the live model; the gate decides "
                    + "after " + g.minWindows() + " windows and " + g.minDurationSeconds() + " s, promotion "
                    + g.promotion());
            event(ShadowEvents.TOPIC_STARTED, report);
            return report;
        }
    }

    @Override
    public ShadowReport stop(String assetId) throws ShadowException {
        Run run = runningOn(assetId);
        if (!run.comparison.end(ShadowState.STOPPED)) {
            throw alreadyEnded(run);
        }
        return finish(run, "stopped by an operator");
    }

    @Override
    public ShadowReport reject(String assetId, String reason, String operator) throws ShadowException {
        Run run = runningOn(assetId);
        if (!run.comparison.end(ShadowState.REJECTED)) {
            throw alreadyEnded(run);
        }
        String why = "rejected by " + who(operator) + (reason == null || reason.isBlank() ? "" : ": " + reason);
        LOG.log(Level.INFO, "asset " + assetId + ": candidate " + run.comparison.candidateId + " " + why);
        return finish(run, why);
    }

    @Override
    public ShadowReport promote(String assetId, boolean force, String operator) throws ShadowException {
        synchronized (this) {
            Run run = runningOn(assetId);
            Comparison c = run.comparison;
            ShadowReport now;
            LiveModelSwitch.Selection before;
            // the comparison's lock keeps the gate from deciding between the check and the switch
            synchronized (c) {
                now = c.report(System.currentTimeMillis(), run.extras);
                if (now.state() != ShadowState.READY) {
                    if (!force || !now.state().running()) {
                        throw new ShadowException(Reason.WRONG_STATE, "candidate " + c.candidateId + " on asset "
                                + assetId + " is " + now.state() + ", not READY" + failedText(now) + "; wait for "
                                + "the gate, or force the promotion if you accept the risk");
                    }
                    LOG.log(Level.WARNING, "asset " + assetId + ": " + who(operator) + " FORCED the promotion of "
                            + c.candidateId + " although the gate found it " + now.state() + failedText(now)
                            + " after " + now.windowsCompared() + " windows");
                }
                before = liveModel.switchTo(assetId, LiveModelSwitch.Selection.pinned(c.descriptor.name(),
                        c.descriptor.version()));
                run.extras = new Comparison.ReportExtras("", 0, servedBy(before), who(operator),
                        now.state() != ShadowState.READY);
                c.end(ShadowState.PROMOTED);
            }
            String rollback = run.extras.rollbackTarget();
            boolean forced = run.extras.forced();
            LOG.log(Level.INFO, "asset " + assetId + ": " + c.candidateId + " promoted by " + who(operator)
                    + (forced ? " (forced)" : "") + " after " + now.windowsCompared() + " windows; it serves from "
                    + "the next window on, rollback target " + rollback);
            return finish(run, "promoted by " + who(operator) + (forced ? " (forced)" : "") + "; the asset was on "
                    + before);
        }
    }

    @Override
    public ShadowReport rollback(String assetId, String operator) throws ShadowException {
        require(assetId, "asset");
        // the same lock as promote and start: no comparison can start (and replace the report) meanwhile
        synchronized (this) {
            Run run = running.get(assetId);
            if (run != null) {
                throw new ShadowException(Reason.WRONG_STATE, "candidate " + run.comparison.candidateId
                        + " shadows asset " + assetId + " (" + run.comparison.state() + "); only the asset's last "
                        + "comparison can be rolled back, and only once it is PROMOTED. Stop or reject this one and "
                        + "set the model in the asset's configuration instead");
            }
            ShadowReport last = ended.get(assetId);
            if (last == null) {
                throw new ShadowException(Reason.UNKNOWN_ASSET, "asset " + assetId + " has had no shadow "
                        + "comparison, so there is no promotion to roll back; assets with one: " + ended.keySet()
                        .stream().sorted().toList());
            }
            if (last.state() != ShadowState.PROMOTED) {
                throw new ShadowException(Reason.WRONG_STATE, "the last comparison on asset " + assetId + ", of "
                        + last.candidate() + ", is " + last.state() + " (" + last.reason() + "), not PROMOTED: "
                        + (last.state() == ShadowState.ROLLED_BACK ? "it was rolled back already; to serve "
                                + last.candidate() + " again, shadow and promote it again"
                                : "there is no promotion to roll back"));
            }
            if (last.rollbackTarget().isEmpty()) {
                throw new ShadowException(Reason.WRONG_STATE, "the promotion of " + last.candidate() + " on asset "
                        + assetId + " was completed at a start after the gateway stopped, and recorded no rollback "
                        + "target; set model.name and model.versions in the asset's configuration to the model "
                        + "it should serve");
            }
            LiveModelSwitch.Selection target = selectionOf(last);
            LiveModelSwitch.Selection before = liveModel.switchTo(assetId, target);
            String missing = target.name().isEmpty() || highestIn(target).isPresent() ? ""
                    : "; no installed model matches " + target + ": tier-0 alone decides until one is installed";
            String why = "rolled back by " + who(operator) + " to " + last.rollbackTarget() + missing;
            ShadowReport r = copy(last, ShadowState.ROLLED_BACK, why, System.currentTimeMillis(),
                    last.endedEpochMillis());
            ended.put(assetId, r);
            store.save(r);
            LOG.log(missing.isEmpty() ? Level.INFO : Level.WARNING, "asset " + assetId + ": promotion of "
                    + last.candidate() + " " + why + "; the configuration named " + before + ", now " + target
                    + ", served from the next window on");
            event(ShadowEvents.TOPIC_ROLLED_BACK, r);
            return r;
        }
    }

    @Override
    public Optional<ShadowReport> report(String assetId) {
        Run run = running.get(assetId);
        if (run != null) {
            return Optional.of(run.comparison.report(System.currentTimeMillis(), run.extras));
        }
        return Optional.ofNullable(ended.get(assetId));
    }

    @Override
    public List<ShadowReport> reports() {
        Map<String, ShadowReport> all = new HashMap<>(ended);
        running.forEach((asset, run) -> all.put(asset, run.comparison.report(System.currentTimeMillis(),
                run.extras)));
        List<ShadowReport> list = new ArrayList<>(all.values());
        list.sort(Comparator.comparing(ShadowReport::assetId));
        return list;
    }

    // ---

    /** The gate moved a comparison; called on the comparison's thread. */
    private void decided(Comparison c, ShadowState state) {
        Run run = running.get(c.assetId);
        if (run == null || run.comparison != c) {
            return;
        }
        if (state == ShadowState.REJECTED) {
            ShadowReport r = c.report(System.currentTimeMillis(), run.extras);
            String why = "the gate rejected it: " + String.join(", ", r.failedCriteria()) + " failed";
            // the reason is part of the report from now on; stopping the thread has to wait for this one to end
            run.extras = new Comparison.ReportExtras(why, 0, "", "", false);
            LOG.log(Level.WARNING, "asset " + c.assetId + ": candidate " + c.candidateId + " rejected; " + why
                    + failedText(r));
            control.execute(() -> finish(run, why));
        } else if (state == ShadowState.READY) {
            saveRunning(run);
            ShadowReport r = c.report(System.currentTimeMillis(), run.extras);
            LOG.log(Level.INFO, "asset " + c.assetId + ": candidate " + c.candidateId + " passed the gate after "
                    + r.windowsCompared() + " windows" + (c.gate.promotion() == Promotion.AUTOMATIC
                            ? "; promoting it" : "; an operator may promote it now"));
            event(ShadowEvents.TOPIC_READY, r);
            if (c.gate.promotion() == Promotion.AUTOMATIC) {
                control.execute(() -> {
                    try {
                        Run now = running.get(c.assetId);
                        if (now != null && now.comparison == c) { // not a later comparison on the same asset
                            promote(c.assetId, false, "gate");
                        }
                    } catch (ShadowException e) {
                        LOG.log(Level.ERROR, "asset " + c.assetId + ": automatic promotion of " + c.candidateId
                                + " failed: " + e.getMessage());
                    }
                });
            }
        }
    }

    /**
     * Ends a run whose comparison has reached its terminal state: its thread stopped (queued windows counted
     * skipped), the final report kept, written and announced, and only then the asset freed. Never called on the
     * comparison's own thread, which it waits for.
     */
    private ShadowReport finish(Run run, String reason) {
        Comparison c = run.comparison;
        Comparison.ReportExtras x = run.extras;
        run.extras = new Comparison.ReportExtras(reason, x.endedEpochMillis(), x.rollbackTarget(), x.promotedBy(),
                x.forced());
        c.close();
        ShadowReport r;
        synchronized (run) {
            long now = System.currentTimeMillis();
            run.extras = new Comparison.ReportExtras(reason, now, x.rollbackTarget(), x.promotedBy(), x.forced());
            r = c.report(now, run.extras);
            run.finished = true;
            ended.put(c.assetId, r);
            store.save(r);
        }
        running.remove(c.assetId, run);
        event(ShadowEvents.TOPIC_PREFIX + r.state(), r);
        return r;
    }

    /** Writes a running comparison's report unless its final one has been written. */
    private void saveRunning(Run run) {
        synchronized (run) {
            if (!run.finished) {
                store.save(run.comparison.report(System.currentTimeMillis(), run.extras));
            }
        }
    }

    /** Periodic: writes running reports, and ends comparisons whose asset is no longer configured. */
    void persistRunning() {
        for (Run run : running.values()) {
            try {
                Comparison c = run.comparison;
                if (pipelines.asset(c.assetId).isEmpty() && c.end(ShadowState.STOPPED)) {
                    LOG.log(Level.WARNING, "asset " + c.assetId + " is no longer configured; the comparison of "
                            + c.candidateId + " ended");
                    finish(run, "the asset's configuration was removed");
                } else {
                    saveRunning(run);
                }
            } catch (RuntimeException e) {
                // one bad run must not cancel the periodic task for every other one
                LOG.log(Level.WARNING, "asset " + run.comparison.assetId + ": writing the shadow report failed", e);
            }
        }
    }

    /** A crash between writing the asset's configuration and the report leaves the configuration as the truth. */
    private boolean promotedBeforeStop(ShadowReport r) {
        LiveModelSwitch.Selection now = liveModel.current(r.assetId());
        int colon = r.candidate().lastIndexOf(':');
        return colon > 0 && LiveModelSwitch.Selection.pinned(r.candidate().substring(0, colon),
                r.candidate().substring(colon + 1)).sameAs(now);
    }

    /**
     * A promoted report whose asset's configuration names its rollback target again: rolled back, but the report
     * was not written before the gateway stopped.
     */
    private boolean rolledBackBeforeStop(ShadowReport r) {
        if (r.rollbackTarget().isEmpty()) {
            return false;
        }
        try {
            return selectionOf(r).sameAs(liveModel.current(r.assetId()));
        } catch (ShadowException e) {
            return false; // a target this version cannot read; the report stays as it was written
        }
    }

    /**
     * The selection a rollback writes for a promoted report's target, in each form {@link #servedBy} records: an
     * installed model pinned to its version, as the promotion pinned the candidate; tier-0 only; or the name and
     * range the configuration held when no installed model matched them.
     */
    private static LiveModelSwitch.Selection selectionOf(ShadowReport r) throws ShadowException {
        String target = r.rollbackTarget();
        int space = target.indexOf(' ');
        int colon = target.lastIndexOf(':');
        if (target.equals(TIER0)) {
            return LiveModelSwitch.Selection.tier0();
        } else if (space > 0) {
            return new LiveModelSwitch.Selection(target.substring(0, space), target.substring(space + 1).trim());
        } else if (colon > 0 && colon < target.length() - 1) {
            return LiveModelSwitch.Selection.pinned(target.substring(0, colon), target.substring(colon + 1));
        }
        throw new ShadowException(Reason.WRONG_STATE, "the rollback target '" + target + "' recorded for asset "
                + r.assetId() + " is neither name:version, " + TIER0 + ", nor a name and version range; set "
                + "model.name and model.versions in the asset's configuration by hand");
    }

    /** The installed model a selection serves: the highest version in its range, as the pipeline picks it. */
    private String servedBy(LiveModelSwitch.Selection selection) {
        if (selection.name().isEmpty()) {
            return TIER0;
        }
        return highestIn(selection).map(m -> m.descriptor().id()).orElse(selection.toString());
    }

    private Optional<Model> highestIn(LiveModelSwitch.Selection selection) {
        VersionRange range;
        try {
            range = VersionRange.valueOf(selection.versions());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return models.entrySet().stream().filter(e -> e.getKey().descriptor().name().equals(selection.name())
                && range.includes(e.getValue())).max(Map.Entry.comparingByValue()).map(Map.Entry::getKey);
    }

    private Run runningOn(String assetId) throws ShadowException {
        require(assetId, "asset");
        Run run = running.get(assetId);
        if (run == null) {
            throw ended(assetId);
        }
        return run;
    }

    private static ShadowException alreadyEnded(Run run) {
        Comparison c = run.comparison;
        return new ShadowException(Reason.WRONG_STATE, "the comparison of " + c.candidateId + " on asset "
                + c.assetId + " has just ended " + c.state() + " (" + run.extras.reason() + ")");
    }

    private ShadowException ended(String assetId) {
        ShadowReport last = ended.get(assetId);
        return new ShadowException(Reason.WRONG_STATE, "no comparison runs on asset " + assetId + (last == null ? ""
                : "; the last one, of " + last.candidate() + ", ended " + last.state() + ": " + last.reason())
                + "; start one first");
    }

    private Model find(String name, String version) throws ShadowException {
        Version wanted;
        try {
            wanted = Version.parseVersion(version.trim());
        } catch (IllegalArgumentException e) {
            throw new ShadowException(Reason.BAD_REQUEST, "'" + version + "' is not an OSGi version (e.g. 2.0.0)");
        }
        for (Map.Entry<Model, Version> e : models.entrySet()) {
            if (e.getKey().descriptor().name().equals(name.trim()) && e.getValue().equals(wanted)) {
                return e.getKey();
            }
        }
        List<String> installed = models.keySet().stream().map(m -> m.descriptor().id()).sorted().toList();
        throw new ShadowException(Reason.UNKNOWN_MODEL, "no validated model " + name + ":" + version + " is "
                + "installed (installed: " + installed + "); install its bundle first, and see vigil:models for "
                + "bundles the extender refused");
    }

    private static void checkInputs(AssetStatus asset, ModelDescriptor d) throws ShadowException {
        List<String> produced = new ArrayList<>();
        for (ChannelStatus ch : asset.channels()) {
            if (ch.features().containsAll(d.features())) {
                return;
            }
            if (!ch.features().isEmpty()) {
                produced.add(ch.channel() + " " + ch.features());
            }
        }
        if (produced.size() < asset.channels().size() || produced.isEmpty()) {
            // a channel without a window yet (just configured, or its driver not started) may still carry the
            // features; windows without them are simply not compared
            LOG.log(Level.INFO, "asset " + asset.assetId() + " has channels without a window yet; " + d.id()
                    + " will compare the windows that carry its features " + d.features());
            return;
        }
        List<String> missing = new ArrayList<>(d.features());
        asset.channels().stream().max(Comparator.comparingInt(ch -> (int) d.features().stream()
                .filter(ch.features()::contains).count())).ifPresent(ch -> missing.removeAll(ch.features()));
        throw new ShadowException(Reason.INPUT_MISMATCH, "candidate " + d.id() + " expects features " + missing
                + " that no channel of asset " + asset.assetId() + " produces (" + String.join("; ", produced)
                + "); it cannot score this asset's windows. Use a model trained on these features");
    }

    private static void require(String value, String what) throws ShadowException {
        if (value == null || value.isBlank()) {
            throw new ShadowException(Reason.BAD_REQUEST, "the " + what + " is missing");
        }
    }

    private static String who(String operator) {
        return operator == null || operator.isBlank() ? "an operator" : operator;
    }

    private static String failedText(ShadowReport r) {
        List<String> failed = r.failedCriteria();
        return failed.isEmpty() ? "" : " (failed: " + String.join(", ", failed) + ")";
    }

    private static ShadowReport copy(ShadowReport r, ShadowState state, String reason, long updated, long ended) {
        return new ShadowReport(r.assetId(), r.candidate(), r.live(), state, reason, r.promotion(),
                r.startedEpochMillis(), updated, ended, r.windowsSeen(), r.windowsCompared(), r.windowsNotEscalated(),
                r.windowsSkipped(), r.candidateErrors(), r.alerts(), r.agreement(), r.agreementLow(),
                r.liveAlertRate(), r.candidateAlertRate(), r.rateDifference(), r.rateDifferenceLow(),
                r.rateDifferenceHigh(), r.rateDifferencePValue(), r.scores(), r.liveLatency(), r.candidateLatency(),
                r.latencyRatio(), r.criteria(), r.rollbackTarget(), r.promotedBy(), r.forced());
    }

    private void event(String topic, ShadowReport r) {
        Map<String, Object> p = new HashMap<>();
        p.put(ShadowEvents.ASSET, r.assetId());
        p.put(ShadowEvents.CANDIDATE, r.candidate());
        p.put(ShadowEvents.LIVE, r.live());
        p.put(ShadowEvents.STATE, r.state().name());
        p.put(ShadowEvents.REASON, r.reason());
        p.put(ShadowEvents.FAILED_CRITERIA, r.failedCriteria().toArray(new String[0]));
        p.put(ShadowEvents.WINDOWS_COMPARED, r.windowsCompared());
        p.put(ShadowEvents.AGREEMENT, r.agreement());
        p.put(ShadowEvents.TIMESTAMP, r.updatedEpochMillis());
        events.accept(topic, p);
    }

    private void postEvent(String topic, Map<String, Object> properties) {
        EventAdmin ea = eventAdmin;
        if (ea != null) {
            ea.postEvent(new Event(topic, properties));
        }
    }
}
