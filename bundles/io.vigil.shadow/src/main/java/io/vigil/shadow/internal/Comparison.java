package io.vigil.shadow.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.vigil.api.detect.ScoredWindow;
import io.vigil.api.model.Model;
import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.model.ModelException;
import io.vigil.api.shadow.ShadowReport;
import io.vigil.api.shadow.ShadowReport.AlertTable;
import io.vigil.api.shadow.ShadowReport.Criterion;
import io.vigil.api.shadow.ShadowReport.Latency;
import io.vigil.api.shadow.ShadowReport.Outcome;
import io.vigil.api.shadow.ShadowReport.ScoreShift;
import io.vigil.api.shadow.ShadowState;

/**
 * One candidate shadowing one asset's live model. The live pipeline hands every window to {@link #offer}, which
 * only queues it: the candidate scores on a thread of its own, and when it falls behind by the queue's capacity
 * new windows are skipped and counted. The live model never waits for the candidate.
 *
 * <p>For each window the candidate gives the verdict the pipeline would have given with the candidate in the
 * live model's place: its own score on windows the live pipeline escalated to tier-1, tier-0's verdict on the
 * others. That verdict is compared with the one the pipeline acted on.
 */
final class Comparison {

    /** Told when the gate moves the comparison to READY or REJECTED; called on the comparison's thread. */
    interface GateListener {
        void decided(Comparison comparison, ShadowState state);
    }

    private static final Logger LOG = System.getLogger(Comparison.class.getName());
    /** Score pairs kept for the distribution statistics: the latest ones, enough for stable deciles. */
    static final int SCORE_PAIRS = 10_000;
    /** Latencies kept per side for the percentiles. */
    static final int LATENCIES = 4_096;
    /** The candidate's first runs pay for class loading and the engine's first allocations; they are not timed. */
    static final int WARM_UP_RUNS = 5;
    /** Thrown when the queue is full: shared and without a stack trace, it costs the live thread nothing. */
    private static final RejectedExecutionException FULL = new RejectedExecutionException("shadow queue full") {
        private static final long serialVersionUID = 1L;

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    };
    /** Compared windows between two full evaluations of the gate (errors are judged at once). */
    static final int EVALUATE_EVERY = 16;

    final String assetId;
    final Model candidate;
    final ModelDescriptor descriptor;
    final String candidateId;
    final GateSettings gate;
    private final long startedEpochMillis;
    private final long startedNanos;
    private final LongSupplier nanoClock;
    private final GateListener listener;
    private final ThreadPoolExecutor worker;

    private final AtomicLong seen = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();

    // written on the worker thread, read by reports: guarded by this
    private long compared;
    private long notEscalated;
    private long errors;
    private long both;
    private long liveOnly;
    private long candidateOnly;
    private long neither;
    private String live = "";
    private final double[] liveScores = new double[SCORE_PAIRS];
    private final double[] candidateScores = new double[SCORE_PAIRS];
    private long pairs;
    private final long[] liveNanos = new long[LATENCIES];
    private long liveTimed;
    private final long[] candidateNanos = new long[LATENCIES];
    private long candidateTimed;
    private long candidateRuns;
    private ShadowState state = ShadowState.SHADOWING;
    private List<Criterion> criteria = List.of();

