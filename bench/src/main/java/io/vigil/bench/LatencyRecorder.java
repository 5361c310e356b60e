package io.vigil.bench;

import java.util.Arrays;

/**
 * Latencies measured inside a benchmark, kept in a preallocated array so that recording is a store and an
 * increment: allocating or boxing on the measured path would add the very GC pauses the percentiles report.
 * Single-threaded. When full it counts what it drops instead of growing.
 */
final class LatencyRecorder {

    private final String name;
    private final long[] nanos;
    private int count;
    private long dropped;

    LatencyRecorder(String name, int capacity) {
        this.name = name;
        this.nanos = new long[capacity];
    }

    void record(long latencyNanos) {
        if (count < nanos.length) {
            nanos[count++] = latencyNanos;
        } else {
            dropped++;
        }
    }

    boolean isEmpty() {
        return count == 0;
    }

    int count() {
        return count;
    }

    /** @return the nearest-rank percentile {@code p} (0 to 1] of what was recorded, in microseconds */
    double percentileMicros(double p) {
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        return pct(sorted, p);
    }

    /** @return count and nearest-rank percentiles in microseconds, one line */
    String summary() {
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        return String.format("%-38s n=%d%s  p50=%.1f  p90=%.1f  p99=%.1f  p99.9=%.1f  max=%.1f  (us)", name, count,
                dropped == 0 ? "" : " (+" + dropped + " not recorded, array full)", pct(sorted, 0.50),
                pct(sorted, 0.90), pct(sorted, 0.99), pct(sorted, 0.999), sorted.length == 0 ? Double.NaN
                        : sorted[sorted.length - 1] / 1e3);
    }

    /** @return the nearest-rank percentile {@code p} (0 to 1] of {@code sorted} nanoseconds, in microseconds */
    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(rank, 1) - 1] / 1e3;
    }
}
