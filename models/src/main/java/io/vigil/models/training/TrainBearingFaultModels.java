package io.vigil.models.training;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import ai.onnxruntime.OrtException;

/**
 * Trains, evaluates and writes the two reference bearing-fault models ({@code models/bearing-fault-1.0.0},
 * {@code models/bearing-fault-2.0.0}) and {@code models/training-report.md}. See models/README.md.
 *
 * <p>Data: Case Western Reserve University Bearing Data Center.
 */
public final class TrainBearingFaultModels {

    static final String NAME = "bearing-fault";
    static final String TASK = "binary-fault-score";

    static final FeatureSet ALL = new FeatureSet("all-13", CwruData.FEATURES);
    /*
     * v2: what does not move with the level of the vibration (no rms, no peak) nor with the anti-alias filter (no
     * band_6/7, 4.5-6 kHz, where the decimation filter of the normal recording and the recorder's filter of the fault
     * recordings differ). See README.md for why.
     */
    static final FeatureSet LEVEL_FREE = new FeatureSet("level-free-9", List.of("crest_factor", "kurtosis",
            "skewness", "band_0", "band_1", "band_2", "band_3", "band_4", "band_5"));
    /* Measured only, not shipped: what each exclusion costs. */
    static final FeatureSet LEVEL_FREE_ALL_BANDS = new FeatureSet("level-free-11 (with band_6/7)",
            List.of("crest_factor", "kurtosis", "skewness", "band_0", "band_1", "band_2", "band_3", "band_4",
                    "band_5", "band_6", "band_7"));
    static final FeatureSet LEVEL_FREE_NO_BAND_5 = new FeatureSet("level-free-8 (without band_5)",
            List.of("crest_factor", "kurtosis", "skewness", "band_0", "band_1", "band_2", "band_3", "band_4"));
    static final FeatureSet SHAPE = new FeatureSet("shape-3", List.of("crest_factor", "kurtosis", "skewness"));

    private record Release(String version, long onnxVersion, FeatureSet features, String summary) {
    }

    private static final List<Release> RELEASES = List.of(
            new Release("1.0.0", 1, ALL, "logistic regression on all 13 of Vigil's vibration features"),
            new Release("2.0.0", 2, LEVEL_FREE, "logistic regression on the 9 features that neither the vibration "
                    + "level nor the anti-alias filter moves: crest_factor, kurtosis, skewness, band_0..band_5"));

    private static final List<FeatureSet> CANDIDATES = List.of(ALL, LEVEL_FREE, LEVEL_FREE_ALL_BANDS,
            LEVEL_FREE_NO_BAND_5, SHAPE);
    private static final List<String> FAULT_TYPES = List.of("IR", "B", "OR@6");

    /* held here because java.util.logging keeps loggers weakly: a level set on a collected logger is lost */
    private static final Logger TRIBUO_LOG = Logger.getLogger("org.tribuo");

    private TrainBearingFaultModels() {
    }

