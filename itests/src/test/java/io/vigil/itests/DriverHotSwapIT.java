package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;

import java.time.Duration;
import java.util.Map;

import org.junit.Test;
import org.osgi.framework.Bundle;

import io.vigil.api.asset.ChannelStatus;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.sensor.InputFault;

/** A driver bundle is stopped, updated and started in the running container; the pipeline recovers. */
public class DriverHotSwapIT extends VigilTestSupport {

    @Test
    public void pipelineRecoversFromDriverStopUpdateStartWithoutRestart() throws Exception {
        factoryConfig("io.vigil.runtime.asset", Map.of("vigil.asset", "swap", "commissioning.seconds", "1",
                "min.commissioning.windows", "20"));
        factoryConfig("io.vigil.driver.sim", Map.of("vigil.asset", "swap"));
        awaitAsset("swap");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> channel("swap", "vibration").detectorState() == DetectorState.ARMED);

        // a service registered before the swap outlives it only if the framework is never restarted
        var marker = context.registerService(Runnable.class, () -> { }, null);
        Bundle driver = installedBundle("io.vigil.driver.sim");
        driver.stop();
        assertEquals(0, pipelines.asset("swap").orElseThrow().drivers());
        long samplesWhileStopped = channel("swap", "vibration").samples();

        driver.update(); // re-reads the bundle from its location: a new revision of the driver
        driver.start();
        awaitAsset("swap");
        ChannelStatus after = await().atMost(Duration.ofSeconds(20)).until(() -> channel("swap", "vibration"),
                c -> c.samples() > samplesWhileStopped + 12_000 && c.windows() > 0);

        assertEquals(Bundle.ACTIVE, driver.getState());
        assertEquals("the learned baseline survives the driver update", DetectorState.ARMED, after.detectorState());
        assertEquals("a driver restart is not a data gap", 0L, (long) after.faults().get(InputFault.GAP));
        assertEquals("same framework, never restarted", marker.getReference(),
                context.getServiceReference(Runnable.class));
        assertEquals(Bundle.ACTIVE, installedBundle("io.vigil.runtime").getState());
        marker.unregister();
    }
}
