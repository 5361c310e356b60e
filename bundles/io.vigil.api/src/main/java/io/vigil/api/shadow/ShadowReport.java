package io.vigil.api.shadow;

import java.util.List;
import java.util.Objects;

/**
 * A shadow comparison as of {@code updatedEpochMillis}: what was compared, how the two models differ, and what
 * the promotion gate made of it. Rates and statistics are NaN while there is nothing to compute them from.
 *
 * <p>Every window of the asset that carries the features the candidate expects counts in {@code windowsSeen}. Once
 * the candidate has caught up, {@code windowsSeen = windowsCompared + windowsNotEscalated + windowsSkipped +
 * candidateErrors}; the difference is the windows still queued. Windows are compared where the candidate would
 * act if it were live: those the pipeline escalated to tier-1 (every window in {@code EVERY_WINDOW} mode). On the
 * others tier-0 decides with either model, so they say nothing about the candidate and are only counted. A window
 * "alerts" when its verdict is anomalous; an alert is raised after {@code raise.after} such windows in a row, so
 * per-window rates bound how often each model would push towards an alert.
 *
 * @param assetId the asset
 * @param candidate the candidate, {@code name:version}
 * @param live the live tier-1 model that scored the latest compared window it scored, {@code name:version}; empty
 *        while no live model scored a compared window (tier-0 alone, or nothing escalated yet)
 * @param state where the comparison stands
 * @param reason why it ended or what the operator said; empty while running without remark
 * @param promotion {@code AUTOMATIC} or {@code OPERATOR}: who promotes a READY candidate
 * @param startedEpochMillis when the comparison started
 * @param updatedEpochMillis when this report was computed
 * @param endedEpochMillis when it ended, 0 while it runs; a rolled back comparison keeps the time of its promotion
 *        (the rollback's time is {@code updatedEpochMillis})
 * @param windowsSeen windows handed to the comparison
 * @param windowsCompared escalated windows the candidate scored and compared with the live verdict
 * @param windowsNotEscalated windows tier-0 decided alone on the live side (and would after promotion)
 * @param windowsSkipped windows dropped because the candidate fell behind; the live model never waits for it
 * @param candidateErrors windows on which the candidate threw or scored NaN or infinity
 * @param alerts the 2x2 table of live and candidate verdicts over the compared windows
 * @param agreement fraction of compared windows on which both decided alike
 * @param agreementLow lower bound of the agreement's Wilson confidence interval
 * @param liveAlertRate fraction of compared windows the live side found anomalous
 * @param candidateAlertRate fraction the candidate found anomalous
 * @param rateDifference candidate minus live alert rate
 * @param rateDifferenceLow lower bound of the difference's confidence interval (Agresti-Min, paired; level
 *        1 - the gate's significance)
 * @param rateDifferenceHigh upper bound
 * @param rateDifferencePValue two-sided exact McNemar p-value of the difference (the windows are paired)
 * @param scores how the candidate's score distribution differs from the live model's, over windows both scored
 * @param liveLatency the live tier-1 model's inference time on the compared windows
 * @param candidateLatency the candidate's
 * @param latencyRatio candidate p99 over live p99; NaN when the live side ran no model
 * @param criteria every gate criterion as last evaluated: only errors before the gate's minimum windows and
 *        duration; a criterion neither passed nor failed yet (the evidence does not decide it) counts as not passed
 *        and keeps the comparison SHADOWING
 * @param rollbackTarget after promotion, the model the asset's configuration served before it ({@code name:version},
 *        {@code tier0}, or the configured name and range when no installed model matched); empty when the promotion
 *        was only completed at the next start. Kept when the promotion is rolled back, then naming what the asset
 *        went back to
 * @param promotedBy after promotion, who promoted ({@code gate} when automatic)
 * @param forced whether the promotion overrode the gate
 */
public record ShadowReport(String assetId, String candidate, String live, ShadowState state, String reason,
        String promotion, long startedEpochMillis, long updatedEpochMillis, long endedEpochMillis, long windowsSeen,
        long windowsCompared, long windowsNotEscalated, long windowsSkipped, long candidateErrors, AlertTable alerts, double agreement,
        double agreementLow, double liveAlertRate, double candidateAlertRate, double rateDifference, double rateDifferenceLow,
        double rateDifferenceHigh, double rateDifferencePValue, ScoreShift scores, Latency liveLatency,
        Latency candidateLatency, double latencyRatio, List<Criterion> criteria, String rollbackTarget,
        String promotedBy, boolean forced) {

    public ShadowReport {
        Objects.requireNonNull(assetId, "assetId");
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(state, "state");
        criteria = List.copyOf(criteria);
    }

    /** @return the names of the gate criteria that failed */
    public List<String> failedCriteria() {
        return criteria.stream().filter(c -> c.outcome() == Outcome.FAIL).map(Criterion::name).toList();
    }

    /** What the evidence says about one gate criterion. */
    public enum Outcome {
        /** Met with the configured confidence. */
        PASS,
        /** Violated with the configured confidence: the candidate is rejected. */
        FAIL,
        /** Not enough evidence either way yet: the comparison goes on. */
        UNDECIDED
    }

    /**
     * Live versus candidate verdicts over the compared windows.
     *
     * @param both both anomalous
     * @param liveOnly only the live side anomalous
     * @param candidateOnly only the candidate anomalous
     * @param neither both normal
     */
    public record AlertTable(long both, long liveOnly, long candidateOnly, long neither) {

        public long total() {
            return both + liveOnly + candidateOnly + neither;
        }
    }

    /**
     * Score distribution shift over the windows both models scored (the latest ones, up to a bound).
     *
     * @param pairs windows the statistics were computed from
     * @param psi population stability index of the candidate's scores against the live model's deciles
     * @param ksStatistic two-sample Kolmogorov-Smirnov distance
     * @param ksPValue its p-value (descriptive: the pairs are not independent samples)
     */
    public record ScoreShift(long pairs, double psi, double ksStatistic, double ksPValue) {
    }

    /**
     * Inference latency over the latest windows, up to a bound.
     *
     * @param samples windows measured
     * @param p50Micros median, microseconds
     * @param p99Micros 99th percentile, microseconds
     */
    public record Latency(long samples, double p50Micros, double p99Micros) {
    }

    /**
     * One promotion gate criterion.
     *
     * @param name e.g. {@code alert-rate-increase}, {@code agreement}, {@code errors}
     * @param outcome passed, failed, or undecided
     * @param observed the observed value
     * @param limit the configured limit
     * @param detail a sentence an operator can act on
     */
    public record Criterion(String name, Outcome outcome, double observed, double limit, String detail) {

        public boolean passed() {
            return outcome == Outcome.PASS;
        }
    }
}