    public static void main(String[] args) throws IOException, OrtException {
        // Tribuo logs every training run at INFO; the report below is what matters
        TRIBUO_LOG.setLevel(Level.WARNING);
        Path dataDir = Path.of(System.getProperty("vigil.cwru.dir", "../../shared/data/cwru")).toAbsolutePath()
                .normalize();
        Path outDir = Path.of(System.getProperty("vigil.models.dir", ".")).toAbsolutePath().normalize();

        CwruData data = CwruData.load(dataDir);
        List<LabelledWindow> train = data.windows().stream().filter(w -> !w.test()).toList();
        List<LabelledWindow> test = data.windows().stream().filter(LabelledWindow::test).toList();

        StringBuilder report = new StringBuilder();
        report.append("# Bearing-fault reference models: training report\n\n")
                .append("Written by `io.vigil.models.training.TrainBearingFaultModels`; README.md explains it.\n\n");
        appendData(report, data, train, test);

        report.append("## Time split: trained on the first 70 % of every recording, tested on the last 30 %\n\n")
                .append("Scores are P(fault); a window alerts when its score is above the threshold. *1 % rule* is "
                        + "the score exceeded by at most 1 % of the training normal windows (with 40 of them: their "
                        + "highest score); the threshold used is the larger of that and 0.5. The last column is the "
                        + "normal alert rate the 1 % rule alone would give.\n\n")
                .append("| model | features | 1 % rule | threshold | accuracy | balanced accuracy | recall normal "
                        + "| recall fault | normal alert rate (windows) | max normal score | min fault score "
                        + "| normal alert rate at the 1 % rule |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        StringBuilder perRecording = new StringBuilder("### Per recording (test part): windows alerting / windows\n\n| "
                + "model | " + data.recordings().stream().map(CwruData.Recording::name).collect(Collectors.joining(" | "))
                + " |\n|---|" + "---:|".repeat(data.recordings().size()) + "\n");
        Map<FeatureSet, FaultModel> timeSplit = new java.util.LinkedHashMap<>();
        for (FeatureSet fs : CANDIDATES) {
            FaultModel m = FaultModel.train(fs, train);
            timeSplit.put(fs, m);
            Metrics t = Metrics.of(m, test);
            Metrics q = Metrics.of(m, test, m.quantileThreshold());
            report.append(String.format(Locale.ROOT, "| %s | %d | %.3g | %.3g | %.3f | %.3f | %.3f | %.3f "
                    + "| %.3f (%d / %d) | %.3g | %.4f | %.3f (%d / %d) |%n", label(fs), fs.size(),
                    m.quantileThreshold(), m.threshold(), t.accuracy(), t.balancedAccuracy(), t.recallNormal(),
                    t.recallFault(), t.normalAlertRate(), t.normalAlerts(), t.normal(), t.maxNormalScore(),
                    t.minFaultScore(), q.normalAlertRate(), q.normalAlerts(), q.normal()));
            perRecording.append("| ").append(label(fs));
            for (CwruData.Recording r : data.recordings()) {
                int[] c = t.perRecording().get(r.name());
                perRecording.append(String.format(Locale.ROOT, " | %d / %d", c[1], c[0]));
            }
            perRecording.append(" |\n");
        }
        report.append('\n').append(perRecording).append('\n');

        report.append("## Leave one fault type out\n\n")
                .append("Trained on the first 70 % of the normal recording and of the four recordings of the other two "
                        + "fault types; tested on the last 30 % of the normal recording and on every window of both "
                        + "recordings of the held-out type (neither part was seen). Threshold from the training normal "
                        + "windows as above.\n\n")
                .append("| model | held-out type | 1 % rule | threshold | recall on held-out type | 7 mil | 14 mil "
                        + "| normal alert rate (windows) | min held-out fault score | max normal score "
                        + "| normal alert rate at the 1 % rule |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (FeatureSet fs : CANDIDATES) {
            for (String type : FAULT_TYPES) {
                List<LabelledWindow> foldTrain = train.stream().filter(w -> !w.faultType().equals(type)).toList();
                List<LabelledWindow> foldTest = data.windows().stream()
                        .filter(w -> w.faultType().equals(type) || (!w.fault() && w.test())).toList();
                FaultModel m = FaultModel.train(fs, foldTrain);
                Metrics t = Metrics.of(m, foldTest);
                Metrics q = Metrics.of(m, foldTest, m.quantileThreshold());
                int[] seven = t.perRecording().get(type + "_7");
                int[] fourteen = t.perRecording().get(type + "_14");
                report.append(String.format(Locale.ROOT, "| %s | %s | %.3g | %.3g | %.3f (%d / %d) | %d / %d "
                        + "| %d / %d | %.3f (%d / %d) | %.4f | %.3g | %.3f (%d / %d) |%n", label(fs), type,
                        m.quantileThreshold(), m.threshold(), t.recallFault(), t.faultDetected(), t.fault(),
                        seven[1], seven[0], fourteen[1], fourteen[0], t.normalAlertRate(), t.normalAlerts(),
                        t.normal(), t.minFaultScore(), t.maxNormalScore(), q.normalAlertRate(), q.normalAlerts(),
                        q.normal()));
            }
        }
        report.append('\n');

        report.append("## Sensor gain: the held-out windows as a sensor 0.25 to 4 times as sensitive would record them\n\n")
                .append("Every model trained as above (gain 1); the test samples scaled before feature extraction. A "
                        + "gateway's accelerometer need not have the test rig's sensitivity, mounting or amplifier.\n\n")
                .append("| model | gain | recall normal | normal alert rate (windows) | recall fault | max normal score "
                        + "| min fault score |\n|---|---:|---:|---:|---:|---:|---:|\n");
        double[] gains = {0.25, 0.5, 1, 2, 4};
        List<List<LabelledWindow>> scaled = new ArrayList<>();
        for (double g : gains) {
            scaled.add(data.testWindowsAtGain(g));
        }
        for (FeatureSet fs : CANDIDATES) {
            FaultModel m = timeSplit.get(fs);
            for (int i = 0; i < gains.length; i++) {
                Metrics t = Metrics.of(m, scaled.get(i));
                report.append(String.format(Locale.ROOT, "| %s | %.2f | %.3f | %.3f (%d / %d) | %.3f | %.3g | %.4f |%n",
                        label(fs), gains[i], t.recallNormal(), t.normalAlertRate(), t.normalAlerts(), t.normal(),
                        t.recallFault(), t.maxNormalScore(), t.minFaultScore()));
            }
        }
        report.append('\n');

        report.append("## Anti-alias filter: the held-out normal windows decimated with other low-pass cutoffs\n\n")
                .append("The models were trained with the normal recording decimated at a 5 kHz cutoff; here its "
                        + "held-out part is decimated at other cutoffs (same 255-tap Blackman design). Above 5.5 kHz "
                        + "a little aliasing comes in as well. A healthy machine must not alert because its "
                        + "acquisition chain filters differently.\n\n")
                .append("| model | cutoff | median band_7 of the windows | normal alert rate (windows) | median normal "
                        + "score | max normal score |\n|---|---:|---:|---:|---:|---:|\n");
        double[] cutoffs = {4_500, 5_000, 5_500, 5_800};
        List<List<LabelledWindow>> filtered = new ArrayList<>();
        for (double c : cutoffs) {
            filtered.add(data.normalTestWindowsWithCutoff(c));
        }
        for (FeatureSet fs : CANDIDATES) {
            FaultModel m = timeSplit.get(fs);
            for (int i = 0; i < cutoffs.length; i++) {
                List<LabelledWindow> ws = filtered.get(i);
                Metrics t = Metrics.of(m, ws);
                double[] scores = ws.stream().mapToDouble(m::score).sorted().toArray();
                double[] band7 = ws.stream().mapToDouble(w -> w.features()[CwruData.FEATURES.indexOf("band_7")])
                        .sorted().toArray();
                report.append(String.format(Locale.ROOT, "| %s | %.1f kHz | %.2g | %.3f (%d / %d) | %.3g | %.3g |%n",
                        label(fs), cutoffs[i] / 1000, median(band7), t.normalAlertRate(), t.normalAlerts(),
                        t.normal(), median(scores), t.maxNormalScore()));
            }
        }
        report.append('\n');

        report.append("## Weights of the shipped models\n\nLog-odds of fault per standard deviation of each feature "
                + "(the difference of Tribuo's two class rows; the bias is the log-odds at the training mean).\n\n");
        for (Release release : RELEASES) {
            FaultModel m = timeSplit.get(release.features());
            double[] w = m.faultLogOdds();
            report.append("| ").append(NAME).append(' ').append(release.version()).append(" | ")
                    .append(String.join(" | ", release.features().names())).append(" | bias |\n|---|")
                    .append("---:|".repeat(w.length)).append("\n| log-odds / SD");
            for (double v : w) {
                report.append(String.format(Locale.ROOT, " | %.3f", v));
            }
            report.append(" |\n\n");
        }

        report.append("## Exported graphs, checked in ONNX Runtime\n\nRows: all " + data.windows().size()
                + " windows (train and test, every recording) plus the descriptor's and example.json's examples.\n\n"
                + "| model | file | bytes | sha256 | input | output "
                + "| opset | rows compared | max abs diff vs Tribuo | max log-odds diff |\n"
                + "|---|---|---:|---|---|---|---:|---:|---:|---:|\n");
        for (Release release : RELEASES) {
            FaultModel m = timeSplit.get(release.features());
            writeRelease(release, m, data, train, test, outDir, report);
        }
        report.append("\nData: Case Western Reserve University Bearing Data Center.\n");
        Files.writeString(outDir.resolve("training-report.md"), report, StandardCharsets.UTF_8);
        System.out.println(report);
    }

