package io.vigil.driver.sim.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.System.Logger;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class RateLimitedLogTest {

    /** Keeps what would have been logged. */
    private static final class CapturingLogger implements Logger {
        final List<String> messages = new ArrayList<>();

        @Override
        public String getName() {
            return "capture";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            messages.add(level + " " + msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            messages.add(level + " " + MessageFormat.format(format, params));
        }
    }

    @Test
    void logsOncePerIntervalAndCountsTheRepeats() {
        CapturingLogger logger = new CapturingLogger();
        AtomicLong now = new AtomicLong();
        RateLimitedLog log = new RateLimitedLog(logger, 1000, now::get);
        RuntimeException error = new RuntimeException("boom");

        assertTrue(log.warn("a", () -> "listener failed", error));
        now.addAndGet(10);
        assertFalse(log.warn("a", () -> "listener failed", error));
        assertFalse(log.warn("a", () -> "listener failed", error));
        assertTrue(log.warn("b", () -> "other listener failed", error), "keys are limited separately");
        now.addAndGet(1000);
        assertTrue(log.warn("a", () -> "listener failed", error));

        assertEquals(List.of("WARNING listener failed", "WARNING other listener failed",
                "WARNING listener failed (repeated 2 times since the last report)"), logger.messages);
    }

    @Test
    void aForgottenKeyStartsAfresh() {
        CapturingLogger logger = new CapturingLogger();
        RateLimitedLog log = new RateLimitedLog(logger, 1000, () -> 0);
        assertTrue(log.warn("a", () -> "x", null));
        log.forget("a");
        assertTrue(log.warn("a", () -> "x", null));
    }
}
