package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.event.Event;

import io.vigil.api.alert.AlertEvents;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.sensor.SensorDriver;

/** Configuration changes through ConfigAdmin apply to the running components, without re-creating them. */
public class ConfigChangeIT extends VigilTestSupport {

    @Test
    public void faultInjectedThroughConfigAdminRaisesAnAlertOnTheRunningDriver() throws Exception {
        List<Event> events = collectEvents(AlertEvents.TOPIC_PREFIX + "*");
        Configuration pipeline = factoryConfig("io.vigil.runtime.asset", Map.of("vigil.asset", "live",
                "commissioning.seconds", "1", "min.commissioning.windows", "20", "raise.after", "3"));
        Configuration sim = factoryConfig("io.vigil.driver.sim", Map.of("vigil.asset", "live", "seed", "3"));
        awaitAsset("live");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> channel("live", "vibration").detectorState() == DetectorState.ARMED);
        ServiceReference<SensorDriver> before = awaitService(SensorDriver.class, "(vigil.asset=live)");
        long driverServiceId = (Long) before.getProperty(Constants.SERVICE_ID);

        // the pipeline's hysteresis changes live: no recommissioning
        Dictionary<String, Object> p = pipeline.getProperties();
        p.put("raise.after", "2");
        pipeline.update(p);
        // and a fault is injected into the running simulator, starting now
        Dictionary<String, Object> s = sim.getProperties();
        s.put("fault.type", "INNER_RACE");
        s.put("fault.severity", "0.9");
        s.put("fault.start.s", "0");
        sim.update(s);

        await().atMost(Duration.ofSeconds(30)).until(() -> !alertsFor(events, "live", "RAISED").isEmpty());
        ServiceReference<SensorDriver> after = awaitService(SensorDriver.class, "(vigil.asset=live)");
        assertEquals("the driver component was modified in place, not re-created", driverServiceId,
                (long) (Long) after.getProperty(Constants.SERVICE_ID));
        assertEquals("INNER_RACE", after.getProperty("fault.type"));
        assertEquals("the pipeline kept its baseline", DetectorState.ARMED,
                channel("live", "vibration").detectorState());
        assertTrue(channel("live", "vibration").alertActive());
    }
}
