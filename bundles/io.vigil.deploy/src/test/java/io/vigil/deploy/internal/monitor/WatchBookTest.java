package io.vigil.deploy.internal.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.deploy.DeploymentWatch;
import io.vigil.api.deploy.DeploymentWatch.Action;
import io.vigil.api.deploy.DeploymentWatch.Signal;
import io.vigil.api.deploy.DeploymentWatch.State;
import io.vigil.api.deploy.InstalledPackage;
import io.vigil.api.deploy.InstalledPackage.BundleRecord;
import io.vigil.api.deploy.MonitorEvents;
import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.detect.ModelRef;
import io.vigil.api.detect.ScoredWindow;
import io.vigil.api.feature.FeatureVector;
import io.vigil.deploy.internal.monitor.ReviewException.Reason;

/**
 * The monitor's state machine with its control thread replaced by the calling one: deployments, windows, signals
 * and reviews happen in the order the test makes them. Small windows (baseline 200, watch 400) as in the itest.
 */
class WatchBookTest {

    private static final String PKG = "io.vigil.model.bearing";
    private static final String V1_BUNDLE = "io.vigil.model.bearing.v1";
    private static final String V3_BUNDLE = "io.vigil.model.bearing.alarmist";
    private static final ModelRef V1 = new ModelRef("bearing-fault", "1.0.0");
    private static final ModelRef V3 = new ModelRef("bearing-fault", "3.0.0");
    private static final ModelRef TIER0 = new ModelRef("tier0", "1.0.0");
    private static final String ASSET = "pump-1";

    @TempDir
    Path dir;

    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final AtomicLong millis = new AtomicLong(1_750_000_000_000L);
    private final List<Map.Entry<String, Map<String, Object>>> events = new ArrayList<>();
    private final Map<String, Set<ModelRef>> carried = new HashMap<>();
    private final Set<String> removed = new java.util.HashSet<>();
    private FakeDeployments deployments;
    private WatchBook book;
    private long seq;
    private int tx;

    @BeforeEach
    void v1Installed() {
        deployments = new FakeDeployments();
        deployments.installed(PKG, "1.0.0", V1_BUNDLE, null);
        carried.put(V1_BUNDLE, Set.of(V1));
        carried.put(V3_BUNDLE, Set.of(V3));
    }

    private static MonitorSettings settings(Action action) {
        return new MonitorSettings(action, 200, 100, 400, 2.0, 0.01, false, 10);
    }

    private WatchBook book(Action action) {
        book = new WatchBook(settings(action), deployments, new PackageModels() {
            @Override
            public Set<ModelRef> carriedBy(java.util.Collection<String> bundles) {
                Set<ModelRef> s = new java.util.HashSet<>();
                bundles.forEach(b -> s.addAll(carried.getOrDefault(b, Set.of())));
                return s;
            }

            @Override
            public Set<ModelRef> everCarriedBy(java.util.Collection<String> bundles) {
                return carriedBy(bundles);
            }
        }, new WatchStore(dir.resolve("watches.json")), (topic, p) -> events.add(Map.entry(topic, p)),
                Runnable::run, a -> !removed.contains(a), nanos::get, millis::get);
        return book;
    }

    /** Windows 10 ms apart on both clocks. */
    private void windows(String asset, ModelRef source, int n, IntPredicate anomalous) {
        for (int i = 0; i < n; i++) {
            nanos.addAndGet(10_000_000L);
            millis.addAndGet(10);
            book.onWindow(window(asset, source, anomalous.test(i), DetectorState.ARMED, nanos.get()));
        }
    }

    private ScoredWindow window(String asset, ModelRef source, boolean anomalous, DetectorState state, long at) {
        long s = seq++;
        Detection tier0 = new Detection(asset, "vibration", s, 0, TIER0, state, 0, 1, false, at, at);
        Detection verdict = new Detection(asset, "vibration", s, 0, source, state, anomalous ? 0.9 : 0.1, 0.5,
                anomalous, at, at);
        return new ScoredWindow(tier0, verdict, new FeatureVector(List.of("rms"), new double[] { 1 }), true, 1000);
    }

