package io.vigil.runtime.internal.alert;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertSink;
import io.vigil.api.alert.AlertState;
import io.vigil.api.alert.Severity;
import io.vigil.api.detect.ModelRef;

class AlertDispatcherTest {

    private static Alert alert(int i) {
        return new Alert("id-" + i, "pump-1", "vibration", new ModelRef("tier0", "1"), Severity.MAJOR,
                AlertState.RAISED, 3, 1, i, i, i, "m" + i);
    }

    @Test
    void aBlockedSinkDelaysNoOtherSinkAndEachGetsAlertsInOrder() throws InterruptedException {
        AlertDispatcher dispatcher = new AlertDispatcher();
        CountDownLatch release = new CountDownLatch(1);
        List<Alert> slow = new CopyOnWriteArrayList<>();
        List<Alert> fast = new CopyOnWriteArrayList<>();
        AlertSink blocked = a -> {
            try {
                release.await(10, TimeUnit.SECONDS); // a disk that hangs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            slow.add(a);
        };
        AlertSink failing = a -> {
            throw new IllegalStateException("broken sink");
        };
        dispatcher.bindSink(blocked);
        dispatcher.bindSink(failing);
        dispatcher.bindSink(fast::add);
        for (int i = 0; i < 5; i++) {
            dispatcher.publish(alert(i));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> fast.size() == 5);
        assertEquals(List.of(alert(0), alert(1), alert(2), alert(3), alert(4)), fast);
        assertEquals(0, slow.size(), "the blocked sink has not returned yet");
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> slow.size() == 5);
        assertEquals(fast, slow);
        dispatcher.deactivate();
        await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("vigil-alert-") && t.isAlive()));
    }
}
