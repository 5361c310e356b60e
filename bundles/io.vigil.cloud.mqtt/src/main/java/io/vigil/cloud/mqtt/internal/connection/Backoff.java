package io.vigil.cloud.mqtt.internal.connection;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Reconnect delays: exponential growth from {@code min} to {@code max}, with "equal jitter" (half the nominal
 * delay fixed, the other half uniformly random), so that gateways that lost the same broker do not all come back
 * in the same second, yet none retries sooner than half its nominal delay. A successful connection resets it.
 * Not thread-safe; the connector thread owns it.
 */
final class Backoff {

    private final double minSeconds;
    private final double maxSeconds;
    private final DoubleSupplier random;
    private int failures;

    /**
     * @param random uniform in [0, 1)
     */
    Backoff(double minSeconds, double maxSeconds, DoubleSupplier random) {
        if (!(minSeconds > 0) || !(maxSeconds >= minSeconds) || Double.isInfinite(maxSeconds)) {
            throw new IllegalArgumentException("reconnect delays need 0 < reconnect.min.delay.seconds ("
                    + minSeconds + ") <= reconnect.max.delay.seconds (" + maxSeconds + ")");
        }
        this.minSeconds = minSeconds;
        this.maxSeconds = maxSeconds;
        this.random = random;
    }

    /** The delay before the next attempt, after one more failure. */
    Duration next() {
        double nominal = nominalSeconds(failures);
        failures = Math.min(failures + 1, 62);
        double delay = nominal / 2 + random.getAsDouble() * nominal / 2;
        return Duration.ofNanos((long) (delay * 1e9));
    }

    /** The nominal (jitter-free) delay after {@code failures} failures: min * 2^failures, capped at max. */
    double nominalSeconds(int failures) {
        return Math.min(maxSeconds, minSeconds * Math.pow(2, failures));
    }

    void reset() {
        failures = 0;
    }

    int failures() {
        return failures;
    }
}
