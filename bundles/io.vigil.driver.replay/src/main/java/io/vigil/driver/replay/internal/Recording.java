package io.vigil.driver.replay.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A recording loaded into memory: either evenly sampled (NPY, NPZ) at a configured rate, or one timestamp per
 * sample (CSV) with the rate derived from the median interval.
 */
final class Recording {

    private final String source;
    private final double[] values;
    /** Per-sample timestamps, or {@code null} for an evenly sampled recording. */
    private final long[] epochNanos;
    private final double sampleRateHz;
    private final long periodNanos;

    private Recording(String source, double[] values, long[] epochNanos, double sampleRateHz, long periodNanos) {
        this.source = source;
        this.values = values;
        this.epochNanos = epochNanos;
        this.sampleRateHz = sampleRateHz;
        this.periodNanos = periodNanos;
    }

    /**
     * Loads a recording; everything that would make the replay fail later is checked here.
     *
     * @param format resolved format, not {@link RecordingFormat#AUTO}
     * @param sampleRateHz rate of an NPY/NPZ recording, ignored for CSV
     * @param decimator applied to an NPY/NPZ recording, whose rate must be its input rate; ignored for CSV
     */
    static Recording load(Path file, RecordingFormat format, String key, int column, double sampleRateHz,
            Decimator decimator) throws IOException {
        String source = file.toString();
        switch (format) {
        case CSV:
            return timed(source, CsvSeriesReader.read(file));
        case NPY:
            return decimated(source, NpyReader.read(file, column), sampleRateHz, decimator);
        case NPZ:
            return decimated(source + " (array '" + key + "')", NpzReader.read(file, key, column), sampleRateHz,
                    decimator);
        default:
            throw new IllegalArgumentException("format " + format + " must be resolved to CSV, NPY or NPZ first");
        }
    }

    /** An evenly sampled recording, decimated first unless {@code decimator} is null or has factor 1. */
    static Recording decimated(String source, double[] values, double sampleRateHz, Decimator decimator)
            throws BadRecordingException {
        if (decimator == null || decimator.factor() == 1 || values.length == 0) {
            return evenlySampled(source, values, sampleRateHz);
        }
        if (values.length < decimator.taps()) {
            throw new BadRecordingException(source, "has " + values.length + " samples; decimate "
                    + decimator.factor() + " needs at least " + decimator.taps() + " (the taps of its anti-alias"
                    + " filter); set decimate to 1 or replay a longer recording");
        }
        return evenlySampled(source + " decimated by " + decimator.factor() + " from " + sampleRateHz + " Hz",
                decimator.decimate(values), sampleRateHz / decimator.factor());
    }

    static Recording evenlySampled(String source, double[] values, double sampleRateHz) throws BadRecordingException {
        if (values.length == 0) {
            throw new BadRecordingException(source, "contains no samples; there is nothing to replay");
        }
        return new Recording(source, values, null, sampleRateHz, Math.round(1e9 / sampleRateHz));
    }

    static Recording timed(String source, CsvSeriesReader.Series series) throws BadRecordingException {
        if (series.size() < 2) {
            throw new BadRecordingException(source, "has " + series.size() + " data row(s); a CSV replay needs at"
                    + " least 2 to derive the sample rate from the timestamps");
        }
        long[] times = series.epochNanos();
        long[] intervals = new long[times.length - 1];
        for (int i = 0; i < intervals.length; i++) {
            intervals[i] = times[i + 1] - times[i];
        }
        Arrays.sort(intervals);
        int middle = intervals.length / 2;
        // The median, not the mean: real series have gaps (NAB machine_temperature has outages of days) that
        // would otherwise distort the nominal rate the features are computed with.
        long median = intervals.length % 2 == 1 ? intervals[middle]
                : intervals[middle - 1] + (intervals[middle] - intervals[middle - 1]) / 2;
        if (median <= 0) {
            throw new BadRecordingException(source, "timestamps do not increase: the median interval between rows"
                    + " is " + median + " ns; sort the file by timestamp and remove duplicate rows");
        }
        return new Recording(source, series.values(), times, 1e9 / median, median);
    }

    String source() {
        return source;
    }

    int size() {
        return values.length;
    }

    double value(int index) {
        return values[index];
    }

    /** @return a fresh copy of samples {@code from} (inclusive) to {@code to} (exclusive) */
    double[] copy(int from, int to) {
        return Arrays.copyOfRange(values, from, to);
    }

    boolean evenlySampled() {
        return epochNanos == null;
    }

    /** @return the recorded timestamp of sample {@code index}; only for recordings that are not evenly sampled */
    long epochNanos(int index) {
        return epochNanos[index];
    }

    /** @return time from the first to the last sample */
    long spanNanos() {
        return evenlySampled() ? Math.round((values.length - 1) * 1e9 / sampleRateHz)
                : epochNanos[epochNanos.length - 1] - epochNanos[0];
    }

    double sampleRateHz() {
        return sampleRateHz;
    }

    /** @return the nominal interval between samples: 1 / rate, the median interval for CSV */
    long periodNanos() {
        return periodNanos;
    }
}
