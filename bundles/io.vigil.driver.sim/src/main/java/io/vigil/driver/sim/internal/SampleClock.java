package io.vigil.driver.sim.internal;

/**
 * The sample clock of one channel: which sample comes next and when it is taken, relative to activation.
 *
 * <p>Sample {@code i} of a segment is taken {@code anchorNanos + round(i * 1e9 / rate)} after activation, so
 * timestamps never accumulate rounding error. A rate change starts a new segment exactly where the next sample of
 * the old one was due: time neither jumps nor goes back. Without a rate change there is one segment and the
 * timestamp of sample {@code i} is exactly activation + round(i * 1e9 / rate). Not thread-safe: owned by the
 * driver's emitter thread.
 */
final class SampleClock {

    private long anchorNanos;
    private double anchorSeconds;
    private double rateHz;
    private long next;

    SampleClock(double rateHz) {
        this.rateHz = rateHz;
    }

    double rateHz() {
        return rateHz;
    }

    /** @return index of the next sample within the current segment */
    long next() {
        return next;
    }

    /** @return when sample {@code i} of the current segment is taken, nanoseconds after activation */
    long offsetNanos(long i) {
        return anchorNanos + Math.round(i * 1e9 / rateHz);
    }

    /** @return when sample {@code i} of the current segment is taken, seconds after activation */
    double seconds(long i) {
        return anchorSeconds + i / rateHz;
    }

    /** @return index of sample {@code i} of the current segment on a clock that ran at the current rate from 0 */
    long signalIndex(long i) {
        return Math.round(anchorSeconds * rateHz) + i;
    }

    /** @return when a block of {@code blockSize} samples starting at the next one is complete, nanos after activation */
    long blockDueNanos(int blockSize) {
        return offsetNanos(next + blockSize - 1);
    }

    void advance(int samples) {
        next += samples;
    }

    /** Switches to {@code newRateHz} from the next sample on; does nothing if the rate is unchanged. */
    void changeRate(double newRateHz) {
        if (newRateHz == rateHz) {
            return;
        }
        anchorNanos = offsetNanos(next);
        anchorSeconds = seconds(next);
        next = 0;
        rateHz = newRateHz;
    }
}
