package io.vigil.driver.replay.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads a NAB-style {@code timestamp,value} CSV series: a header line, then one row per sample.
 *
 * <p>Timestamps are {@code yyyy-MM-dd HH:mm:ss} (UTC, optional fraction of a second) or epoch seconds or
 * milliseconds; the first row decides which, and every row must use the same form. Empty and {@code nan} values
 * become NaN and {@code inf} values become infinities: they are real faults of the recording that the pipeline
 * counts, so they are kept, not dropped. Anything else that does not parse is an error naming the line.
 */
public final class CsvSeriesReader {

    private static final DateTimeFormatter DATE_TIME = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
            .toFormatter(Locale.ROOT)
            .withResolverStyle(ResolverStyle.STRICT);
    private static final Pattern EPOCH = Pattern.compile("-?\\d+(\\.\\d+)?");
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    /**
     * Epoch values at or above this are milliseconds: as seconds they would lie after the year 5000, as
     * milliseconds they lie after March 1973, before which no digital recording we replay was taken.
     */
    private static final BigDecimal MILLIS_THRESHOLD = new BigDecimal("1e11");
    private static final int MAX_QUOTED = 200;

    /** A series: row {@code i} was taken at {@code epochNanos[i]} and has the value {@code values[i]}. */
    public record Series(long[] epochNanos, double[] values) {
        public int size() {
            return values.length;
        }
    }

    private enum TimeForm {
        DATE_TIME("yyyy-MM-dd HH:mm:ss"), EPOCH_SECONDS("epoch seconds"), EPOCH_MILLIS("epoch milliseconds");

        final String text;

        TimeForm(String text) {
            this.text = text;
        }
    }

    private CsvSeriesReader() {
    }

    /**
     * @throws BadRecordingException if the file is not a header line followed by {@code timestamp,value} rows
     * @throws IOException if the file cannot be read
     */
    public static Series read(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(reader, file.toString());
        } catch (CharacterCodingException e) {
            throw new BadRecordingException(file.toString(), "is not UTF-8 text (" + e + "); is it really a CSV?", e);
        }
    }

    /**
     * @param source how to name the series in error messages
     * @throws BadRecordingException if the text is not a header line followed by {@code timestamp,value} rows
     */
    public static Series read(Reader reader, String source) throws IOException {
        BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        String header = in.readLine();
        if (header == null) {
            throw new BadRecordingException(source, "is empty; expected a header line such as 'timestamp,value'"
                    + " followed by data rows");
        }
        header = header.startsWith("\uFEFF") ? header.substring(1) : header;
        String[] names = header.split(",", -1);
        if (names.length != 2) {
            throw new BadRecordingException(source, "line 1 " + quote(header) + " has " + names.length
                    + " fields; expected a two-column header such as 'timestamp,value'");
        }
        if (formOf(names[0].strip()) != null) {
            throw new BadRecordingException(source, "line 1 " + quote(header)
                    + " is data, but a header line such as 'timestamp,value' must come first");
        }

        long[] times = new long[1024];
        double[] values = new double[1024];
        int count = 0;
        TimeForm form = null;
        int lineNumber = 1;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split(",", -1);
            if (fields.length != 2) {
                throw malformed(source, lineNumber, line, "has " + fields.length + " fields, expected 2");
            }
            String time = fields[0].strip();
            if (form == null) {
                form = formOf(time);
                if (form == null) {
                    throw malformed(source, lineNumber, line, "timestamp " + quote(time)
                            + " is neither yyyy-MM-dd HH:mm:ss (UTC) nor epoch seconds or milliseconds");
                }
            }
            if (count == values.length) {
                times = Arrays.copyOf(times, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            times[count] = epochNanos(time, form, source, lineNumber, line);
            values[count] = value(fields[1].strip(), source, lineNumber, line);
            count++;
        }
        return new Series(Arrays.copyOf(times, count), Arrays.copyOf(values, count));
    }

    private static TimeForm formOf(String time) {
        if (EPOCH.matcher(time).matches()) {
            return new BigDecimal(time).abs().compareTo(MILLIS_THRESHOLD) >= 0 ? TimeForm.EPOCH_MILLIS
                    : TimeForm.EPOCH_SECONDS;
        }
        try {
            LocalDateTime.parse(time, DATE_TIME);
            return TimeForm.DATE_TIME;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static long epochNanos(String time, TimeForm form, String source, int lineNumber, String line)
            throws BadRecordingException {
        try {
            switch (form) {
            case DATE_TIME:
                LocalDateTime dateTime = LocalDateTime.parse(time, DATE_TIME);
                return Math.addExact(Math.multiplyExact(dateTime.toEpochSecond(ZoneOffset.UTC), 1_000_000_000L),
                        dateTime.getNano());
            case EPOCH_SECONDS:
            case EPOCH_MILLIS:
                if (!EPOCH.matcher(time).matches()) {
                    throw new NumberFormatException();
                }
                int shift = form == TimeForm.EPOCH_SECONDS ? 9 : 6;
                return new BigDecimal(time).movePointRight(shift).setScale(0, RoundingMode.HALF_EVEN)
                        .longValueExact();
            default:
                throw new AssertionError(form);
            }
        } catch (DateTimeParseException | NumberFormatException e) {
            throw malformed(source, lineNumber, line, "timestamp " + quote(time) + " is not " + form.text
                    + " like the first row");
        } catch (ArithmeticException e) {
            throw malformed(source, lineNumber, line, "timestamp " + quote(time)
                    + " is outside the years 1678 to 2261 that nanosecond timestamps can hold");
        }
    }

    private static double value(String text, String source, int lineNumber, String line)
            throws BadRecordingException {
        switch (text.toLowerCase(Locale.ROOT)) {
        case "":
        case "nan":
            return Double.NaN;
        case "inf":
        case "+inf":
        case "infinity":
        case "+infinity":
            return Double.POSITIVE_INFINITY;
        case "-inf":
        case "-infinity":
            return Double.NEGATIVE_INFINITY;
        default:
            // Double.parseDouble alone would also take "1.5d" or hex floats, which no CSV writer means.
            if (!NUMBER.matcher(text).matches()) {
                throw malformed(source, lineNumber, line, "value " + quote(text)
                        + " is not a decimal number, empty or nan");
            }
            return Double.parseDouble(text);
        }
    }

    private static BadRecordingException malformed(String source, int lineNumber, String line, String problem) {
        return new BadRecordingException(source, "line " + lineNumber + " " + quote(line) + ": " + problem
                + "; fix or delete the line");
    }

    private static String quote(String text) {
        return "'" + (text.length() > MAX_QUOTED ? text.substring(0, MAX_QUOTED) + "..." : text) + "'";
    }
}
