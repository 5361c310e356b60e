package io.vigil.shadow.internal;

import java.util.ArrayList;
import java.util.List;

import io.vigil.api.shadow.ShadowReport.AlertTable;
import io.vigil.api.shadow.ShadowReport.Criterion;
import io.vigil.api.shadow.ShadowReport.Outcome;

/**
 * The promotion gate: turns a comparison's figures into named criteria, each passed, failed or undecided.
 *
 * <p>A rate or agreement criterion passes only when its whole confidence interval lies on the right side of the
 * bound and fails only when the whole interval lies on the wrong side; in between the evidence does not decide and
 * the comparison goes on. So a good candidate is not rejected because a few unlucky windows pushed the point
 * estimate over a bound, and a bad one is not waved through because there were too few windows to see it; and
 * since the gate looks again and again as windows arrive, demanding the interval clear the bound keeps those
 * repeated looks from turning noise into a decision. Errors are judged from the first window (a model that throws on
 * live data is not a candidate); everything else only once the minimum windows and duration are reached.
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
    record Figures(long compared, long errors, double seconds, AlertTable table, long liveTimed, double liveP99,
            long candidateTimed, double candidateP99) {
    }

    /** @return whether the minimum windows and duration are reached, so the gate may decide */
    static boolean mature(GateSettings g, Figures f) {
        return f.compared() >= g.minWindows() && f.seconds() >= g.minDurationSeconds();
    }

    /** @return every criterion: only errors before the comparison is mature, all of them afterwards */
    static List<Criterion> evaluate(GateSettings g, Figures f) {
        List<Criterion> list = new ArrayList<>();
        boolean errorsOk = f.errors() <= g.maxErrors();
        list.add(new Criterion(ERRORS, errorsOk ? Outcome.PASS : Outcome.FAIL, f.errors(), g.maxErrors(), errorsOk
                ? "the candidate failed on " + f.errors() + " window(s)"
                : "the candidate failed (threw, or scored NaN or infinity) on " + f.errors() + " window(s), more than "
                        + "the " + g.maxErrors() + " allowed; the gateway log names the windows and the errors"));
        if (!mature(g, f)) {
            return list;
        }
        list.add(new Criterion(MIN_WINDOWS, Outcome.PASS, f.compared(), g.minWindows(), f.compared()
                + " windows compared"));
        list.add(new Criterion(MIN_DURATION, Outcome.PASS, f.seconds(), g.minDurationSeconds(),
                String.format("compared for %.0f s", f.seconds())));

        AlertTable t = f.table();
        double n = t.total();
        double confidence = 1 - g.significance();
        double diff = (t.candidateOnly() - t.liveOnly()) / n;
        double[] ci = ShadowStatistics.pairedDifferenceInterval(t.both(), t.liveOnly(), t.candidateOnly(),
                t.neither(), confidence);
        String interval = String.format("candidate minus live alert rate %+.4f, %.0f%% interval [%+.4f, %+.4f]", diff,
                100 * confidence, ci[0], ci[1]);
        Outcome increase = ci[1] <= g.maxIncrease() ? Outcome.PASS
                : ci[0] > g.maxIncrease() ? Outcome.FAIL : Outcome.UNDECIDED;
        list.add(new Criterion(RATE_INCREASE, increase, diff, g.maxIncrease(), interval + switch (increase) {
            case PASS -> "";
            case FAIL -> ": the candidate alerts more often than the allowed +" + g.maxIncrease();
            case UNDECIDED -> ": not yet clear whether it stays within +" + g.maxIncrease() + "; more windows needed";
        }));
        Outcome decrease = ci[0] >= -g.maxDecrease() ? Outcome.PASS
                : ci[1] < -g.maxDecrease() ? Outcome.FAIL : Outcome.UNDECIDED;
        list.add(new Criterion(RATE_DECREASE, decrease, -diff, g.maxDecrease(), interval + switch (decrease) {
            case PASS -> "";
            case FAIL -> ": the candidate misses alerts the live model raises (allowed -" + g.maxDecrease() + ")";
            case UNDECIDED -> ": not yet clear whether it stays within -" + g.maxDecrease() + "; more windows needed";
        }));
        long agreeing = t.both() + t.neither();
        double[] wilson = ShadowStatistics.wilsonInterval(agreeing, t.total(), confidence);
        Outcome agreement = wilson[0] >= g.minAgreement() ? Outcome.PASS
                : wilson[1] < g.minAgreement() ? Outcome.FAIL : Outcome.UNDECIDED;
        list.add(new Criterion(AGREEMENT, agreement, agreeing / n, g.minAgreement(), String.format(
                "the models decided alike on %.2f%% of the windows, %.0f%% interval [%.2f%%, %.2f%%]", 100 * agreeing
                        / n, 100 * confidence, 100 * wilson[0], 100 * wilson[1])));
        list.add(latency(g, f));
        return list;
    }

    private static Criterion latency(GateSettings g, Figures f) {
        if (f.liveTimed() == 0) {
            return new Criterion(LATENCY, Outcome.PASS, Double.NaN, g.maxLatencyRatio(),
                    "not applicable: no live model ran on the compared windows");
        }
        if (f.liveTimed() < g.minLatencySamples() || f.candidateTimed() < g.minLatencySamples()) {
            return new Criterion(LATENCY, Outcome.UNDECIDED, Double.NaN, g.maxLatencyRatio(), "timed "
                    + f.candidateTimed() + " candidate and " + f.liveTimed() + " live runs; a 99th percentile needs "
                    + g.minLatencySamples());
        }
        double ratio = f.candidateP99() / f.liveP99();
        return new Criterion(LATENCY, ratio <= g.maxLatencyRatio() ? Outcome.PASS : Outcome.FAIL, ratio,
                g.maxLatencyRatio(), String.format("p99 inference %.0f us (candidate) vs %.0f us (live)",
                        f.candidateP99() / 1e3, f.liveP99() / 1e3));
    }
}
