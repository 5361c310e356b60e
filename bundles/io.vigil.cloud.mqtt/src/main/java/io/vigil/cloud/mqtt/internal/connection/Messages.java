package io.vigil.cloud.mqtt.internal.connection;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;

import io.vigil.api.asset.AssetStatus;
import io.vigil.api.asset.ChannelStatus;
import io.vigil.cloud.mqtt.internal.kura.KuraPayload;

/** Kura payloads of Vigil's events and asset metrics (alerts: {@code KuraMetrics.alert}). */
final class Messages {

    /** Metric naming the EventAdmin topic of an event message. */
    static final String EVENT_TOPIC = "vigil.event";

    private Messages() {
    }

    /**
     * Every property of the event as a metric of the same name: strings, numbers and booleans as such, arrays and
     * collections as comma-separated strings, anything else by its string form. The payload timestamp is the
     * event's {@code timestamp} property when it is a number, else now.
     */
    static KuraPayload event(Event event) {
        KuraPayload.Builder b = KuraPayload.builder();
        Object ts = event.getProperty("timestamp");
        b.timestamp(ts instanceof Number n ? n.longValue() : System.currentTimeMillis());
        b.metric(EVENT_TOPIC, event.getTopic());
        for (String name : event.getPropertyNames()) {
            if (name.equals(EventConstants.EVENT_TOPIC)) {
                continue;
            }
            Object v = event.getProperty(name);
            if (v instanceof String s) {
                b.metric(name, s);
            } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
                b.metric(name, ((Number) v).longValue());
            } else if (v instanceof Double || v instanceof Float) {
                b.metric(name, ((Number) v).doubleValue());
            } else if (v instanceof Boolean bool) {
                b.metric(name, bool);
            } else if (v != null) {
                b.metric(name, text(v));
            }
        }
        return b.build();
    }

    private static String text(Object v) {
        List<String> items = new ArrayList<>();
        if (v.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(v); i++) {
                items.add(String.valueOf(Array.get(v, i)));
            }
            return String.join(",", items);
        }
        if (v instanceof Collection<?> c) {
            c.forEach(o -> items.add(String.valueOf(o)));
            return String.join(",", items);
        }
        return v.toString();
    }

    /**
     * An asset's counters: {@code drivers}, then for each channel {@code <channel>.<counter>}: samples, windows,
     * windows_discarded, model, model_windows, model_errors, threshold, observed_anomaly_rate,
     * target_false_alarm_rate, alert_active, stalled, detector_state.
     */
    static KuraPayload asset(AssetStatus a, long now) {
        KuraPayload.Builder b = KuraPayload.builder().timestamp(now).metric("asset", a.assetId())
                .metric("drivers", a.drivers());
        for (ChannelStatus c : a.channels()) {
            String p = c.channel() + ".";
            b.metric(p + "samples", c.samples()).metric(p + "windows", c.windows())
                    .metric(p + "windows_discarded", c.windowsDiscarded())
                    .metric(p + "model", c.model() == null ? "" : c.model())
                    .metric(p + "model_windows", c.modelWindows()).metric(p + "model_errors", c.modelErrors())
                    .metric(p + "threshold", c.threshold()).metric(p + "observed_anomaly_rate", c.observedAnomalyRate())
                    .metric(p + "target_false_alarm_rate", c.targetFalseAlarmRate())
                    .metric(p + "alert_active", c.alertActive()).metric(p + "stalled", c.stalled())
                    .metric(p + "detector_state", String.valueOf(c.detectorState()));
        }
        return b.build();
    }
}
