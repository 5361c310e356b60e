package io.vigil.deploy.internal.monitor;

import java.util.List;

import io.vigil.api.deploy.DeploymentWatch;
import io.vigil.api.deploy.DeploymentWatch.Action;
import io.vigil.api.deploy.DeploymentWatch.Signal;
import io.vigil.api.deploy.DeploymentWatch.State;
import io.vigil.deploy.internal.monitor.ThresholdCalibration.Calibration;

/**
 * One asset watched after one deployment. Windows arrive on pipeline threads, state changes on the monitor's
 * control thread; this object's lock guards both, and is only ever taken inside the lock of its asset's track (or
 * alone), never the other way round.
 */
final class Watch {

    /** What a window did to the watch, for the control thread to act on. */
    enum Outcome {
        NONE, SIGNAL, COMPLETE
    }

    /** The windows the CUSUMs take as normal. */
    record Baseline(long windows, long anomalous, String source) {
    }

    final String id;
    final String txId;
    final String packageName;
    final String assetId;
    final String operation;
    final String fromVersion;
    final String toVersion;
    final List<String> models;
    final Action action;
    final Baseline baseline;
    final double shiftRatio;
    final double falseAlarmProbability;
    final int watchWindows;
    final long startedEpochMillis;
    /** Null when there was no baseline to compare with. */
    private final RateShiftTest test;

    private State state;
    private String reason;
    private long observed;
    private long anomalous;
    private Signal signal = Signal.NONE;
    private long signalWindow;
    private long endedEpochMillis;
    private String decidedBy = "";
    /** A signal or the end of the watch was handed to the control thread: the windows after it only count. */
    private boolean reported;
    /** Its package is being rolled back: the windows from now on are no longer the watched version's. */
    private boolean frozen;

    private Watch(Commit commit, String assetId, List<String> models, Action action, Baseline baseline,
            double shiftRatio, double falseAlarmProbability, int watchWindows, long now, RateShiftTest test,
            State state, String reason) {
        this(commit.txId() + "/" + assetId, commit.txId(), commit.packageName(), assetId, commit.operation(),
                commit.fromVersion(), commit.toVersion(), models, action, baseline, shiftRatio,
                falseAlarmProbability, watchWindows, now, test, state, reason);
    }

    private Watch(String id, String txId, String packageName, String assetId, String operation,
            String fromVersion, String toVersion, List<String> models, Action action, Baseline baseline,
            double shiftRatio, double falseAlarmProbability, int watchWindows, long startedEpochMillis,
            RateShiftTest test, State state, String reason) {
        this.id = id;
        this.txId = txId;
        this.packageName = packageName;
        this.assetId = assetId;
        this.operation = operation;
        this.fromVersion = fromVersion;
        this.toVersion = toVersion;
        this.models = List.copyOf(models);
        this.action = action;
        this.baseline = baseline;
        this.shiftRatio = shiftRatio;
        this.falseAlarmProbability = falseAlarmProbability;
        this.watchWindows = watchWindows;
        this.startedEpochMillis = startedEpochMillis;
        this.test = test;
        this.state = state;
        this.reason = reason;
    }

    static Watch started(Commit commit, String assetId, List<String> models, Action action, Baseline baseline,
            MonitorSettings settings, Calibration calibration, long now) {
        return new Watch(commit, assetId, models, action, baseline, settings.shiftRatio(),
                settings.falseAlarmProbability(), settings.watchWindows(), now, new RateShiftTest(calibration),
                State.WATCHING, "watching the rate of anomalous windows against " + baseline.windows()
                        + " windows before the deployment");
    }

    static Watch withoutBaseline(Commit commit, String assetId, List<String> models, Action action,
            Baseline baseline, MonitorSettings settings, long now, String reason) {
        Watch w = new Watch(commit, assetId, models, action, baseline, settings.shiftRatio(),
                settings.falseAlarmProbability(), settings.watchWindows(), now, null, State.NO_BASELINE, reason);
        w.endedEpochMillis = now;
        return w;
    }

    /** A watch as it was written to disk; its CUSUMs resume from their saved statistics. */
    static Watch restore(DeploymentWatch v) {
        RateShiftTest test = null;
        if (v.state() != State.NO_BASELINE) {
            test = new RateShiftTest(new Calibration(new ShiftRates(v.baselineRate(), v.increasedRate(),
                    v.decreasedRate()), v.thresholdIncrease(), v.thresholdDecrease(), v.increaseDetectable(),
                    v.decreaseDetectable()));
            test.restore(v.cusumIncrease(), v.cusumDecrease());
        }
        Watch w = new Watch(v.id(), v.txId(), v.packageName(), v.assetId(), v.operation(), v.fromVersion(),
                v.toVersion(), v.models() == null ? List.of() : v.models(), v.action(), new Baseline(
                        v.baselineWindows(), v.baselineAnomalous(), v.baselineSource()), v.shiftRatio(),
                v.falseAlarmProbability(), v.watchWindows(), v.startedEpochMillis(), test, v.state(), v.reason());
        w.observed = v.windowsObserved();
        w.anomalous = v.anomalousObserved();
        w.signal = v.signal() == null ? Signal.NONE : v.signal();
        w.signalWindow = v.signalWindow();
        w.endedEpochMillis = v.endedEpochMillis();
        w.decidedBy = v.decidedBy() == null ? "" : v.decidedBy();
        return w;
    }

