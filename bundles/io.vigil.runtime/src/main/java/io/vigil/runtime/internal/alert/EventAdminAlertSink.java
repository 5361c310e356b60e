package io.vigil.runtime.internal.alert;

import java.util.HashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertEvents;
import io.vigil.api.alert.AlertSink;

/** Posts every alert state change on EventAdmin as {@code vigil/alert/RAISED} or {@code vigil/alert/CLEARED}. */
@Component(service = AlertSink.class)
public final class EventAdminAlertSink implements AlertSink {

    private final EventAdmin eventAdmin;

    @Activate
    public EventAdminAlertSink(@Reference EventAdmin eventAdmin) {
        this.eventAdmin = eventAdmin;
    }

    @Override
    public void onAlert(Alert a) {
        Map<String, Object> p = new HashMap<>();
        p.put(AlertEvents.ID, a.id());
        p.put(AlertEvents.ASSET, a.assetId());
        p.put(AlertEvents.CHANNEL, a.channel());
        p.put(AlertEvents.SOURCE_MODEL, a.source().name());
        p.put(AlertEvents.SOURCE_VERSION, a.source().version());
        p.put(AlertEvents.SEVERITY, a.severity().name());
        p.put(AlertEvents.STATE, a.state().name());
        p.put(AlertEvents.SCORE, a.score());
        p.put(AlertEvents.THRESHOLD, a.threshold());
        p.put(AlertEvents.RAISED_AT, a.raisedAtEpochMillis());
        p.put(AlertEvents.TIMESTAMP, a.timestampEpochMillis());
        p.put(AlertEvents.WINDOW_SEQ, a.windowSeq());
        p.put(AlertEvents.MESSAGE, a.message());
        eventAdmin.postEvent(new Event(AlertEvents.TOPIC_PREFIX + a.state().name(), p));
    }
}
