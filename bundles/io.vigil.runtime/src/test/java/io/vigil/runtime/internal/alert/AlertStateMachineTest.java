package io.vigil.runtime.internal.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertState;
import io.vigil.api.alert.Severity;
import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.detect.ModelRef;

class AlertStateMachineTest {

    private long seq;
    private final List<Alert> alerts = new ArrayList<>();

    private void feed(AlertStateMachine m, double... scores) {
        for (double s : scores) {
            Detection d = new Detection("pump-1", "vibration", seq++, 0, new ModelRef("tier0", "1"),
                    DetectorState.ARMED, s, 1.0, s > 1.0, 0, 0);
            m.onDetection(d, 1000 + seq).ifPresent(alerts::add);
        }
    }

    @Test
    void raisesAfterNAnomalousWindowsInARow() {
        AlertStateMachine m = new AlertStateMachine(3, 2);
        feed(m, 5, 5, 0.5, 5, 5, 0.5); // never three in a row
        assertTrue(alerts.isEmpty(), "interrupted runs must not raise: " + alerts);
        feed(m, 5, 5);
        assertTrue(alerts.isEmpty());
        feed(m, 5);
        assertEquals(1, alerts.size());
        Alert raised = alerts.get(0);
        assertEquals(AlertState.RAISED, raised.state());
        assertEquals(Severity.CRITICAL, raised.severity(), "mean exceedance 5x");
        assertEquals(8, raised.windowSeq());
        assertTrue(m.active());
        feed(m, 5, 5, 5);
        assertEquals(1, alerts.size(), "an active alert is not raised again");
    }

    @Test
    void clearsAfterMNormalWindowsInARow() {
        AlertStateMachine m = new AlertStateMachine(1, 3);
        feed(m, 1.5);
        feed(m, 0.5, 0.5, 1.5, 0.5, 0.5);
        assertEquals(1, alerts.size(), "two quiet windows then a loud one do not clear");
        feed(m, 0.5);
        assertEquals(2, alerts.size());
        Alert cleared = alerts.get(1);
        assertEquals(AlertState.CLEARED, cleared.state());
        assertEquals(alerts.get(0).id(), cleared.id(), "raise and clear share the episode id");
        assertEquals(alerts.get(0).raisedAtEpochMillis(), cleared.raisedAtEpochMillis());
        assertEquals(Severity.MINOR, cleared.severity(), "1.5x exceedance, repeated on the clear");
        assertFalse(m.active());
    }

    @Test
    void oneNoisyWindowIsNotAnAlarm() {
        AlertStateMachine m = new AlertStateMachine(3, 5);
        feed(m, 0.5, 0.5, 50, 0.5, 0.5);
        assertTrue(alerts.isEmpty());
    }

    @Test
    void hysteresisChangesLive() {
        AlertStateMachine m = new AlertStateMachine(5, 5);
        feed(m, 5, 5);
        m.setHysteresis(2, 5);
        feed(m, 5);
        assertEquals(1, alerts.size(), "the run so far counts against the new limit");
        assertThrows(IllegalArgumentException.class, () -> m.setHysteresis(0, 5));
    }
}
