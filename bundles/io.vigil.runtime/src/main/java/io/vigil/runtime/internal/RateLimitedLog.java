package io.vigil.runtime.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * At most one log line per key per interval; the lines swallowed in between are counted in the next one.
 * A driver spewing NaN at 12 kHz must not fill the disk of an unattended gateway.
 */
public final class RateLimitedLog {

    private final Logger logger;
    private final long intervalNanos;
    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();

    private static final class Entry {
        long lastNanoTime;
        long suppressed;
    }

    public RateLimitedLog(Logger logger, long intervalNanos) {
        this.logger = logger;
        this.intervalNanos = intervalNanos;
    }

    /** Logs the message unless a line with the same key went out less than an interval ago. */
    public void log(Level level, String key, Supplier<String> message) {
        log(level, key, message, null);
    }

    public void log(Level level, String key, String message, Throwable error) {
        log(level, key, () -> message, error);
    }

    /** The message is built only when the line is written. */
    public void log(Level level, String key, Supplier<String> message, Throwable error) {
        long now = System.nanoTime();
        Entry e = entries.computeIfAbsent(key, k -> {
            Entry fresh = new Entry();
            fresh.lastNanoTime = now - intervalNanos;
            return fresh;
        });
        long suppressed;
        synchronized (e) {
            if (now - e.lastNanoTime < intervalNanos) {
                e.suppressed++;
                return;
            }
            e.lastNanoTime = now;
            suppressed = e.suppressed;
            e.suppressed = 0;
        }
        String line = suppressed == 0 ? message.get() : message.get() + " (" + suppressed + " similar suppressed)";
        if (error == null) {
            logger.log(level, line);
        } else {
            logger.log(level, line, error);
        }
    }
}