    /** A deployment that committed now; the package then carries {@code bundle}. */
    private Commit deploy(String operation, String from, String to, String bundle) {
        String id = "tx-" + ++tx;
        deployments.history.add(new DeploymentRecord(id, operation, PKG, from, to, "tester", "", "", millis.get(),
                millis.get(), "COMMITTED", -1, "ok"));
        deployments.installed(PKG, to, bundle, deployments.packages.get(PKG));
        Commit c = new Commit(id, operation, PKG, from, to, List.of(bundle), "tester", millis.get());
        book.committed(c);
        return c;
    }

    private DeploymentWatch only(String asset) {
        List<DeploymentWatch> of = book.watches().stream().filter(w -> w.assetId().equals(asset)).toList();
        assertFalse(of.isEmpty(), "no watch on " + asset);
        return of.get(0);
    }

    private List<String> topics() {
        return events.stream().map(Map.Entry::getKey).toList();
    }

    private static final IntPredicate NEVER = i -> false;
    private static final IntPredicate ALWAYS = i -> true;

    @Test
    void anUnchangedRateIsDeclaredOkAfterTheWatch() {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        DeploymentWatch w = only(ASSET);
        assertEquals(State.WATCHING, w.state());
        assertEquals(200, w.baselineWindows(), "the last baseline.windows windows before the update");
        assertEquals(1.0 / 202, w.baselineRate(), 1e-12);
        assertEquals(List.of("bearing-fault:3.0.0"), w.models());
        windows(ASSET, V3, 399, NEVER);
        assertEquals(State.WATCHING, only(ASSET).state());
        windows(ASSET, V3, 1, NEVER);
        w = only(ASSET);
        assertEquals(State.OK, w.state(), w.reason());
        assertEquals(400, w.windowsObserved());
        assertEquals(List.of(MonitorEvents.TOPIC_STARTED, MonitorEvents.TOPIC_OK), topics());
        assertEquals(0, deployments.rollbacks.size());
    }

    @Test
    void anIncreaseEntersPendingReviewWithAnEventAndAKeepAcceptsIt() throws Exception {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        windows(ASSET, V3, 30, ALWAYS);
        DeploymentWatch w = only(ASSET);
        assertEquals(State.PENDING_REVIEW, w.state());
        assertEquals(Signal.INCREASE, w.signal());
        assertTrue(w.signalWindow() > 0 && w.signalWindow() <= 10, "signalled at window " + w.signalWindow());
        assertTrue(w.cusumIncrease() > w.thresholdIncrease(), w.toString());
        assertEquals(30, w.windowsObserved(), "a pending review goes on counting");
        assertTrue(w.reason().contains("rose from 0.0050") && w.reason().contains("to 1.0000"), w.reason());

        Map<String, Object> e = events.stream().filter(x -> x.getKey().equals(MonitorEvents.TOPIC_PENDING_REVIEW))
                .findFirst().orElseThrow().getValue();
        assertEquals(ASSET, e.get(MonitorEvents.ASSET));
        assertEquals(PKG, e.get(MonitorEvents.PACKAGE));
        assertEquals("1.0.0", e.get(MonitorEvents.FROM_VERSION));
        assertEquals("3.0.0", e.get(MonitorEvents.TO_VERSION));
        assertEquals("INCREASE", e.get(MonitorEvents.SIGNAL));
        assertTrue((double) e.get(MonitorEvents.CUSUM) > (double) e.get(MonitorEvents.THRESHOLD));
        assertEquals(0, deployments.rollbacks.size(), "REVIEW never rolls back by itself");

        List<DeploymentWatch> kept = book.review(PKG, WatchBook.Decision.KEEP, "tester");
        assertEquals(1, kept.size());
        assertEquals(State.KEPT, only(ASSET).state());
        assertEquals("tester", only(ASSET).decidedBy());
        assertTrue(topics().contains(MonitorEvents.TOPIC_KEPT));
        windows(ASSET, V3, 10, ALWAYS);
        assertEquals(30, only(ASSET).windowsObserved(), "a kept watch has ended");
        assertEquals(0, deployments.rollbacks.size());
    }

