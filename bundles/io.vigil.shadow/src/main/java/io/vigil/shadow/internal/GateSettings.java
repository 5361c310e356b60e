package io.vigil.shadow.internal;

/**
 * The promotion gate's settings, checked once when the configuration arrives so that a comparison never runs on
 * a half-valid gate.
 */
record GateSettings(int minWindows, double minDurationSeconds, double maxIncrease, double maxDecrease,
        double significance, double minAgreement, double maxLatencyRatio, int minLatencySamples, int maxErrors, Promotion promotion,
        int queueCapacity, double persistIntervalSeconds) {

    GateSettings {
        require(minWindows >= 1, "min.windows", minWindows, "at least 1");
        require(minDurationSeconds >= 0 && Double.isFinite(minDurationSeconds), "min.duration.seconds",
                minDurationSeconds, "0 or more seconds");
        require(maxIncrease >= 0 && maxIncrease <= 1, "max.alert.rate.increase", maxIncrease, "between 0 and 1");
        require(maxDecrease >= 0 && maxDecrease <= 1, "max.alert.rate.decrease", maxDecrease, "between 0 and 1");
        require(significance > 0 && significance < 1, "significance", significance, "strictly between 0 and 1");
        require(minAgreement >= 0 && minAgreement <= 1, "min.agreement", minAgreement, "between 0 and 1");
        require(maxLatencyRatio > 0 && !Double.isNaN(maxLatencyRatio), "max.latency.ratio", maxLatencyRatio,
                "greater than 0");
        require(minLatencySamples >= 1, "min.latency.samples", minLatencySamples, "at least 1");
        require(maxErrors >= 0, "max.errors", maxErrors, "0 or more");
        require(queueCapacity >= 1, "queue.capacity", queueCapacity, "at least 1");
        require(persistIntervalSeconds > 0 && Double.isFinite(persistIntervalSeconds), "persist.interval.seconds",
                persistIntervalSeconds, "greater than 0");
        if (promotion == null) {
            throw new IllegalArgumentException("promotion is missing in the " + ShadowManager.PID
                    + " configuration; set it to AUTOMATIC or OPERATOR");
        }
    }

    static GateSettings from(ShadowConfig c) {
        return new GateSettings(c.min_windows(), c.min_duration_seconds(), c.max_alert_rate_increase(),
                c.max_alert_rate_decrease(), c.significance(), c.min_agreement(), c.max_latency_ratio(),
                c.min_latency_samples(), c.max_errors(), c.promotion(), c.queue_capacity(), c.persist_interval_seconds());
    }

    private static void require(boolean ok, String name, Object value, String what) {
        if (!ok) {
            throw new IllegalArgumentException(name + " = " + value + " in the " + ShadowManager.PID
                    + " configuration is invalid; it must be " + what);
        }
    }
}
