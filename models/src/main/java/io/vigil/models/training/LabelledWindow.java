package io.vigil.models.training;

/**
 * One window of a recording with Vigil's 13 features.
 *
 * @param recording short name of the recording (Normal, IR_7, ...)
 * @param faultType Normal, IR, B or OR@6
 * @param test whether the window lies in the last part of its recording (held out), otherwise in the first
 * @param startSample first sample of the window, at 12 kHz
 * @param features the 13 raw features, in {@link CwruData#FEATURES} order
 */
record LabelledWindow(String recording, String faultType, boolean test, int startSample, double[] features) {

    boolean fault() {
        return !faultType.equals(CwruData.NORMAL);
    }
}
