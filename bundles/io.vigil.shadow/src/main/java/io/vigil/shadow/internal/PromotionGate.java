package io.vigil.shadow.internal;

import java.util.ArrayList;
import java.util.List;

import io.vigil.api.shadow.ShadowReport.AlertTable;
import io.vigil.api.shadow.ShadowReport.Criterion;

/**
 * The promotion gate: turns a comparison's figures into named pass/fail criteria. Errors are judged from the
 * first window (a model that throws on live data is not a candidate); everything else only once the minimum
 * windows and duration are reached, because rates over a handful of windows decide nothing.
 */
final class PromotionGate {

    static final String ERRORS = "errors";
    static final String MIN_WINDOWS = "min-windows";
    static final String MIN_DURATION = "min-duration";
    static final String RATE_INCREASE = "alert-rate-increase";
    static final String RATE_DECREASE = "alert-rate-decrease";
    static final String AGREEMENT = "agreement";
    static final String LATENCY = "latency-ratio";

    private PromotionGate() {
    }

    /** What the gate knows about a comparison at one moment. */
    record Figures(long compared, long errors, double seconds, AlertTable table, double pValue, double liveP99,
            double candidateP99) {
    }

    /** @return whether the minimum windows and duration are reached, so the gate may decide */
    static boolean mature(GateSettings g, Figures f) {
        return f.compared() >= g.minWindows() && f.seconds() >= g.minDurationSeconds();
    }

    /**
     * @return every criterion: only errors before the comparison is mature, all of them afterwards
     */
    static List<Criterion> evaluate(GateSettings g, Figures f) {
        List<Criterion> list = new ArrayList<>();
        list.add(new Criterion(ERRORS, f.errors() <= g.maxErrors(), f.errors(), g.maxErrors(), f.errors()
                <= g.maxErrors() ? "the candidate failed on " + f.errors() + " window(s)"
                        : "the candidate failed (threw or scored NaN) on " + f.errors() + " window(s), more than the "
                                + g.maxErrors() + " allowed; see the gateway log for the errors"));
        if (!mature(g, f)) {
            return list;
        }
        list.add(new Criterion(MIN_WINDOWS, true, f.compared(), g.minWindows(), f.compared() + " windows compared"));
        list.add(new Criterion(MIN_DURATION, true, f.seconds(), g.minDurationSeconds(),
                String.format("compared for %.0f s", f.seconds())));

        AlertTable t = f.table();
        double n = t.total();
        double live = (t.both() + t.liveOnly()) / n;
        double candidate = (t.both() + t.candidateOnly()) / n;
        double diff = candidate - live;
        boolean significant = f.pValue() < g.significance();
        boolean increaseOk = !(diff > g.maxIncrease() && significant);
        list.add(new Criterion(RATE_INCREASE, increaseOk, diff, g.maxIncrease(), String.format(
                "alert rate %.4f (candidate) vs %.4f (live): %+.4f, McNemar p = %.3g%s", candidate, live, diff,
                f.pValue(), increaseOk ? "" : "; the candidate alerts significantly more often than allowed")));
        boolean decreaseOk = !(-diff > g.maxDecrease() && significant);
        list.add(new Criterion(RATE_DECREASE, decreaseOk, -diff, g.maxDecrease(), String.format(
                "alert rate fell by %.4f, McNemar p = %.3g%s", -diff, f.pValue(),
                decreaseOk ? "" : "; the candidate misses alerts the live model raises")));
        double agreement = (t.both() + t.neither()) / n;
        list.add(new Criterion(AGREEMENT, agreement >= g.minAgreement(), agreement, g.minAgreement(),
                String.format("the models decided alike on %.2f%% of the windows", 100 * agreement)));
        if (Double.isNaN(f.liveP99()) || Double.isNaN(f.candidateP99()) || f.liveP99() <= 0) {
            list.add(new Criterion(LATENCY, true, Double.NaN, g.maxLatencyRatio(),
                    "not applicable: the live side ran no model on the compared windows"));
        } else {
            double ratio = f.candidateP99() / f.liveP99();
            list.add(new Criterion(LATENCY, ratio <= g.maxLatencyRatio(), ratio, g.maxLatencyRatio(), String.format(
                    "p99 inference %.0f us (candidate) vs %.0f us (live)", f.candidateP99() / 1e3,
                    f.liveP99() / 1e3)));
        }
        return list;
    }
}