    @Test
    void aReviewedRollbackRollsBackOnceAndTheRollbacksOwnWatchComparesWithTheOriginalBaseline() throws Exception {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        windows(ASSET, V3, 30, ALWAYS);
        List<DeploymentWatch> ended = book.review(PKG, WatchBook.Decision.ROLLBACK, "rest:vigil");
        assertEquals(List.of(PKG + " by rest:vigil"), deployments.rollbacks);
        DeploymentWatch first = only(ASSET);
        assertEquals(State.ROLLED_BACK, first.state());
        assertEquals(first.id(), ended.get(0).id());
        assertEquals("rest:vigil", first.decidedBy());
        assertTrue(topics().contains(MonitorEvents.TOPIC_ROLLED_BACK));

        // the deployment manager's commit event of that rollback
        deploy("ROLLBACK", "3.0.0", "1.0.0", V1_BUNDLE);
        DeploymentWatch after = only(ASSET);
        assertNotEquals(first.id(), after.id());
        assertEquals(State.WATCHING, after.state());
        assertEquals(first.baselineSource(), after.baselineSource(), "1.0.0's own history, not 3.0.0's windows");
        assertEquals(first.baselineRate(), after.baselineRate());
        windows(ASSET, V1, 400, NEVER);
        assertEquals(State.OK, only(ASSET).state());
        assertEquals(1, deployments.rollbacks.size());
    }

    @Test
    void windowsDuringTheRollbackDoNotCountForTheVersionBeingRolledBack() throws Exception {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        windows(ASSET, V3, 30, ALWAYS);
        deployments.during = () -> windows(ASSET, V1, 20, NEVER); // 1.0.0 back before the commit
        book.review(PKG, WatchBook.Decision.ROLLBACK, "tester");
        DeploymentWatch w = only(ASSET);
        assertEquals(30, w.windowsObserved());
        assertEquals(1.0, w.observedRate());
    }

    @Test
    void actionRollbackRollsBackAutomaticallyExactlyOnce() {
        book(Action.ROLLBACK);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        windows(ASSET, V3, 50, ALWAYS); // windows keep coming after the signal
        assertEquals(List.of(PKG + " by " + WatchBook.MONITOR), deployments.rollbacks);
        DeploymentWatch w = only(ASSET);
        assertEquals(State.ROLLED_BACK, w.state());
        assertEquals(WatchBook.MONITOR, w.decidedBy());
        assertTrue(w.reason().startsWith("rolled back automatically"), w.reason());
        assertFalse(topics().contains(MonitorEvents.TOPIC_PENDING_REVIEW));
    }

    @Test
    void aWatchAfterARollbackOnlyEverAsksForAReview() {
        book(Action.ROLLBACK);
        deployments.installed(PKG, "3.0.0", V3_BUNDLE, deployments.packages.get(PKG));
        windows(ASSET, V3, 300, NEVER);
        deploy("ROLLBACK", "3.0.0", "1.0.0", V1_BUNDLE);
        windows(ASSET, V1, 30, ALWAYS);
        DeploymentWatch w = only(ASSET);
        assertEquals(State.PENDING_REVIEW, w.state());
        assertTrue(w.reason().contains("follows a rollback"), w.reason());
        assertEquals(0, deployments.rollbacks.size());
    }

    @Test
    void aSecondUpdateSupersedesTheWatchAndKeepsItsBaseline() {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        windows(ASSET, V3, 100, NEVER);
        carried.put("io.vigil.model.bearing.v4", Set.of(new ModelRef("bearing-fault", "4.0.0")));
        deploy("UPDATE", "3.0.0", "4.0.0", "io.vigil.model.bearing.v4");
        List<DeploymentWatch> all = book.watches();
        assertEquals(2, all.size());
        assertEquals(State.WATCHING, all.get(0).state());
        assertEquals("4.0.0", all.get(0).toVersion());
        assertEquals(State.SUPERSEDED, all.get(1).state());
        assertTrue(all.get(1).reason().contains("4.0.0"), all.get(1).reason());
        assertEquals(all.get(1).baselineSource(), all.get(0).baselineSource(),
                "3.0.0 was never accepted: 4.0.0 is compared with 1.0.0's windows");
    }

