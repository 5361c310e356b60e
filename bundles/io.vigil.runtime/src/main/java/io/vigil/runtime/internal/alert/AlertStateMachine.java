package io.vigil.runtime.internal.alert;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertState;
import io.vigil.api.alert.Severity;
import io.vigil.api.detect.Detection;

/**
 * Hysteresis between window verdicts and alerts: an alert is raised after {@code raiseAfter} anomalous windows
 * in a row and cleared after {@code clearAfter} normal windows in a row, so one noisy window is not an alarm
 * and one quiet window does not end one. Not thread-safe: one per channel, called under its lock.
 */
public final class AlertStateMachine {

    private volatile int raiseAfter;
    private volatile int clearAfter;

    private int anomalousRun;
    private int normalRun;
    private double runExceedanceSum;
    private Alert raised;

    public AlertStateMachine(int raiseAfter, int clearAfter) {
        setHysteresis(raiseAfter, clearAfter);
    }

    /** Changes the hysteresis live; the current runs keep counting against the new limits. */
    public void setHysteresis(int raiseAfter, int clearAfter) {
        if (raiseAfter < 1) {
            throw new IllegalArgumentException("raise_after must be >= 1 window, got " + raiseAfter);
        }
        if (clearAfter < 1) {
            throw new IllegalArgumentException("clear_after must be >= 1 window, got " + clearAfter);
        }
        this.raiseAfter = raiseAfter;
        this.clearAfter = clearAfter;
    }

    /** @return the alert state change this verdict causes, if any */
    public Optional<Alert> onDetection(Detection d, long nowEpochMillis) {
        if (d.anomalous()) {
            normalRun = 0;
            if (anomalousRun == 0) {
                runExceedanceSum = 0;
            }
            anomalousRun++;
            runExceedanceSum += d.score() / d.threshold();
            if (raised == null && anomalousRun >= raiseAfter) {
                Severity severity = Severity.ofExceedance(runExceedanceSum / anomalousRun);
                raised = new Alert(newId(), d.assetId(), d.channel(), d.source(), severity, AlertState.RAISED,
                        d.score(), d.threshold(), nowEpochMillis, nowEpochMillis, d.windowSeq(),
                        d.assetId() + "/" + d.channel() + ": " + d.source().name() + " score " + twoDecimals(d.score())
                                + " above threshold " + twoDecimals(d.threshold()) + " for " + anomalousRun
                                + " windows");
                return Optional.of(raised);
            }
            return Optional.empty();
        }
        anomalousRun = 0;
        normalRun++;
        if (raised != null && normalRun >= clearAfter) {
            Alert cleared = new Alert(raised.id(), raised.assetId(), raised.channel(), raised.source(),
                    raised.severity(), AlertState.CLEARED, d.score(), d.threshold(), raised.raisedAtEpochMillis(),
                    nowEpochMillis, d.windowSeq(), d.assetId() + "/" + d.channel() + ": back to normal for "
                            + normalRun + " windows");
            raised = null;
            return Optional.of(cleared);
        }
        return Optional.empty();
    }

    /**
     * Ends an active alert without a normal window, because the channel that raised it is going away (rebuilt
     * with new settings): an alert must not stay open forever in the journal and upstream.
     */
    public Optional<Alert> abandon(String why, long nowEpochMillis) {
        if (raised == null) {
            return Optional.empty();
        }
        Alert cleared = new Alert(raised.id(), raised.assetId(), raised.channel(), raised.source(), raised.severity(),
                AlertState.CLEARED, Double.NaN, raised.threshold(), raised.raisedAtEpochMillis(), nowEpochMillis,
                raised.windowSeq(), raised.assetId() + "/" + raised.channel() + ": cleared without a verdict: " + why);
        raised = null;
        anomalousRun = 0;
        normalRun = 0;
        return Optional.of(cleared);
    }

    /**
     * A random (version 4) UUID from the thread's fast generator. The id only has to be unique, not
     * unguessable, and {@link UUID#randomUUID()} would seed a SecureRandom on the sample path at the first alert.
     */
    private static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
        return new UUID(msb, lsb).toString();
    }

    /** String.format is slow and cold on a path that runs once per alert; this is all the message needs. */
    static String twoDecimals(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        return java.math.BigDecimal.valueOf(v).setScale(2, java.math.RoundingMode.HALF_UP).toPlainString();
    }

    public boolean active() {
        return raised != null;
    }
}
