package io.vigil.models.training;

import java.util.List;

/**
 * The features a model reads, by name, in the order of the model's input.
 *
 * @param id short name used in reports
 * @param names feature names as {@code VibrationFeatures} names them
 */
record FeatureSet(String id, List<String> names) {

    FeatureSet {
        names = List.copyOf(names);
        for (String n : names) {
            if (!CwruData.FEATURES.contains(n)) {
                throw new IllegalArgumentException("feature set " + id + ": unknown feature '" + n
                        + "'; Vigil's vibration features are " + CwruData.FEATURES);
            }
        }
    }

    int size() {
        return names.size();
    }

    /** @return the selected raw features of a full 13-feature vector */
    double[] select(double[] all) {
        double[] out = new double[names.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all[CwruData.FEATURES.indexOf(names.get(i))];
        }
        return out;
    }
}
