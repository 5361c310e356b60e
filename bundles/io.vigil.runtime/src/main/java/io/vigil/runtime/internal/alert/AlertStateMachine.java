package io.vigil.runtime.internal.alert;

import java.util.Optional;
import java.util.UUID;

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
                raised = new Alert(UUID.randomUUID().toString(), d.assetId(), d.channel(), d.source(), severity,
                        AlertState.RAISED, d.score(), d.threshold(), nowEpochMillis, nowEpochMillis, d.windowSeq(),
                        String.format("%s/%s: %s score %.2f above threshold %.2f for %d windows", d.assetId(),
                                d.channel(), d.source().name(), d.score(), d.threshold(), anomalousRun));
                return Optional.of(raised);
            }
            return Optional.empty();
        }
        anomalousRun = 0;
        normalRun++;
        if (raised != null && normalRun >= clearAfter) {
            Alert cleared = new Alert(raised.id(), raised.assetId(), raised.channel(), raised.source(),
                    raised.severity(), AlertState.CLEARED, d.score(), d.threshold(), raised.raisedAtEpochMillis(),
                    nowEpochMillis, d.windowSeq(), String.format("%s/%s: back to normal for %d windows",
                            d.assetId(), d.channel(), normalRun));
            raised = null;
            return Optional.of(cleared);
        }
        return Optional.empty();
    }

    public boolean active() {
        return raised != null;
    }
}