    @Test
    void aDropIsSignalledToo() {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, i -> i % 3 == 0);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        windows(ASSET, V3, 200, NEVER);
        DeploymentWatch w = only(ASSET);
        assertEquals(State.PENDING_REVIEW, w.state());
        assertEquals(Signal.DECREASE, w.signal());
        assertTrue(w.reason().contains("fell"), w.reason());
    }

    @Test
    void anAssetOnAnotherModelIsNotWatched() {
        book(Action.REVIEW);
        windows("pump-2", new ModelRef("cavitation", "1.0.0"), 300, NEVER);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        windows("pump-2", new ModelRef("cavitation", "1.0.0"), 500, ALWAYS);
        assertTrue(book.watches().stream().noneMatch(w -> w.assetId().equals("pump-2")));
        assertEquals(1, book.watches().size());
    }

    @Test
    void anAssetThatTakesUpTheNewModelOnlyAfterTheCommitIsWatchedFromItsFirstWindow() {
        deployments.packages.clear();
        book(Action.REVIEW);
        windows(ASSET, TIER0, 300, NEVER);
        deploy("INSTALL", "", "1.0.0", V1_BUNDLE);
        assertTrue(book.watches().isEmpty(), "nothing yet says the asset uses the package");
        windows(ASSET, V1, 10, NEVER);
        DeploymentWatch w = only(ASSET);
        assertEquals(State.WATCHING, w.state());
        assertEquals(200, w.baselineWindows(), "the tier-0 windows before the install");
        assertEquals(10, w.windowsObserved());
    }

    @Test
    void windowsOfTheNewModelDuringTheTransactionBelongToTheDeployment() {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        long started = millis.get();
        windows(ASSET, V3, 5, ALWAYS); // the health check waits for 3.0.0 to serve before the commit
        deployments.history.add(new DeploymentRecord("tx-slow", "UPDATE", PKG, "1.0.0", "3.0.0", "tester", "", "",
                started, millis.get(), "COMMITTED", -1, "ok"));
        deployments.installed(PKG, "3.0.0", V3_BUNDLE, deployments.packages.get(PKG));
        book.committed(new Commit("tx-slow", "UPDATE", PKG, "1.0.0", "3.0.0", List.of(V3_BUNDLE), "tester",
                millis.get()));
        DeploymentWatch w = only(ASSET);
        assertEquals(0, w.baselineAnomalous(), "3.0.0's windows are not 1.0.0's baseline");
        assertEquals(5, w.windowsObserved());
    }

    @Test
    void commissioningWindowsAreNotPartOfAnyRate() {
        book(Action.REVIEW);
        for (int i = 0; i < 300; i++) {
            nanos.addAndGet(10_000_000L);
            millis.addAndGet(10);
            book.onWindow(window(ASSET, TIER0, false, DetectorState.COMMISSIONING, nanos.get()));
        }
        windows(ASSET, V1, 150, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        assertEquals(150, only(ASSET).baselineWindows());
    }

    @Test
    void aBaselineTooShortIsNotWatchedAndSaysSo() {
        book(Action.REVIEW);
        windows(ASSET, V1, 60, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        DeploymentWatch w = only(ASSET);
        assertEquals(State.NO_BASELINE, w.state());
        assertTrue(w.reason().contains("baseline too short") && w.reason().contains("60")
                && w.reason().contains("min.baseline.windows is 100"), w.reason());
        assertTrue(Double.isNaN(w.thresholdIncrease()));
        assertEquals(List.of(MonitorEvents.TOPIC_NO_BASELINE), topics());
        windows(ASSET, V3, 100, ALWAYS);
        assertEquals(State.NO_BASELINE, only(ASSET).state());
        assertEquals(0, only(ASSET).windowsObserved());
    }

    @Test
    void reviewingAnUnknownPackageNamesItAndTheWatchedOnes() {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        ReviewException e = assertThrows(ReviewException.class, () -> book.review("io.vigil.nope",
                WatchBook.Decision.KEEP, "tester"));
        assertEquals(Reason.UNKNOWN_PACKAGE, e.reason());
        assertTrue(e.getMessage().contains("'io.vigil.nope'") && e.getMessage().contains(PKG), e.getMessage());
        e = assertThrows(ReviewException.class, () -> book.review(" ", WatchBook.Decision.KEEP, "tester"));
        assertEquals(Reason.BAD_REQUEST, e.reason());
    }

    @Test
    void reviewingAWatchThatIsNotPendingIsRefusedNamingItsState() {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        ReviewException e = assertThrows(ReviewException.class, () -> book.review(PKG,
                WatchBook.Decision.ROLLBACK, "tester"));
        assertEquals(Reason.NOT_PENDING, e.reason());
        assertTrue(e.getMessage().contains(ASSET + " WATCHING (1.0.0 -> 3.0.0)"), e.getMessage());
        assertEquals(0, deployments.rollbacks.size());
        assertEquals(State.WATCHING, only(ASSET).state());
    }

    @Test
    void aFailedRollbackLeavesTheWatchPendingAndSaysWhy() {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        windows(ASSET, V3, 30, ALWAYS);
        deployments.failure = new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "disk full");
        ReviewException e = assertThrows(ReviewException.class, () -> book.review(PKG,
                WatchBook.Decision.ROLLBACK, "tester"));
        assertEquals(Reason.ROLLBACK_FAILED, e.reason());
        assertTrue(e.getMessage().contains("disk full") && e.getMessage().contains("stays PENDING_REVIEW"),
                e.getMessage());
        assertEquals(State.PENDING_REVIEW, only(ASSET).state());
    }

    @Test
    void aFailedAutomaticRollbackFallsBackToAReview() {
        book(Action.ROLLBACK);
        deployments.failure = new DeploymentException(DeploymentException.CODE_OTHER_ERROR, "health check timed out");
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        windows(ASSET, V3, 30, ALWAYS);
        DeploymentWatch w = only(ASSET);
        assertEquals(State.PENDING_REVIEW, w.state());
        assertTrue(w.reason().contains("automatic rollback failed") && w.reason().contains("health check timed out"),
                w.reason());
        assertEquals(1, deployments.rollbacks.size(), "tried once, not at every window");
    }

    @Test
    void aFirstInstallCannotBeRolledBackOnlyKept() throws Exception {
        deployments.packages.clear();
        book(Action.ROLLBACK);
        windows(ASSET, TIER0, 300, NEVER);
        deploy("INSTALL", "", "1.0.0", V1_BUNDLE);
        windows(ASSET, V1, 30, ALWAYS);
        assertEquals(State.PENDING_REVIEW, only(ASSET).state());
        assertEquals(0, deployments.rollbacks.size());
        ReviewException e = assertThrows(ReviewException.class, () -> book.review(PKG,
                WatchBook.Decision.ROLLBACK, "tester"));
        assertEquals(Reason.CONFLICT, e.reason());
        assertTrue(e.getMessage().contains("uninstall"), e.getMessage());
        book.review(PKG, WatchBook.Decision.KEEP, "tester");
        assertEquals(State.KEPT, only(ASSET).state());
    }

    @Test
    void anUninstallEndsTheWatch() {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        book.committed(new Commit("tx-u", "UNINSTALL", PKG, "3.0.0", "", List.of(), "tester", millis.get()));
        assertEquals(State.SUPERSEDED, only(ASSET).state());
        assertTrue(only(ASSET).reason().contains("uninstalled"), only(ASSET).reason());
    }

    @Test
    void anAssetWhoseConfigurationWasRemovedIsNoLongerWatched() {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        windows("pump-gone", V1, 300, NEVER);
        removed.add("pump-gone");
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        assertEquals(List.of(ASSET), book.watches().stream().map(DeploymentWatch::assetId).toList());
        removed.add(ASSET);
        book.housekeeping();
        assertEquals(State.SUPERSEDED, only(ASSET).state());
        assertTrue(only(ASSET).reason().contains("no longer configured"), only(ASSET).reason());
    }

    @Test
    void aPendingReviewSurvivesARestartAndCanBeDecidedAfterIt() throws Exception {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        windows(ASSET, V3, 30, ALWAYS);
        DeploymentWatch before = only(ASSET);
        assertEquals(State.PENDING_REVIEW, before.state());
        book.persist(); // as the component's deactivation does

        book(Action.REVIEW); // a new component instance reading the same file
        DeploymentWatch after = only(ASSET);
        assertEquals(State.PENDING_REVIEW, after.state());
        assertEquals(before.cusumIncrease(), after.cusumIncrease());
        assertEquals(before.windowsObserved(), after.windowsObserved());
        assertEquals(before.reason(), after.reason());
        book.review(PKG, WatchBook.Decision.ROLLBACK, "tester");
        assertEquals(State.ROLLED_BACK, only(ASSET).state());
    }

    @Test
    void aRunningWatchResumesItsStatisticsAfterARestart() {
        book(Action.REVIEW);
        windows(ASSET, V1, 300, NEVER);
        deploy("UPDATE", "1.0.0", "3.0.0", V3_BUNDLE);
        windows(ASSET, V3, 100, NEVER);
        book.persist();
        book(Action.REVIEW);
        assertEquals(100, only(ASSET).windowsObserved());
        windows(ASSET, V3, 300, NEVER);
        assertEquals(State.OK, only(ASSET).state(), "400 windows in all, across the restart");
    }

    @Test
    void anUnreadableWatchFileIsKeptAsideNotOverwritten() throws Exception {
        Files.writeString(dir.resolve("watches.json"), "{ not json");
        book(Action.REVIEW);
        assertTrue(book.watches().isEmpty());
        try (var files = Files.list(dir)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("watches.json.unreadable-")));
        }
    }

    @Test
    void settingsNameTheBadValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MonitorSettings(
                Action.REVIEW, 200, 300, 400, 2.0, 0.01, false, 10));
        assertTrue(e.getMessage().contains("min.baseline.windows") && e.getMessage().contains("300")
                && e.getMessage().contains("200"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MonitorSettings(Action.REVIEW, 200, 100, 400,
                0.5, 0.01, false, 10));
        assertTrue(e.getMessage().contains("shift.ratio") && e.getMessage().contains("0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MonitorSettings(Action.REVIEW, 200, 100, 400,
                2.0, 1.5, false, 10));
        assertTrue(e.getMessage().contains("false.alarm.probability"), e.getMessage());
    }

    @Test
    void theModelHeaderNamesTheModel() {
        assertEquals(new ModelRef("bearing-fault", "3.0.0"), ModelIndex.parseHeader(
                "bearing-fault;version=3.0.0;model=model/model.onnx;descriptor=model/descriptor.json").orElseThrow());
        assertEquals(new ModelRef("x", "1.0"), ModelIndex.parseHeader("x; version=\"1.0\"").orElseThrow());
        assertTrue(ModelIndex.parseHeader("version=1.0").isEmpty());
        assertTrue(ModelIndex.parseHeader("x;model=m").isEmpty());
        assertTrue(ModelIndex.parseHeader(null).isEmpty());
    }

    /** Installed packages, history and rollbacks as the deployment manager would have them. */
    private static final class FakeDeployments implements DeploymentService {
        final Map<String, InstalledPackage> packages = new LinkedHashMap<>();
        final List<DeploymentRecord> history = new ArrayList<>();
        final List<String> rollbacks = new ArrayList<>();
        DeploymentException failure;
        /** What happens while the transaction runs (the pipelines go on scoring windows). */
        Runnable during = () -> {
        };

        void installed(String name, String version, String bundle, InstalledPackage previous) {
            packages.put(name, new InstalledPackage(name, version, "test", 0, List.of(new BundleRecord(bundle,
                    version, "sha", "loc:" + bundle)), Map.of(), previous == null ? null
                            : previous.withoutPrevious()));
        }

        @Override
        public DeploymentRecord install(InputStream in, String requestedBy, String source, boolean force) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DeploymentRecord uninstall(String name, String requestedBy, boolean force) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DeploymentRecord rollback(String name, String requestedBy) throws DeploymentException {
            rollbacks.add(name + " by " + requestedBy);
            during.run();
            if (failure != null) {
                throw failure;
            }
            InstalledPackage now = packages.get(name);
            InstalledPackage back = now.previous();
            packages.put(name, new InstalledPackage(name, back.version(), "test", 0, back.bundles(), Map.of(),
                    now.withoutPrevious()));
            return new DeploymentRecord("rb", "ROLLBACK", name, now.version(), back.version(), requestedBy, "", "",
                    0, 0, "COMMITTED", -1, "rolled back");
        }

        @Override
        public Map<String, InstalledPackage> packages() {
            return packages;
        }

        @Override
        public List<DeploymentRecord> history() {
            return history;
        }
    }
}
