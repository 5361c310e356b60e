package io.vigil.shadow.internal;

import java.time.Instant;

import io.vigil.api.shadow.ShadowReport;
import io.vigil.api.shadow.ShadowReport.Criterion;
import io.vigil.api.shadow.ShadowState;

/** A report as an operator reads it on a terminal. */
final class ReportText {

    private ReportText() {
    }

    static String line(ShadowReport r) {
        return String.format("%-16s %-22s vs %-22s %-11s compared=%d skipped=%d errors=%d agreement=%s%n",
                r.assetId(), r.candidate(), r.live().isEmpty() ? "-" : r.live(), r.state(), r.windowsCompared(),
                r.windowsSkipped(), r.candidateErrors(), pct(r.agreement()));
    }

    static String full(ShadowReport r) {
        StringBuilder b = new StringBuilder();
        b.append("asset ").append(r.assetId()).append(": candidate ").append(r.candidate()).append(" vs live ")
                .append(r.live().isEmpty() ? "-" : r.live()).append('\n');
        b.append("  state      ").append(r.state()).append(r.reason().isEmpty() ? "" : " (" + r.reason() + ")")
                .append(", promotion ").append(r.promotion()).append('\n');
        b.append("  started    ").append(Instant.ofEpochMilli(r.startedEpochMillis()))
                .append(r.endedEpochMillis() > 0 ? ", ended " + Instant.ofEpochMilli(r.endedEpochMillis()) : "")
                .append('\n');
        b.append(String.format("  windows    seen %d, compared %d, skipped %d, candidate errors %d%n", r.windowsSeen(),
                r.windowsCompared(), r.windowsSkipped(), r.candidateErrors()));
        var t = r.alerts();
        b.append(String.format("  verdicts   both anomalous %d, live only %d, candidate only %d, neither %d%n",
                t.both(), t.liveOnly(), t.candidateOnly(), t.neither()));
        b.append(String.format("  alert rate live %s, candidate %s, difference %s [%s, %s], McNemar p=%s%n",
                num(r.liveAlertRate()), num(r.candidateAlertRate()), num(r.rateDifference()),
                num(r.rateDifferenceLow()), num(r.rateDifferenceHigh()), num(r.rateDifferencePValue())));
        b.append(String.format("  agreement  %s%n", pct(r.agreement())));
        b.append(String.format("  scores     %d pairs, PSI %s, KS D=%s p=%s%n", r.scores().pairs(), num(r.scores().psi()),
                num(r.scores().ksStatistic()), num(r.scores().ksPValue())));
        b.append(String.format("  latency    live p50 %s us p99 %s us; candidate p50 %s us p99 %s us; ratio %s%n",
                num(r.liveLatency().p50Micros()), num(r.liveLatency().p99Micros()),
                num(r.candidateLatency().p50Micros()), num(r.candidateLatency().p99Micros()), num(r.latencyRatio())));
        for (Criterion c : r.criteria()) {
            b.append(String.format("  %-4s %-20s %s%n", c.passed() ? "ok" : "FAIL", c.name(), c.detail()));
        }
        if (r.state() == ShadowState.ROLLED_BACK) {
            b.append("  rollback   done at ").append(Instant.ofEpochMilli(r.updatedEpochMillis()))
                    .append(": back on ").append(r.rollbackTarget()).append("; ").append(r.candidate())
                    .append(" had been promoted by ").append(r.promotedBy()).append(r.forced() ? " (forced)" : "")
                    .append('\n');
        } else if (!r.rollbackTarget().isEmpty()) {
            b.append("  rollback   ").append(r.rollbackTarget()).append(", promoted by ").append(r.promotedBy())
                    .append(r.forced() ? " (forced)" : "").append('\n');
        }
        return b.toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.4g", v);
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.2f%%", 100 * v);
    }
}