    /** The live path: counts the window and runs the CUSUMs while the watch waits for windows. */
    synchronized Outcome observe(boolean isAnomalous) {
        if (!state.active() || frozen) {
            return Outcome.NONE;
        }
        observed++;
        if (isAnomalous) {
            anomalous++;
        }
        if (state != State.WATCHING || reported) {
            return Outcome.NONE; // a pending review goes on counting, so the reviewer sees the rate since
        }
        Signal s = test.observe(isAnomalous);
        if (s != Signal.NONE) {
            signal = s;
            signalWindow = observed;
            reported = true;
            return Outcome.SIGNAL;
        }
        if (observed >= watchWindows) {
            reported = true;
            return Outcome.COMPLETE;
        }
        return Outcome.NONE;
    }

    /**
     * A restored watch that had signalled or completed before the gateway stopped, but whose state change had not
     * been made yet: what the control thread still has to do.
     */
    synchronized Outcome unfinished() {
        if (state != State.WATCHING || reported) {
            return Outcome.NONE;
        }
        if (signal != Signal.NONE) {
            reported = true;
            return Outcome.SIGNAL;
        }
        if (observed >= watchWindows) {
            reported = true;
            return Outcome.COMPLETE;
        }
        return Outcome.NONE;
    }

    synchronized void freeze(boolean value) {
        frozen = value;
    }

    synchronized State state() {
        return state;
    }

    synchronized Signal signal() {
        return signal;
    }

    /** WATCHING to PENDING_REVIEW. */
    synchronized boolean toReview(String why) {
        if (state != State.WATCHING) {
            return false;
        }
        state = State.PENDING_REVIEW;
        reason = why;
        return true;
    }

    /** An active watch to an end state; false if it had ended already. */
    synchronized boolean end(State to, String why, String by, long now) {
        if (!state.active()) {
            return false;
        }
        state = to;
        reason = why;
        decidedBy = by == null ? "" : by;
        endedEpochMillis = now;
        return true;
    }

    boolean hasBaseline() {
        return test != null;
    }

    /** An install replaced nothing, so there is nothing to roll back to. */
    boolean rollbackPossible() {
        return !fromVersion.isEmpty();
    }

    /** Undoing a rollback would reinstall the version just judged bad: such a watch only ever asks for review. */
    boolean followsRollback() {
        return "ROLLBACK".equals(operation);
    }

    /** The sentence a signal is reported with, naming both rates and the statistic against its threshold. */
    synchronized String signalText() {
        if (test == null || signal == Signal.NONE) {
            return "no signal";
        }
        Calibration c = test.calibration();
        boolean up = signal == Signal.INCREASE;
        return String.format(java.util.Locale.ROOT, "the rate of anomalous windows %s from %.4f (%d of %d "
                + "windows, %s) to %.4f (%d of %d windows since the deployment): the %s CUSUM reached %.3f, above "
                + "its threshold %.3f, at window %d", up ? "rose" : "fell", c.rates().p0(), baseline.anomalous(),
                baseline.windows(), baseline.source(), rate(anomalous, observed), anomalous, observed,
                up ? "increase" : "decrease", up ? test.increaseStatistic() : test.decreaseStatistic(),
                up ? c.increase() : c.decrease(), signalWindow);
    }

    synchronized DeploymentWatch view(long now) {
        Calibration c = test == null ? null : test.calibration();
        double nan = Double.NaN;
        return new DeploymentWatch(id, txId, packageName, assetId, operation, fromVersion, toVersion, models, state,
                reason, action, baseline.windows(), baseline.anomalous(), c == null ? nan : c.rates().p0(),
                baseline.source(), shiftRatio, c == null ? nan : c.rates().increased(),
                c == null ? nan : c.rates().decreased(), falseAlarmProbability, watchWindows, observed, anomalous,
                rate(anomalous, observed), test == null ? nan : test.increaseStatistic(),
                test == null ? nan : test.decreaseStatistic(), c == null ? nan : c.increase(),
                c == null ? nan : c.decrease(), c != null && c.increaseDetectable(), c != null
                        && c.decreaseDetectable(), signal, signalWindow, startedEpochMillis, now, endedEpochMillis,
                decidedBy);
    }

    private static double rate(long part, long whole) {
        return whole == 0 ? Double.NaN : (double) part / whole;
    }
}
