package io.vigil.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.Test;
import org.osgi.framework.ServiceReference;

import io.vigil.api.sensor.SampleBlock;
import io.vigil.api.sensor.SampleListener;
import io.vigil.api.sensor.SensorDriver;
import io.vigil.api.sensor.Subscription;

/** The replay driver reproduces a real CWRU recording sample for sample. */
public class ReplayIT extends VigilTestSupport {

    private static final String FILE = "cwru/1797_IR_7_DE12.npz";

    @Test
    public void replaysCwruRecordingSampleForSample() throws Exception {
        Path file = Path.of(System.getProperty("vigil.data.dir"), FILE);
        double[] expected = decodeIndependently(file, "DE.npy");

        factoryConfig("io.vigil.driver.replay", Map.of("vigil.asset", "replay", "file", file.toString(),
                "key", "DE", "sample.rate.hz", "12000", "speed", "0", "block.size", "500"));
        ServiceReference<SensorDriver> ref = awaitService(SensorDriver.class, "(vigil.asset=replay)");
        SensorDriver driver = context.getService(ref);

        List<SampleBlock> blocks = new CopyOnWriteArrayList<>();
        SampleListener collect = blocks::add;
        try (Subscription s = driver.subscribe(collect)) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> blocks.stream().mapToInt(SampleBlock::size).sum() >= expected.length);
        } finally {
            context.ungetService(ref);
        }

        int i = 0;
        long nextStart = blocks.get(0).startEpochNanos();
        for (SampleBlock b : blocks) {
            assertEquals("block " + b.startEpochNanos() + " starts where the previous ended", nextStart,
                    b.startEpochNanos());
            assertEquals(12000.0, b.sampleRateHz(), 0);
            for (double v : b.values()) {
                assertEquals("sample " + i, Double.doubleToLongBits(expected[i]), Double.doubleToLongBits(v));
                i++;
            }
            nextStart = b.nextStartNanos();
        }
        assertEquals("every sample of the recording, none more", expected.length, i);
    }

    /** Reads a little-endian float64 .npy entry straight from the zip, without the driver's reader. */
    private static double[] decodeIndependently(Path npz, String entry) throws IOException {
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            ZipEntry e = zip.getEntry(entry);
            byte[] bytes;
            try (InputStream in = zip.getInputStream(e)) {
                bytes = in.readAllBytes();
            }
            int headerEnd = 0;
            while (bytes[headerEnd] != '\n') {
                headerEnd++;
            }
            String header = new String(bytes, 0, headerEnd, StandardCharsets.ISO_8859_1);
            assertTrue("the test decodes only '<f8' arrays: " + header, header.contains("'<f8'"));
            ByteBuffer data = ByteBuffer.wrap(bytes, headerEnd + 1, bytes.length - headerEnd - 1)
                    .order(ByteOrder.LITTLE_ENDIAN);
            double[] values = new double[data.remaining() / 8];
            for (int k = 0; k < values.length; k++) {
                values[k] = data.getDouble();
            }
            return values;
        }
    }
}
