package io.vigil.driver.sim.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Logs a recurring problem once per interval per key, with the number of repeats suppressed since. A listener that
 * throws on every block would otherwise write dozens of stack traces a second and fill a gateway's flash.
 */
final class RateLimitedLog {

    private static final class Entry {
        long lastLoggedNanos;
        boolean logged;
        long suppressed;
    }

    private final Logger logger;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    RateLimitedLog(Logger logger, long intervalNanos, LongSupplier nanoClock) {
        this.logger = logger;
        this.intervalNanos = intervalNanos;
        this.nanoClock = nanoClock;
    }

    /** @return whether the message was logged, rather than suppressed */
    boolean warn(String key, Supplier<String> message, Throwable error) {
        long now = nanoClock.getAsLong();
        Entry entry = entries.computeIfAbsent(key, k -> new Entry());
        long suppressed;
        synchronized (entry) {
            if (entry.logged && now - entry.lastLoggedNanos < intervalNanos) {
                entry.suppressed++;
                return false;
            }
            suppressed = entry.suppressed;
            entry.suppressed = 0;
            entry.logged = true;
            entry.lastLoggedNanos = now;
        }
        String text = message.get();
        if (suppressed > 0) {
            text += " (repeated " + suppressed + " times since the last report)";
        }
        logger.log(Level.WARNING, text, error);
        return true;
    }

    /** Drops the history of {@code key}, once the thing it reported on is gone. */
    void forget(String key) {
        entries.remove(key);
    }
}
