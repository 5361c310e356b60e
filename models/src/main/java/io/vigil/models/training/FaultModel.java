package io.vigil.models.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGradRDA;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import ai.onnx.proto.OnnxMl;

/**
 * A fault-versus-normal logistic regression on standardised features, trained with Tribuo, with the decision threshold
 * taken from its own training data.
 *
 * <p>The standardisation is not part of the graph: it travels in the descriptor ({@code feature_mean},
 * {@code feature_scale}) so a gateway can see and check it, and the graph's input is
 * {@code (float) ((x - mean) / scale)}. Both Tribuo here and ONNX Runtime later see exactly that float vector.
 */
final class FaultModel {

    static final Label FAULT = new Label("fault");
    static final Label NORMAL = new Label("normal");

    /*
     * L2-regularised logistic regression by regularised dual averaging (AdaGrad-RDA). Tribuo's plain SGD logistic
     * regression has no penalty, and these classes are (nearly) separable, so its weights would keep growing with the
     * epochs and the scores saturate at 0 and 1; the penalty keeps the weights finite and the scores graded, which a
     * threshold needs. Settings fixed up front, not tuned on the held-out part.
     */
    static final double LEARNING_RATE = 1.0;
    static final double EPSILON = 0.1;
    static final double L2 = 1.0;
    static final int EPOCHS = 100;
    static final int MINIBATCH = 1;
    static final long SEED = 20261125L;
    /** Share of the training normal windows allowed to score above the threshold. */
    static final double TRAIN_NORMAL_EXCEEDANCE = 0.01;
    /*
     * The threshold never goes below the class-balanced model's own decision point. On these recordings the classes
     * separate, and with 40 training normal windows the 1 % rule alone is their highest (in-sample) score, about 1e-6:
     * a threshold pressed against the normal class, which any unseen normal variation would cross. The rule still
     * raises the threshold wherever training normal windows score above 0.5.
     */
    static final double MIN_THRESHOLD = 0.5;

    private final FeatureSet features;
    private final double[] mean;
    private final double[] scale;
    private final LinearSGDModel model;
    private final double threshold;
    private final double quantileThreshold;
    private final int faultIndex;
    private final String[] tribuoNames;
    private final float normalWeight;
    private final float faultWeight;
    private final int trainNormal;
    private final int trainFault;

    private FaultModel(FeatureSet features, double[] mean, double[] scale, LinearSGDModel model, String[] tribuoNames,
            float normalWeight, float faultWeight, int trainNormal, int trainFault, List<LabelledWindow> train) {
        this.features = features;
        this.mean = mean;
        this.scale = scale;
        this.model = model;
        this.tribuoNames = tribuoNames;
        this.normalWeight = normalWeight;
        this.faultWeight = faultWeight;
        this.trainNormal = trainNormal;
        this.trainFault = trainFault;
        ImmutableOutputInfo<Label> outputs = model.getOutputIDInfo();
        this.faultIndex = outputs.getID(FAULT);
        if (outputs.size() != 2 || faultIndex < 0 || outputs.getID(NORMAL) < 0) {
            throw new IllegalStateException("expected the outputs {fault, normal}, the model has " + outputs.getDomain());
        }
        checkInputOrder(model.getFeatureIDMap());
        this.quantileThreshold = quantileThreshold(train);
        this.threshold = Math.max(MIN_THRESHOLD, quantileThreshold);
    }

    /**
     * Trains on the given windows: the mean and scale come from them, the classes are weighted to equal total weight
     * (there are about 12 fault windows for every normal one), and the threshold is the score exceeded by at most
     * {@link #TRAIN_NORMAL_EXCEEDANCE} of their normal windows.
     */
    static FaultModel train(FeatureSet features, List<LabelledWindow> train) {
        int d = features.size();
        double[] mean = new double[d];
        double[] scale = new double[d];
        for (LabelledWindow w : train) {
            double[] x = features.select(w.features());
            for (int i = 0; i < d; i++) {
                mean[i] += x[i];
            }
        }
        for (int i = 0; i < d; i++) {
            mean[i] /= train.size();
        }
        for (LabelledWindow w : train) {
            double[] x = features.select(w.features());
            for (int i = 0; i < d; i++) {
                scale[i] += (x[i] - mean[i]) * (x[i] - mean[i]);
            }
        }
        for (int i = 0; i < d; i++) {
            scale[i] = Math.sqrt(scale[i] / train.size());
            if (!(scale[i] > 0)) {
                throw new IllegalStateException("feature " + features.names().get(i) + " is constant ("
                        + mean[i] + ") over the training windows; it cannot be standardised, drop it from "
                        + features.id());
            }
        }
        // Tribuo orders features by name; a numeric prefix makes that order the input order the descriptor names.
        String[] names = new String[d];
        for (int i = 0; i < d; i++) {
            names[i] = String.format(Locale.ROOT, "f%02d_%s", i, features.names().get(i));
        }
        int normal = (int) train.stream().filter(w -> !w.fault()).count();
        int fault = train.size() - normal;
        if (normal == 0 || fault == 0) {
            throw new IllegalArgumentException("training needs both classes; got " + normal + " normal and " + fault
                    + " fault windows");
        }
        // "balanced" weights: each class carries half the total weight
        float normalWeight = (float) (train.size() / (2.0 * normal));
        float faultWeight = (float) (train.size() / (2.0 * fault));

        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> data = new MutableDataset<>(
                new SimpleDataSourceProvenance("CWRU 1797 rpm drive-end windows, " + features.id(), factory), factory);
        for (LabelledWindow w : train) {
            ArrayExample<Label> e = new ArrayExample<>(w.fault() ? FAULT : NORMAL, names,
                    asFloatThenDouble(standardise(features.select(w.features()), mean, scale)));
            e.setWeight(w.fault() ? faultWeight : normalWeight);
            data.add(e);
        }
        AdaGradRDA optimiser = new AdaGradRDA(LEARNING_RATE, EPSILON, 0.0, L2, train.size());
        LinearSGDTrainer trainer = new LinearSGDTrainer(new LogMulticlass(), optimiser, EPOCHS, Integer.MAX_VALUE,
                MINIBATCH, SEED);
        LinearSGDModel model = (LinearSGDModel) trainer.train(data);
        return new FaultModel(features, mean, scale, model, names, normalWeight, faultWeight, normal, fault, train);
    }

