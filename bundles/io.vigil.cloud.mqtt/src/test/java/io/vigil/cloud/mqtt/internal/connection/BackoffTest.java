package io.vigil.cloud.mqtt.internal.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void delaysDoubleFromTheMinimumUpToTheMaximum() {
        Backoff b = new Backoff(1, 60, () -> 1.0 - Math.ulp(1.0)); // jitter at its top: the nominal delay
        long[] expectedSeconds = { 1, 2, 4, 8, 16, 32, 60, 60, 60 };
        for (long s : expectedSeconds) {
            assertEquals(s * 1000, b.next().toMillis(), 1, "after " + b.failures() + " failure(s)");
        }
    }

    @Test
    void jitterKeepsEveryDelayBetweenHalfTheNominalAndTheNominal() {
        Random r = new Random(42);
        Backoff b = new Backoff(2, 30, r::nextDouble);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            double nominal = b.nominalSeconds(b.failures());
            Duration d = b.next();
            assertTrue(d.toNanos() >= (long) (nominal / 2 * 1e9) && d.toNanos() <= (long) (nominal * 1e9),
                    d + " outside [" + nominal / 2 + ", " + nominal + "] s");
            seen.add(d.toMillis());
        }
        assertTrue(seen.size() > 100, "jitter spreads the delays, got only " + seen.size() + " distinct values");
    }

    @Test
    void aSuccessfulConnectionStartsOverAtTheMinimum() {
        Backoff b = new Backoff(1, 60, () -> 0.0);
        b.next();
        b.next();
        b.next();
        b.reset();
        assertEquals(500, b.next().toMillis(), "jitter 0 gives half of the first nominal delay");
    }

    @Test
    void badDelaysAreRefusedNamingTheSettings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10, () -> 0));
        assertTrue(e.getMessage().contains("reconnect.min.delay.seconds (0.0)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Backoff(10, 5, () -> 0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(1, Double.POSITIVE_INFINITY, () -> 0));
    }
}
