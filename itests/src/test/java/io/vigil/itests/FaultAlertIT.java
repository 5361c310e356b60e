package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.Test;
import org.osgi.service.event.Event;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertEvents;
import io.vigil.api.alert.AlertJournal;
import io.vigil.api.alert.AlertState;
import io.vigil.api.detect.DetectorState;

/** A simulated machine develops a bearing fault: the alert is raised, then cleared when the fault ends. */
public class FaultAlertIT extends VigilTestSupport {

    @Inject
    AlertJournal journal;

    @Test
    public void bearingFaultRaisesAnAlertThatClearsWhenTheFaultEnds() throws Exception {
        List<Event> events = collectEvents(AlertEvents.TOPIC_PREFIX + "*");
        factoryConfig("io.vigil.runtime.asset", Map.of("vigil.asset", "faulty", "commissioning.seconds", "2",
                "min.commissioning.windows", "20", "target.false.alarm.rate", "0.0001"));
        factoryConfig("io.vigil.runtime.asset", Map.of("vigil.asset", "healthy", "commissioning.seconds", "2",
                "min.commissioning.windows", "20", "target.false.alarm.rate", "0.0001"));
        factoryConfig("io.vigil.driver.sim", Map.of("vigil.asset", "faulty", "fault.type", "OUTER_RACE",
                "fault.severity", "0.8", "fault.start.s", "5", "fault.end.s", "12", "seed", "7"));
        factoryConfig("io.vigil.driver.sim", Map.of("vigil.asset", "healthy", "seed", "8"));

        awaitAsset("faulty");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> channel("faulty", "vibration").detectorState() == DetectorState.ARMED);

        List<Event> raised = await().atMost(Duration.ofSeconds(30))
                .until(() -> alertsFor(events, "faulty", "RAISED"), l -> !l.isEmpty());
        Event raise = raised.get(0);
        assertEquals("vibration", raise.getProperty(AlertEvents.CHANNEL));
        assertEquals("tier0", raise.getProperty(AlertEvents.SOURCE_MODEL));
        assertTrue((Double) raise.getProperty(AlertEvents.SCORE) > (Double) raise.getProperty(AlertEvents.THRESHOLD));

        List<Event> cleared = await().atMost(Duration.ofSeconds(40))
                .until(() -> alertsFor(events, "faulty", "CLEARED"), l -> !l.isEmpty());
        assertEquals(raise.getProperty(AlertEvents.ID), cleared.get(0).getProperty(AlertEvents.ID));
        assertEquals(1, alertsFor(events, "faulty", "RAISED").size());
        assertTrue("the healthy machine beside it raised nothing: " + alertsFor(events, "healthy", "RAISED"),
                alertsFor(events, "healthy", "RAISED").isEmpty());

        // the same raise and clear are in the journal on disk
        String id = (String) raise.getProperty(AlertEvents.ID);
        List<Alert> journaled = await().atMost(Duration.ofSeconds(5)).until(
                () -> journal.recent(100).stream().filter(a -> a.id().equals(id)).toList(), l -> l.size() == 2);
        assertEquals(AlertState.RAISED, journaled.get(0).state());
        assertEquals(AlertState.CLEARED, journaled.get(1).state());
    }
}