    FeatureSet features() {
        return features;
    }

    double[] mean() {
        return mean.clone();
    }

    double[] scale() {
        return scale.clone();
    }

    double threshold() {
        return threshold;
    }

    /** The score exceeded by at most {@link #TRAIN_NORMAL_EXCEEDANCE} of the training normal windows. */
    double quantileThreshold() {
        return quantileThreshold;
    }

    /** Output column of the fault probability in the ONNX graph (and in Tribuo's output domain). */
    int faultIndex() {
        return faultIndex;
    }

    /** @return the labels by output column */
    List<String> outputLabels() {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < model.getOutputIDInfo().size(); i++) {
            labels.add(model.getOutputIDInfo().getOutput(i).getLabel());
        }
        return labels;
    }

    float normalWeight() {
        return normalWeight;
    }

    float faultWeight() {
        return faultWeight;
    }

    int trainNormal() {
        return trainNormal;
    }

    int trainFault() {
        return trainFault;
    }

    boolean alerts(LabelledWindow w) {
        return score(w) > threshold;
    }

    /** The model's input for a window: its selected features, standardised, as float. */
    float[] input(LabelledWindow w) {
        double[] z = standardise(features.select(w.features()), mean, scale);
        float[] f = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            f[i] = (float) z[i];
        }
        return f;
    }

    double score(LabelledWindow w) {
        return outputs(input(w))[faultIndex];
    }

    /** Tribuo's output for a model input: the probabilities by output column. */
    double[] outputs(float[] input) {
        double[] values = new double[input.length];
        for (int i = 0; i < input.length; i++) {
            values[i] = input[i];
        }
        Example<Label> e = new ArrayExample<>(NORMAL, tribuoNames, values);
        Prediction<Label> p = model.predict(e);
        double[] out = new double[model.getOutputIDInfo().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.getOutputScores().get(model.getOutputIDInfo().getOutput(i).getLabel()).getScore();
        }
        return out;
    }

    /**
     * The logistic weights per input feature, as the log-odds of fault per standard deviation: Tribuo keeps one
     * weight row per class, and the fault-versus-normal log-odds are their difference.
     */
    double[] faultLogOdds() {
        var weights = model.getWeightsCopy();
        int normalIndex = 1 - faultIndex;
        double[] out = new double[features.size() + 1];
        for (int i = 0; i <= features.size(); i++) {
            // the last column is the bias
            out[i] = weights.get(faultIndex, i) - weights.get(normalIndex, i);
        }
        return out;
    }

    /**
     * The graph Tribuo exports, with its provenance metadata replaced: Tribuo writes the training time and the host
     * into it, which would make every run's bytes differ and say nothing a gateway can use.
     */
    byte[] onnx(String name, String version, long modelVersion) {
        OnnxMl.ModelProto proto = model.exportONNXModel("io.vigil.models", modelVersion);
        OnnxMl.ModelProto clean = proto.toBuilder()
                .clearMetadataProps()
                .setDocString(name + " " + version + ": P(fault) of a bearing from Vigil's vibration features; input "
                        + "(x - feature_mean) / feature_scale from descriptor.json, output column " + faultIndex
                        + " is the fault probability")
                .addMetadataProps(meta("vigil.model.name", name))
                .addMetadataProps(meta("vigil.model.version", version))
                .addMetadataProps(meta("vigil.model.features", String.join(",", features.names())))
                .addMetadataProps(meta("vigil.model.output.labels", String.join(",", outputLabels())))
                .addMetadataProps(meta("vigil.model.trainer", "Tribuo " + org.tribuo.Tribuo.VERSION
                        + " LinearSGDTrainer(LogMulticlass, AdaGradRDA)"))
                .build();
        return clean.toByteArray();
    }

    private static OnnxMl.StringStringEntryProto meta(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private double quantileThreshold(List<LabelledWindow> train) {
        double[] scores = train.stream().filter(w -> !w.fault()).mapToDouble(this::score).sorted().toArray();
        int allowed = (int) Math.floor(TRAIN_NORMAL_EXCEEDANCE * scores.length);
        return scores[scores.length - 1 - allowed];
    }

    private void checkInputOrder(ImmutableFeatureMap map) {
        if (map.size() != tribuoNames.length) {
            throw new IllegalStateException("Tribuo kept " + map.size() + " of the " + tribuoNames.length
                    + " features; a feature that is 0 in every window would be dropped and shift the input");
        }
        for (int i = 0; i < tribuoNames.length; i++) {
            if (!map.get(i).getName().equals(tribuoNames[i])) {
                throw new IllegalStateException("Tribuo input column " + i + " is " + map.get(i).getName()
                        + ", the descriptor would say " + tribuoNames[i]);
            }
        }
    }

    private static double[] standardise(double[] x, double[] mean, double[] scale) {
        double[] z = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            z[i] = (x[i] - mean[i]) / scale[i];
        }
        return z;
    }

    private static double[] asFloatThenDouble(double[] z) {
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = (float) z[i];
        }
        return out;
    }

    @Override
    public String toString() {
        return features.id() + " " + Arrays.toString(features.names().toArray());
    }
}
