package io.vigil.models.internal;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

import io.vigil.api.feature.FeatureVector;
import io.vigil.api.model.Model;
import io.vigil.api.model.ModelDescriptor;
import io.vigil.api.model.ModelException;
import io.vigil.api.model.ModelSession;
import io.vigil.api.model.Tensor;
import io.vigil.api.model.TensorType;

/** A model bundle's session behind the {@link Model} service: normalises feature vectors and reads the score. */
final class LoadedModel implements Model, AutoCloseable {

    private final ModelDescriptor descriptor;
    private final ModelSession session;
    private final String source;
    private final int scoreColumn;
    private final double[] mean;
    private final double[] scale;

    LoadedModel(ModelDescriptor descriptor, ModelSession session, String source, int scoreColumn) {
        this.descriptor = descriptor;
        this.session = session;
        this.source = source;
        this.scoreColumn = scoreColumn;
        this.mean = descriptor.featureMean();
        this.scale = descriptor.featureScale();
    }

    @Override
    public ModelDescriptor descriptor() {
        return descriptor;
    }

    String source() {
        return source;
    }

    @Override
    public double[] score(List<FeatureVector> batch) throws ModelException {
        List<String> wanted = descriptor.features();
        double[][] rows = new double[batch.size()][];
        for (int r = 0; r < rows.length; r++) {
            FeatureVector v = batch.get(r);
            double[] row = new double[wanted.size()];
            for (int j = 0; j < row.length; j++) {
                int i = v.names().indexOf(wanted.get(j));
                if (i < 0) {
                    throw new ModelException(ModelException.Reason.BAD_INPUT, "model " + descriptor.id() + " ("
                            + source + ") needs feature '" + wanted.get(j) + "', the window has " + v.names());
                }
                row[j] = (v.values()[i] - mean[j]) / scale[j];
            }
            rows[r] = row;
        }
        return scoreNormalised(rows);
    }

    /** Runs rows that are already normalised (the descriptor's example); one score per row. */
    double[] scoreNormalised(double[][] rows) throws ModelException {
        int features = descriptor.features().size();
        long[] shape = { rows.length, features };
        Tensor input;
        if (descriptor.input().type() == TensorType.DOUBLE) {
            DoubleBuffer data = DoubleBuffer.allocate(rows.length * features);
            for (double[] row : rows) {
                data.put(row);
            }
            input = Tensor.of(TensorType.DOUBLE, shape, data.flip());
        } else {
            FloatBuffer data = FloatBuffer.allocate(rows.length * features);
            for (double[] row : rows) {
                for (double x : row) {
                    data.put((float) x);
                }
            }
            input = Tensor.of(TensorType.FLOAT, shape, data.flip());
        }
        Map<String, Tensor> out = session.run(Map.of(descriptor.input().name(), input));
        Tensor scores = out.get(descriptor.output().name());
        if (scores == null) {
            throw new ModelException(ModelException.Reason.RUN_FAILED, "model " + descriptor.id() + " (" + source
                    + ") produced no output '" + descriptor.output().name() + "', only " + out.keySet());
        }
        return column(scores, rows.length);
    }

    private double[] column(Tensor t, int rows) throws ModelException {
        long width = rows == 0 ? 0 : t.elementCount() / rows;
        if (width * rows != t.elementCount() || scoreColumn >= width) {
            throw new ModelException(ModelException.Reason.RUN_FAILED, "model " + descriptor.id() + " (" + source
                    + ") output " + t + " has no score column " + scoreColumn + " for " + rows + " rows");
        }
        double[] scores = new double[rows];
        for (int r = 0; r < rows; r++) {
            int at = (int) (r * width + scoreColumn);
            scores[r] = switch (t.type()) {
            case FLOAT -> ((FloatBuffer) t.data()).get(at);
            case DOUBLE -> ((DoubleBuffer) t.data()).get(at);
            default -> throw new ModelException(ModelException.Reason.RUN_FAILED, "model " + descriptor.id()
                    + " (" + source + ") output is " + t.type() + "; a score must be FLOAT or DOUBLE");
            };
        }
        return scores;
    }

    @Override
    public void close() {
        session.close();
    }
}