    private static String label(FeatureSet fs) {
        for (Release r : RELEASES) {
            if (r.features() == fs) {
                return "v" + r.version().charAt(0) + " " + fs.id();
            }
        }
        return fs.id();
    }

    private static void appendData(StringBuilder report, CwruData data, List<LabelledWindow> train,
            List<LabelledWindow> test) {
        report.append("## Data\n\nCWRU 1797 rpm, 0 HP, drive-end accelerometer (`DE`). Windows of ")
                .append(CwruData.WINDOW).append(" samples, hop ").append(CwruData.HOP).append(", at 12 kHz; features "
                        + "from `VibrationFeatures(8)`. The normal recording is decimated from 48 kHz (255-tap Blackman "
                        + "windowed sinc, -6 dB at 5 kHz).\n\n")
                .append("| recording | file | sha256 | samples as stored | samples at 12 kHz | train windows | test "
                        + "windows |\n|---|---|---|---:|---:|---:|---:|\n");
        for (CwruData.Recording r : data.recordings()) {
            report.append(String.format(Locale.ROOT, "| %s | %s | `%s` | %d @ %.0f kHz | %d | %d | %d |%n", r.name(),
                    r.file(), r.sha256(), r.rawSamples(), r.rawRateHz() / 1000, r.samples().length,
                    count(train, r.name()), count(test, r.name())));
        }
        report.append('\n');
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static long count(List<LabelledWindow> windows, String recording) {
        return windows.stream().filter(w -> w.recording().equals(recording)).count();
    }

    private static void writeRelease(Release release, FaultModel m, CwruData data, List<LabelledWindow> train,
            List<LabelledWindow> test, Path outDir, StringBuilder report) throws IOException, OrtException {
        String label = NAME + " " + release.version();
        byte[] onnx = m.onnx(NAME, release.version(), release.onnxVersion());

        /*
         * The descriptor's example: the held-out window whose score is nearest 0.5, where the softmax is steepest, so a
         * wrong weight or input order shows in the output instead of hiding in a saturated 0 or 1.
         */
        LabelledWindow example = test.stream()
                .min(Comparator.comparingDouble((LabelledWindow w) -> Math.abs(m.score(w) - 0.5)))
                .orElseThrow();
        List<LabelledWindow> extra = new ArrayList<>();
        for (CwruData.Recording r : data.recordings()) {
            test.stream().filter(w -> w.recording().equals(r.name())).findFirst().ifPresent(extra::add);
        }
        List<float[]> inputs = new ArrayList<>();
        inputs.add(m.input(example));
        extra.forEach(w -> inputs.add(m.input(w)));
        data.windows().forEach(w -> inputs.add(m.input(w)));
        OnnxCheck.Result check = OnnxCheck.check(label, onnx, m, inputs);

        Path dir = outDir.resolve(NAME + "-" + release.version());
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.onnx"), onnx);
        JsonObject descriptor = descriptor(release, m, data, train, test, onnx, check, example);
        var gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
        Files.writeString(dir.resolve("descriptor.json"), gson.toJson(descriptor) + "\n", StandardCharsets.UTF_8);
        JsonObject examples = new JsonObject();
        examples.addProperty("model", NAME + " " + release.version());
        examples.addProperty("about", "The first held-out (test-split) window of every recording, for checking a "
                + "runtime end to end: cut samples [start_sample, start_sample + 2048) of the recording's DE channel "
                + "at 12 kHz (the normal recording after the 48 -> 12 kHz decimation described in README.md), run "
                + "VibrationFeatures(8), check raw_features, standardise with the descriptor, run model.onnx and "
                + "compare with expected_output (Tribuo) and onnxruntime_output (ONNX Runtime "
                + ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion() + ").");
        JsonArray list = new JsonArray();
        for (int i = 0; i < extra.size(); i++) {
            list.add(example(m, data, extra.get(i), check.outputs()[1 + i]));
        }
        examples.add("examples", list);
        Files.writeString(dir.resolve("example.json"), gson.toJson(examples) + "\n", StandardCharsets.UTF_8);

        report.append(String.format(Locale.ROOT, "| %s | %s/model.onnx | %d | `%s` | %s %s float | %s %s float "
                + "| %d | %d | %.2e | %.2e |%n", label, dir.getFileName(), onnx.length, CwruData.sha256(onnx),
                check.inputName(), java.util.Arrays.toString(check.inputShape()), check.outputName(),
                java.util.Arrays.toString(check.outputShape()), check.opset(), check.windows(), check.maxAbsDiff(),
                check.maxLogOddsDiff()));
    }

    private static JsonObject descriptor(Release release, FaultModel m, CwruData data, List<LabelledWindow> train,
            List<LabelledWindow> test, byte[] onnx, OnnxCheck.Result check, LabelledWindow example) {
        JsonObject d = new JsonObject();
        d.addProperty("name", NAME);
        d.addProperty("version", release.version());
        d.addProperty("task", TASK);
        d.addProperty("summary", release.summary() + "; outputs P(fault) of a rolling-element bearing from one "
                + "drive-end vibration window");
        JsonObject file = new JsonObject();
        file.addProperty("file", "model.onnx");
        file.addProperty("format", "onnx");
        file.addProperty("sha256", CwruData.sha256(onnx));
        file.addProperty("bytes", onnx.length);
        file.addProperty("opset", check.opset());
        file.addProperty("producer", "Tribuo " + org.tribuo.Tribuo.VERSION);
        file.addProperty("checked_with", "ONNX Runtime " + ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion()
                + String.format(Locale.ROOT, ": over %d rows (every window and the examples) max |ORT - Tribuo| "
                        + "%.2e (tolerance %.0e), max "
                        + "|log-odds difference| %.2e (tolerance %.0e)", check.windows(), check.maxAbsDiff(),
                        OnnxCheck.TOLERANCE, check.maxLogOddsDiff(), OnnxCheck.LOG_ODDS_TOLERANCE));
        d.add("model", file);
        d.add("input", tensor(check.inputName(), check.inputShape()));
        JsonObject out = tensor(check.outputName(), check.outputShape());
        JsonArray labels = new JsonArray();
        m.outputLabels().forEach(labels::add);
        out.add("labels", labels);
        out.addProperty("score_index", m.faultIndex());
        out.addProperty("meaning", "softmax over the labels; column score_index (label \"fault\") is the score, "
                + "P(fault) in [0, 1]");
        d.add("output", out);
        JsonObject extractor = new JsonObject();
        extractor.addProperty("class", "io.vigil.features.internal.VibrationFeatures");
        extractor.addProperty("bands", CwruData.BANDS);
        extractor.addProperty("window", CwruData.WINDOW);
        extractor.addProperty("hop", CwruData.HOP);
        extractor.addProperty("sample_rate_hz", CwruData.RATE_HZ);
        extractor.addProperty("channel", "bearing-housing accelerometer, radial, in g (CWRU drive end)");
        d.add("feature_extractor", extractor);
        JsonArray features = new JsonArray();
        m.features().names().forEach(features::add);
        d.add("features", features);
        d.addProperty("standardisation", "input[i] = (float) ((x[i] - feature_mean[i]) / feature_scale[i]), x[i] "
                + "the extractor's value of features[i]");
        d.add("feature_mean", array(m.mean()));
        d.add("feature_scale", array(m.scale()));
        d.addProperty("threshold", m.threshold());
        d.addProperty("alert_when", "score > threshold");
        long exceeding = train.stream().filter(w -> !w.fault()).filter(m::alerts).count();
        d.addProperty("threshold_rule", String.format(Locale.ROOT, "max(%.1f, the score exceeded by at most %.0f %% "
                + "of the training normal windows = %.3g); %d of %d training normal windows exceed the threshold. "
                + "In-sample, so optimistic: see README.md", FaultModel.MIN_THRESHOLD,
                100 * FaultModel.TRAIN_NORMAL_EXCEEDANCE, m.quantileThreshold(), exceeding, m.trainNormal()));

        JsonObject training = new JsonObject();
        training.addProperty("algorithm", "L2-regularised logistic regression: Tribuo LinearSGDTrainer(LogMulticlass, "
                + "AdaGradRDA), class-balanced example weights");
        JsonObject hyper = new JsonObject();
        hyper.addProperty("learning_rate", FaultModel.LEARNING_RATE);
        hyper.addProperty("epsilon", FaultModel.EPSILON);
        hyper.addProperty("l1", 0.0);
        hyper.addProperty("l2", FaultModel.L2);
        hyper.addProperty("epochs", FaultModel.EPOCHS);
        hyper.addProperty("minibatch", FaultModel.MINIBATCH);
        hyper.addProperty("seed", FaultModel.SEED);
        training.add("hyperparameters", hyper);
        JsonObject weights = new JsonObject();
        weights.addProperty("normal", m.normalWeight());
        weights.addProperty("fault", m.faultWeight());
        training.add("class_weights", weights);
        training.addProperty("split", "by recording time: windows wholly in the first 70 % of each recording train, "
                + "windows wholly in the last 30 % are held out");
        JsonObject counts = new JsonObject();
        counts.addProperty("train_normal", m.trainNormal());
        counts.addProperty("train_fault", m.trainFault());
        counts.addProperty("test_normal", test.stream().filter(w -> !w.fault()).count());
        counts.addProperty("test_fault", test.stream().filter(LabelledWindow::fault).count());
        training.add("windows", counts);
        JsonObject source = new JsonObject();
        source.addProperty("dataset", "CWRU bearing data, 1797 rpm, 0 HP, drive-end accelerometer (DE)");
        source.addProperty("acknowledgement", "Case Western Reserve University Bearing Data Center");
        source.addProperty("copy", "github.com/srigas/CWRU_Bearing_NumPy commit "
                + "b1179d28761048530daa4f04a5c1659eff529499 (see shared/data/cwru/SOURCE.txt)");
        JsonArray files = new JsonArray();
        for (CwruData.Recording r : data.recordings()) {
            JsonObject f = new JsonObject();
            f.addProperty("file", r.file());
            f.addProperty("sha256", r.sha256());
            f.addProperty("condition", r.faultType());
            f.addProperty("rate_hz", r.rawRateHz());
            f.addProperty("samples", r.rawSamples());
            files.add(f);
        }
        source.add("files", files);
        training.add("data", source);
        d.add("training", training);

        Metrics t = Metrics.of(m, test);
        JsonObject eval = new JsonObject();
        eval.addProperty("split", "last 30 % of every recording");
        eval.addProperty("accuracy", t.accuracy());
        eval.addProperty("balanced_accuracy", t.balancedAccuracy());
        eval.addProperty("recall_normal", t.recallNormal());
        eval.addProperty("recall_fault", t.recallFault());
        eval.addProperty("normal_alert_rate", t.normalAlertRate());
        eval.addProperty("normal_windows", t.normal());
        eval.addProperty("fault_windows", t.fault());
        eval.addProperty("see", "README.md and training-report.md for leave-one-fault-type-out and the caveats");
        d.add("evaluation", eval);

        JsonObject ex = example(m, data, example, check.outputs()[0]);
        ex.addProperty("chosen_as", "the held-out window whose score is nearest 0.5");
        d.add("example", ex);
        return d;
    }

    private static JsonObject example(FaultModel m, CwruData data, LabelledWindow w, float[] ort) {
        CwruData.Recording r = data.recordings().stream().filter(x -> x.name().equals(w.recording())).findFirst()
                .orElseThrow();
        JsonObject e = new JsonObject();
        e.addProperty("file", r.file());
        e.addProperty("recording", w.recording());
        e.addProperty("start_sample", w.startSample());
        e.addProperty("split", w.test() ? "test" : "train");
        JsonObject raw = new JsonObject();
        for (int i = 0; i < CwruData.FEATURES.size(); i++) {
            raw.addProperty(CwruData.FEATURES.get(i), w.features()[i]);
        }
        e.add("raw_features", raw);
        JsonArray input = new JsonArray();
        for (float v : m.input(w)) {
            input.add(v);
        }
        e.add("input", input);
        double[] expected = m.outputs(m.input(w));
        e.add("expected_output", array(expected));
        JsonArray ortOut = new JsonArray();
        for (float v : ort) {
            ortOut.add(v);
        }
        e.add("onnxruntime_output", ortOut);
        e.addProperty("expected_score", expected[m.faultIndex()]);
        e.addProperty("alert", expected[m.faultIndex()] > m.threshold());
        return e;
    }

    private static JsonObject tensor(String name, long[] shape) {
        JsonObject t = new JsonObject();
        t.addProperty("name", name);
        t.addProperty("type", "FLOAT");
        JsonArray s = new JsonArray();
        for (long v : shape) {
            s.add(v);
        }
        t.add("shape", s);
        return t;
    }

    private static JsonArray array(double[] values) {
        JsonArray a = new JsonArray();
        for (double v : values) {
            a.add(v);
        }
        return a;
    }
}
