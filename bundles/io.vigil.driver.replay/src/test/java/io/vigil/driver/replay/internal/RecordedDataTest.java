package io.vigil.driver.replay.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;

import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.SampleBlock;

/** Reads and replays the shared real recordings; skipped where they are not present. */
class RecordedDataTest {

    private static final String CWRU_IR_7 = "cwru/1797_IR_7_DE12.npz";
    /** cwru/Contents.md, row 1797_IR_7_DE12.npz, column Entries. */
    private static final int CWRU_IR_7_ENTRIES = 121_265;
    private static final String NAB_MACHINE_TEMPERATURE = "nab/realKnownCause/machine_temperature_system_failure.csv";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static Path data(String relative) {
        String root = System.getProperty("vigil.data.dir");
        assumeTrue(root != null, "system property vigil.data.dir is not set; run the tests through Maven");
        Path path = Path.of(root).resolve(relative);
        assumeTrue(Files.isRegularFile(path), "missing " + path);
        return path;
    }

    /** Decodes DE.npy without NpyReader: the header ends at the first '\n', float64 little endian follows. */
    private static double[] decodeIndependently(Path npz) throws IOException {
        byte[] npy;
        try (ZipFile zip = new ZipFile(npz.toFile()); InputStream in = zip.getInputStream(zip.getEntry("DE.npy"))) {
            npy = in.readAllBytes();
        }
        int dataStart = 0;
        while (npy[dataStart] != '\n') {
            dataStart++;
        }
        dataStart++;
        ByteBuffer data = ByteBuffer.wrap(npy, dataStart, npy.length - dataStart).slice().order(ByteOrder.LITTLE_ENDIAN);
        double[] values = new double[data.remaining() / 8];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.getDouble(i * 8);
        }
        return values;
    }

    private static double sum(double[] values) {
        double sum = 0;
        for (double value : values) {
            sum += value;
        }
        return sum;
    }

    @Test
    void cwruDriveEndArrayHasTheDocumentedLength() throws IOException {
        Path file = data(CWRU_IR_7);
        assertEquals(List.of("DE", "FE", "BA"), NpzReader.keys(file));
        double[] values = NpzReader.read(file, "DE", 0);
        assertEquals(CWRU_IR_7_ENTRIES, values.length);
        double[] independent = decodeIndependently(file);
        assertEquals(independent.length, values.length);
        assertEquals(sum(independent), sum(values));
    }

    @Test
    void cwruReplayAtFullSpeedDeliversEverySampleInOrder() throws IOException {
        Path file = data(CWRU_IR_7);
        double[] expected = NpzReader.read(file, "DE", 0);
        ReplayDriver driver = new ReplayDriver(new TestConfig("cwru-ir-7", file).sampleRateHz(12_000).blockSize(256)
                .speed(0).validRange(-50, 50));
        try {
            Collector collector = new Collector();
            driver.subscribe(collector);
            await().atMost(PATIENCE).until(driver::finished);

            double[] replayed = collector.values();
            assertArrayEquals(expected, replayed);
            assertEquals(CWRU_IR_7_ENTRIES, driver.samplesEmitted());
            double[] independent = decodeIndependently(file);
            assertEquals(independent.length, replayed.length);
            assertEquals(sum(independent), sum(replayed));

            List<SampleBlock> blocks = collector.blocks();
            assertEquals((CWRU_IR_7_ENTRIES + 255) / 256, blocks.size());
            for (int i = 1; i < blocks.size(); i++) {
                assertEquals(blocks.get(i - 1).nextStartNanos(), blocks.get(i).startEpochNanos(), "block " + i);
            }
        } finally {
            driver.deactivate();
        }
    }

    @Test
    void nabMachineTemperatureLoadsEveryRowAtItsFiveMinuteRate() throws IOException {
        Path file = data(NAB_MACHINE_TEMPERATURE);
        long rows;
        try (Stream<String> lines = Files.lines(file)) {
            rows = lines.skip(1).filter(line -> !line.isBlank()).count();
        }
        assertEquals(22_695, rows, "data rows of the NAB v1.1 file");
        CsvSeriesReader.Series series = CsvSeriesReader.read(file);
        assertEquals(rows, series.size());
        assertEquals(Instant.parse("2013-12-02T21:15:00Z").getEpochSecond() * 1_000_000_000L, series.epochNanos()[0]);

        ReplayDriver driver = new ReplayDriver(new TestConfig("machine", file).channel("temperature")
                .kind(ChannelKind.SCALAR).unit("degF").speed(0).keepTimestamps(true).validRange(-40, 250));
        try {
            assertEquals(1.0 / 300, driver.channels().get(0).sampleRateHz(), 1e-15);
            Collector collector = new Collector();
            driver.subscribe(collector);
            await().atMost(PATIENCE).until(driver::finished);
            assertEquals(rows, driver.samplesEmitted());
            assertEquals(series.epochNanos()[0], collector.blocks().get(0).startEpochNanos());
            assertArrayEquals(series.values(), collector.values());
        } finally {
            driver.deactivate();
        }
    }
}
