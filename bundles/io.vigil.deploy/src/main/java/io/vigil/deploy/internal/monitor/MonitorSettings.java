package io.vigil.deploy.internal.monitor;

import io.vigil.api.deploy.DeploymentWatch.Action;

/** The monitor's configuration, checked. */
record MonitorSettings(Action action, int baselineWindows, int minBaselineWindows, int watchWindows,
        double shiftRatio, double falseAlarmProbability, boolean watchPackagesWithoutModels,
        double persistIntervalSeconds) {

    MonitorSettings {
        if (action == null) {
            throw new IllegalArgumentException("action must be ROLLBACK or REVIEW");
        }
        if (baselineWindows < 1) {
            throw bad("baseline.windows", baselineWindows, "at least 1 (e.g. 2000)");
        }
        if (minBaselineWindows < 1 || minBaselineWindows > baselineWindows) {
            throw bad("min.baseline.windows", minBaselineWindows, "between 1 and baseline.windows ("
                    + baselineWindows + ")");
        }
        if (watchWindows < 1) {
            throw bad("watch.windows", watchWindows, "at least 1 (e.g. 5000)");
        }
        if (!(shiftRatio > 1) || Double.isInfinite(shiftRatio)) {
            throw bad("shift.ratio", shiftRatio, "a finite number above 1 (e.g. 2.0: the rate doubling or halving)");
        }
        if (!(falseAlarmProbability > 0 && falseAlarmProbability < 1)) {
            throw bad("false.alarm.probability", falseAlarmProbability, "strictly between 0 and 1 (e.g. 0.01)");
        }
        if (!(persistIntervalSeconds > 0)) {
            throw bad("persist.interval.seconds", persistIntervalSeconds, "above 0 (e.g. 10)");
        }
    }

    static MonitorSettings from(MonitorConfig c) {
        return new MonitorSettings(c.action(), c.baseline_windows(), c.min_baseline_windows(), c.watch_windows(),
                c.shift_ratio(), c.false_alarm_probability(), c.watch_packages_without_models(),
                c.persist_interval_seconds());
    }

    private static IllegalArgumentException bad(String name, Object value, String wanted) {
        return new IllegalArgumentException(name + " of the " + DeploymentMonitor.PID + " configuration is " + value
                + "; it must be " + wanted);
    }

    /** Windows an asset keeps: the baseline, and as many again for those that arrive before a watch starts. */
    int ringCapacity() {
        return baselineWindows + Math.max(1024, baselineWindows);
    }
}
