package io.vigil.models.training;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.vigil.api.feature.FeatureVector;
import io.vigil.api.feature.Window;
import io.vigil.driver.replay.internal.Decimator;
import io.vigil.driver.replay.internal.NpzReader;
import io.vigil.features.internal.VibrationFeatures;

/**
 * The CWRU recordings (Case Western Reserve University Bearing Data Center; 1797 rpm, 0 HP, drive-end accelerometer)
 * cut into the windows Vigil's pipeline would cut, with the features Vigil's own extractor computes.
 */
final class CwruData {

    static final String NORMAL = "Normal";
    static final double RATE_HZ = 12_000;
    /** The normal recording is stored at 48 kHz and decimated by 4 to {@link #RATE_HZ} (see {@link Decimator}). */
    static final double NORMAL_RATE_HZ = 48_000;
    static final int DECIMATION = 4;
    /** The pipeline's defaults. */
    static final int WINDOW = 2048;
    static final int HOP = 1024;
    static final int BANDS = 8;
    /** Share of each recording, from its start, whose windows train; windows of the rest are held out. */
    static final double TRAIN_FRACTION = 0.7;
    static final String CHANNEL = "DE";

    static final List<String> FEATURES = List.copyOf(new VibrationFeatures(BANDS).featureNames(WINDOW, RATE_HZ));

    /** The staged fault recordings: inner race, ball, outer race at 6:00; 7 and 14 mil (all 12 kHz). */
    static final List<String> FAULTS = List.of("IR_7", "IR_14", "B_7", "B_14", "OR@6_7", "OR@6_14");

    /**
     * One recording as read.
     *
     * @param name Normal, IR_7, ...
     * @param faultType Normal, IR, B, OR@6
     * @param file file name in the data folder
     * @param sha256 of the file, hex
     * @param rawSamples samples of the DE channel as stored
     * @param rawRateHz their rate
     * @param samples at 12 kHz
     */
    record Recording(String name, String faultType, String file, String sha256, int rawSamples, double rawRateHz,
            double[] samples) {

        int trainEnd() {
            return (int) Math.floor(samples.length * TRAIN_FRACTION);
        }
    }

    private final List<Recording> recordings;
    private final List<LabelledWindow> windows;
    private final double[] normal48;

    private CwruData(List<Recording> recordings, List<LabelledWindow> windows, double[] normal48) {
        this.recordings = List.copyOf(recordings);
        this.windows = List.copyOf(windows);
        this.normal48 = normal48;
    }

    /**
     * Reads the normal and the six fault recordings from {@code dir} and extracts every window's features.
     *
     * @throws IOException if a recording is missing or unreadable
     */
    static CwruData load(Path dir) throws IOException {
        Decimator decimator = new Decimator(DECIMATION, NORMAL_RATE_HZ);
        decimator.verify();
        List<Recording> recordings = new ArrayList<>();
        Path normal = dir.resolve("1797_Normal.npz");
        double[] normal48 = read(normal);
        recordings.add(new Recording(NORMAL, NORMAL, normal.getFileName().toString(), sha256(normal),
                normal48.length, NORMAL_RATE_HZ, decimator.decimate(normal48)));
        for (String fault : FAULTS) {
            Path file = dir.resolve("1797_" + fault + "_DE12.npz");
            double[] x = read(file);
            recordings.add(new Recording(fault, fault.substring(0, fault.lastIndexOf('_')),
                    file.getFileName().toString(), sha256(file), x.length, RATE_HZ, x));
        }
        VibrationFeatures extractor = new VibrationFeatures(BANDS);
        List<LabelledWindow> windows = new ArrayList<>();
        for (Recording r : recordings) {
            // train windows lie wholly in [0, trainEnd), test windows wholly in [trainEnd, n): no shared sample
            cut(r, extractor, 0, r.trainEnd(), false, windows);
            cut(r, extractor, r.trainEnd(), r.samples().length, true, windows);
        }
        return new CwruData(recordings, windows, normal48);
    }

    List<Recording> recordings() {
        return recordings;
    }

    List<LabelledWindow> windows() {
        return windows;
    }

    /**
     * The held-out normal windows as an acquisition chain with another anti-alias low-pass would deliver them: the
     * 48 kHz normal recording decimated with a -6 dB point at {@code cutoffHz} instead of 5 kHz. The fault recordings
     * came through the recorder's own 12 kHz filter, which passes more of 4.5-6 kHz than 5 kHz does.
     */
    List<LabelledWindow> normalTestWindowsWithCutoff(double cutoffHz) {
        Recording n = recordings.get(0);
        Recording r = new Recording(n.name(), n.faultType(), n.file(), n.sha256(), n.rawSamples(), n.rawRateHz(),
                new Decimator(DECIMATION, NORMAL_RATE_HZ, cutoffHz).decimate(normal48));
        List<LabelledWindow> out = new ArrayList<>();
        cut(r, new VibrationFeatures(BANDS), r.trainEnd(), r.samples().length, true, out);
        return out;
    }

    /**
     * The held-out windows as a sensor {@code gain} times as sensitive would have recorded them (a different
     * accelerometer, mounting or amplifier), through the same extractor.
     */
    List<LabelledWindow> testWindowsAtGain(double gain) {
        VibrationFeatures extractor = new VibrationFeatures(BANDS);
        List<LabelledWindow> out = new ArrayList<>();
        for (Recording r : recordings) {
            double[] scaled = r.samples().clone();
            for (int i = 0; i < scaled.length; i++) {
                scaled[i] *= gain;
            }
            Recording g = new Recording(r.name(), r.faultType(), r.file(), r.sha256(), r.rawSamples(), r.rawRateHz(),
                    scaled);
            cut(g, extractor, r.trainEnd(), r.samples().length, true, out);
        }
        return out;
    }

    private static void cut(Recording r, VibrationFeatures extractor, int from, int to, boolean test,
            List<LabelledWindow> out) {
        long seq = 0;
        for (int start = from; start + WINDOW <= to; start += HOP) {
            double[] samples = java.util.Arrays.copyOfRange(r.samples(), start, start + WINDOW);
            Window w = new Window("cwru-1797", CHANNEL, seq++, 0L, RATE_HZ, samples);
            FeatureVector fv = extractor.extract(w);
            if (!fv.names().equals(FEATURES)) {
                throw new IllegalStateException("VibrationFeatures(8) returned features " + fv.names()
                        + ", the models are built for " + FEATURES);
            }
            for (double v : fv.values()) {
                if (!Double.isFinite(v)) {
                    throw new IllegalStateException("non-finite feature in " + r.file() + " window at sample "
                            + start + ": " + fv);
                }
            }
            out.add(new LabelledWindow(r.name(), r.faultType(), test, start, fv.values().clone()));
        }
    }

    private static double[] read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("CWRU recording not found: " + file.toAbsolutePath()
                    + "; pass -Dvigil.cwru.dir=<folder holding the 1797_*.npz files> (default ../../shared/data/cwru "
                    + "from models/)");
        }
        return NpzReader.read(file, CHANNEL, 0);
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