    Comparison(String assetId, Model candidate, GateSettings gate, long startedEpochMillis, LongSupplier nanoClock,
            GateListener listener) {
        this.assetId = assetId;
        this.candidate = candidate;
        this.descriptor = candidate.descriptor();
        this.candidateId = descriptor.id();
        this.gate = gate;
        this.startedEpochMillis = startedEpochMillis;
        this.nanoClock = nanoClock;
        this.startedNanos = nanoClock.getAsLong();
        this.listener = listener;
        AtomicInteger n = new AtomicInteger();
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(gate.queueCapacity()),
                r -> {
                    Thread t = new Thread(r, "vigil-shadow-" + assetId + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, (r, executor) -> {
                    throw FULL;
                });
    }

    /**
     * Called on the live pipeline's thread for every window of the asset: queues it for the candidate, or counts
     * it skipped. Windows of channels without the candidate's features (another kind of sensor) are ignored.
     */
    void offer(ScoredWindow window) {
        if (!window.features().names().containsAll(descriptor.features())) {
            return;
        }
        seen.incrementAndGet();
        // the common overload case is answered without an exception; the handler covers the rare race
        if (worker.getQueue().remainingCapacity() == 0) {
            skipped.incrementAndGet();
            return;
        }
        try {
            worker.execute(() -> compare(window));
        } catch (RejectedExecutionException full) {
            skipped.incrementAndGet(); // behind by a whole queue, or shut down: either way not compared
        }
    }

    private void compare(ScoredWindow w) {
        if (!running()) {
            skipped.incrementAndGet();
            return;
        }
        if (!w.escalated()) {
            // tier-0 decided it live and would after promotion: nothing about the candidate to learn here
            synchronized (this) {
                notEscalated++;
            }
            return;
        }
        double score;
        long start = nanoClock.getAsLong();
        long nanos;
        try {
            score = candidate.score(List.of(w.features()))[0];
            nanos = nanoClock.getAsLong() - start;
        } catch (ModelException e) {
            if (e.reason() == ModelException.Reason.CLOSED) {
                skipped.incrementAndGet(); // the candidate is going away; the manager ends the comparison
                return;
            }
            failed(w, e.getMessage());
            return;
        } catch (RuntimeException | LinkageError e) {
            // a model bundle half gone (NoClassDefFoundError) or a native library problem is the candidate's fault,
            // and must not kill this thread silently
            failed(w, e.toString());
            return;
        }
        if (!Double.isFinite(score)) {
            failed(w, "scored " + score);
            return;
        }
        boolean liveAnomalous = w.verdict().anomalous();
        boolean candidateAnomalous = score > descriptor.threshold();
        ShadowState decided;
        synchronized (this) {
            compared++;
            if (liveAnomalous && candidateAnomalous) {
                both++;
            } else if (liveAnomalous) {
                liveOnly++;
            } else if (candidateAnomalous) {
                candidateOnly++;
            } else {
                neither++;
            }
            if (++candidateRuns > WARM_UP_RUNS) {
                candidateNanos[(int) (candidateTimed++ % LATENCIES)] = nanos;
                if (w.modelNanos() >= 0) {
                    liveNanos[(int) (liveTimed++ % LATENCIES)] = w.modelNanos();
                }
            }
            if (w.modelNanos() >= 0) {
                live = w.verdict().source().toString();
                int i = (int) (pairs++ % SCORE_PAIRS);
                liveScores[i] = w.verdict().score();
                candidateScores[i] = score;
            }
            // every window would sort the latency reservoirs; every 16th and the first mature one are enough
            decided = compared % EVALUATE_EVERY == 0 || compared == gate.minWindows() ? judge() : null;
        }
        if (decided != null) {
            listener.decided(this, decided);
        }
    }

    private void failed(ScoredWindow w, String why) {
        LOG.log(Level.WARNING, "asset " + assetId + ": candidate " + candidateId + " failed on window "
                + w.verdict().windowSeq() + " of channel " + w.verdict().channel() + ": " + why);
        ShadowState decided;
        synchronized (this) {
            errors++;
            decided = judge();
        }
        if (decided != null) {
            listener.decided(this, decided);
        }
    }

    /** Runs the gate; returns the new state when it changed. Called with the lock held. */
    private ShadowState judge() {
        if (!state.running()) {
            return null;
        }
        criteria = PromotionGate.evaluate(gate, figures());
        boolean failed = criteria.stream().anyMatch(c -> c.outcome() == Outcome.FAIL);
        boolean passed = criteria.size() > 1 && criteria.stream().allMatch(Criterion::passed);
        ShadowState next = failed ? ShadowState.REJECTED : passed ? ShadowState.READY : ShadowState.SHADOWING;
        if (next == state) {
            return null;
        }
        state = next;
        return next;
    }

    private PromotionGate.Figures figures() {
        return new PromotionGate.Figures(compared, errors, (nanoClock.getAsLong() - startedNanos) / 1e9,
                new AlertTable(both, liveOnly, candidateOnly, neither), Math.min(liveTimed, LATENCIES),
                percentile(liveNanos, liveTimed, 99), Math.min(candidateTimed, LATENCIES),
                percentile(candidateNanos, candidateTimed, 99));
    }

    synchronized ShadowState state() {
        return state;
    }

    synchronized boolean running() {
        return state.running();
    }

    /**
     * Ends the comparison in a terminal state decided outside the gate (operator, promotion, a candidate gone),
     * and stops its thread once the window in progress is done.
     *
     * @return false when it had already ended
     */
    boolean end(ShadowState terminal) {
        synchronized (this) {
            if (!state.running()) {
                return false;
            }
            state = terminal;
        }
        worker.shutdown();
        return true;
    }

    /** Stops the comparison's thread; windows still queued are counted skipped. */
    void close() {
        synchronized (this) {
            if (state.running()) {
                state = ShadowState.STOPPED;
            }
        }
        skipped.addAndGet(worker.shutdownNow().size());
        try {
            if (!worker.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "asset " + assetId + ": the shadow thread of " + candidateId
                        + " did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The report as of now.
     *
     * @param base what the manager adds: state-independent facts (promotion mode, ended time, rollback target)
     */
    synchronized ShadowReport report(long nowEpochMillis, ReportExtras base) {
        AlertTable table = new AlertTable(both, liveOnly, candidateOnly, neither);
        double n = compared;
        double liveRate = n == 0 ? Double.NaN : (both + liveOnly) / n;
        double candidateRate = n == 0 ? Double.NaN : (both + candidateOnly) / n;
        double agreement = n == 0 ? Double.NaN : (both + neither) / n;
        double confidence = 1 - gate.significance();
        double[] interval = ShadowStatistics.pairedDifferenceInterval(both, liveOnly, candidateOnly, neither,
                confidence);
        double[] agreementInterval = ShadowStatistics.wilsonInterval(both + neither, compared, confidence);
        int k = (int) Math.min(pairs, SCORE_PAIRS);
        double[] ls = Arrays.copyOf(liveScores, k);
        double[] cs = Arrays.copyOf(candidateScores, k);
        double[] ks = ShadowStatistics.kolmogorovSmirnov(ls, cs);
        ScoreShift shift = new ScoreShift(k, ShadowStatistics.populationStabilityIndex(ls, cs, 10), ks[0], ks[1]);
        Latency liveLatency = latency(liveNanos, liveTimed);
        Latency candidateLatency = latency(candidateNanos, candidateTimed);
        double ratio = liveLatency.samples() == 0 || candidateLatency.samples() == 0 ? Double.NaN
                : candidateLatency.p99Micros() / liveLatency.p99Micros();
        return new ShadowReport(assetId, candidateId, live, state, base.reason(), gate.promotion().name(),
                startedEpochMillis, nowEpochMillis, base.endedEpochMillis(), seen.get(), compared, notEscalated,
                skipped.get(), errors, table, agreement, agreementInterval[0], liveRate, candidateRate,
                n == 0 ? Double.NaN : candidateRate - liveRate, interval[0], interval[1],
                ShadowStatistics.mcNemarExactPValue(liveOnly, candidateOnly), shift, liveLatency, candidateLatency,
                ratio, criteria, base.rollbackTarget(), base.promotedBy(), base.forced());
    }

    /** Windows handed to the comparison so far (compared, skipped or failed, or still queued). */
    long seen() {
        return seen.get();
    }

    private static Latency latency(long[] nanos, long timed) {
        int count = (int) Math.min(timed, nanos.length);
        return new Latency(count, ShadowStatistics.percentile(nanos, count, 50) / 1e3,
                ShadowStatistics.percentile(nanos, count, 99) / 1e3);
    }

    private static double percentile(long[] nanos, long timed, double p) {
        return ShadowStatistics.percentile(nanos, (int) Math.min(timed, nanos.length), p);
    }

    /** What the manager knows about a comparison beyond its figures. */
    record ReportExtras(String reason, long endedEpochMillis, String rollbackTarget, String promotedBy,
            boolean forced) {
        static final ReportExtras NONE = new ReportExtras("", 0, "", "", false);
    }
}
