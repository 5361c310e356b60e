package io.vigil.deploy.internal.monitor;

import java.time.Instant;
import java.util.Locale;

import io.vigil.api.deploy.DeploymentWatch;
import io.vigil.api.deploy.DeploymentWatch.Signal;

/** Watches as the Gogo commands print them. */
final class WatchText {

    private WatchText() {
    }

    /** One line, and for a watch that is not OK a second one saying why. */
    static String line(DeploymentWatch w) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-15s %s %s -> %s  asset %s  rate %s -> %s "
                + "(%d/%d windows)  cusum+ %s/%s  cusum- %s/%s%s%n", w.state(), w.packageName(),
                w.fromVersion().isEmpty() ? "(new)" : w.fromVersion(), w.toVersion(), w.assetId(),
                number(w.baselineRate()), number(w.observedRate()), w.anomalousObserved(), w.windowsObserved(),
                number(w.cusumIncrease()), number(w.thresholdIncrease()), number(w.cusumDecrease()),
                number(w.thresholdDecrease()), w.signal() == Signal.NONE ? "" : "  " + w.signal() + " at window "
                        + w.signalWindow()));
        if (w.state() != DeploymentWatch.State.OK && w.state() != DeploymentWatch.State.WATCHING) {
            b.append("    ").append(w.reason()).append('\n');
        }
        return b.toString();
    }

    static String full(DeploymentWatch w) {
        return String.format(Locale.ROOT, """
                watch %s
                  package         %s %s -> %s (%s, transaction %s)
                  asset           %s, models %s
                  state           %s%s
                  reason          %s
                  action          %s
                  baseline        %s = (%d + 1) / (%d + 2) windows: %s
                  since           %s = %d / %d windows (watched for %d)
                  increase CUSUM  %s, threshold %s, tuned to a rate of %s%s
                  decrease CUSUM  %s, threshold %s, tuned to a rate of %s%s
                  false alarms    probability %s over the whole watch (shift ratio %s)
                  signal          %s
                  started         %s%s
                """, w.id(), w.packageName(), w.fromVersion().isEmpty() ? "(new)" : w.fromVersion(), w.toVersion(),
                w.operation(), w.txId(), w.assetId(), w.models(), w.state(), w.decidedBy().isEmpty() ? ""
                        : " (by " + w.decidedBy() + ")", w.reason(), w.action(), number(w.baselineRate()),
                w.baselineAnomalous(), w.baselineWindows(), w.baselineSource(), number(w.observedRate()),
                w.anomalousObserved(), w.windowsObserved(), w.watchWindows(), number(w.cusumIncrease()),
                number(w.thresholdIncrease()), number(w.increasedRate()), w.increaseDetectable() ? ""
                        : " (cannot be reached in this watch)", number(w.cusumDecrease()),
                number(w.thresholdDecrease()), number(w.decreasedRate()), w.decreaseDetectable() ? ""
                        : " (cannot be reached in this watch: too few anomalous windows in the baseline)",
                number(w.falseAlarmProbability()), number(w.shiftRatio()), w.signal() == Signal.NONE ? "none"
                        : w.signal() + " at window " + w.signalWindow(), Instant.ofEpochMilli(w.startedEpochMillis()),
                w.endedEpochMillis() == 0 ? "" : ", ended " + Instant.ofEpochMilli(w.endedEpochMillis()));
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "-";
    }
}
