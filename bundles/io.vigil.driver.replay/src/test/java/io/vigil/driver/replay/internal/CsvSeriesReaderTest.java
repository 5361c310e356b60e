package io.vigil.driver.replay.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSeriesReaderTest {

    @TempDir
    Path dir;

    private Path csv(String content) throws IOException {
        return Files.writeString(dir.resolve("series.csv"), content);
    }

    private static long nanos(String instant) {
        Instant time = Instant.parse(instant);
        return time.getEpochSecond() * 1_000_000_000L + time.getNano();
    }

    @Test
    void readsDateTimesAsUtcAndKeepsNanAndEmptyValues() throws IOException {
        CsvSeriesReader.Series series = CsvSeriesReader.read(csv("timestamp,value\n"
                + "2013-12-02 21:15:00,73.96732207\n"
                + "2013-12-02 21:20:00,nan\n"
                + "2013-12-02 21:25:00,\n"
                + "\n"
                + "2013-12-02 21:30:00.5,-1e3\n"));
        assertArrayEquals(new long[] { nanos("2013-12-02T21:15:00Z"), nanos("2013-12-02T21:20:00Z"),
                nanos("2013-12-02T21:25:00Z"), nanos("2013-12-02T21:30:00.5Z") }, series.epochNanos());
        assertArrayEquals(new double[] { 73.96732207, Double.NaN, Double.NaN, -1000 }, series.values());
    }

    @Test
    void readsEpochSecondsAndMillis() throws IOException {
        CsvSeriesReader.Series seconds = CsvSeriesReader.read(csv("time,temp\r\n1386018900,1\r\n1386019200.25,NaN\r\n"));
        assertArrayEquals(new long[] { 1_386_018_900_000_000_000L, 1_386_019_200_250_000_000L }, seconds.epochNanos());
        assertArrayEquals(new double[] { 1, Double.NaN }, seconds.values());

        CsvSeriesReader.Series millis = CsvSeriesReader.read(csv("\uFEFFtimestamp,value\n1386018900000,2.5\n"
                + "1386018900250,inf\n"));
        assertArrayEquals(new long[] { 1_386_018_900_000_000_000L, 1_386_018_900_250_000_000L }, millis.epochNanos());
        assertArrayEquals(new double[] { 2.5, Double.POSITIVE_INFINITY }, millis.values());
    }

    @Test
    void malformedValueNamesFileLineAndContent() throws IOException {
        Path file = csv("timestamp,value\n2013-12-02 21:15:00,1\n2013-12-02 21:20:00,2\n2013-12-02 21:25:00,abc\n");
        String message = assertThrows(BadRecordingException.class, () -> CsvSeriesReader.read(file)).getMessage();
        assertTrue(message.startsWith(file.toString()), message);
        assertTrue(message.contains("line 4 '2013-12-02 21:25:00,abc': value 'abc' is not a decimal number"), message);
    }

    @Test
    void malformedTimestampsAndFieldCountsNameTheLine() throws IOException {
        String message = assertThrows(BadRecordingException.class,
                () -> CsvSeriesReader.read(csv("timestamp,value\n2013-12-02 21:15:00,1\n2013-13-02 21:20:00,2\n")))
                .getMessage();
        assertTrue(message.contains("line 3 '2013-13-02 21:20:00,2': timestamp '2013-13-02 21:20:00'"), message);

        message = assertThrows(BadRecordingException.class,
                () -> CsvSeriesReader.read(csv("timestamp,value\n2013-12-02 21:15:00,1,7\n"))).getMessage();
        assertTrue(message.contains("line 2 '2013-12-02 21:15:00,1,7': has 3 fields, expected 2"), message);

        message = assertThrows(BadRecordingException.class,
                () -> CsvSeriesReader.read(csv("timestamp,value\n1386018900,1\n2013-12-02 21:20:00,2\n"))).getMessage();
        assertTrue(message.contains("line 3") && message.contains("is not epoch seconds like the first row"), message);

        message = assertThrows(BadRecordingException.class,
                () -> CsvSeriesReader.read(csv("timestamp,value\nyesterday,1\n"))).getMessage();
        assertTrue(message.contains("line 2 'yesterday,1': timestamp 'yesterday' is neither"), message);

        message = assertThrows(BadRecordingException.class,
                () -> CsvSeriesReader.read(csv("timestamp,value\n2013-12-02 21:15:00,1.5d\n"))).getMessage();
        assertTrue(message.contains("value '1.5d'"), message);
    }

    @Test
    void requiresAHeaderLine() throws IOException {
        String message = assertThrows(BadRecordingException.class,
                () -> CsvSeriesReader.read(csv("2013-12-02 21:15:00,1\n"))).getMessage();
        assertTrue(message.contains("line 1 '2013-12-02 21:15:00,1' is data"), message);
        message = assertThrows(BadRecordingException.class, () -> CsvSeriesReader.read(csv(""))).getMessage();
        assertTrue(message.contains("is empty"), message);
    }

    @Test
    void headerOnlyIsAnEmptySeries() throws IOException {
        assertEquals(0, CsvSeriesReader.read(csv("timestamp,value\n")).size());
    }
}
