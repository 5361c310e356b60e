package io.vigil.api.deploy;

import java.util.List;

/**
 * How one asset's alert rate is watched after one deployment: the baseline it is compared with, the two one-sided
 * Bernoulli CUSUMs (an increase and a decrease of the fraction of anomalous windows) with their thresholds, what
 * they saw, and the outcome. Rates are per scored window (the final verdict the alert state machine received), not
 * per alert.
 *
 * @param id {@code <transaction id>/<asset>}: the deployment and the asset
 * @param txId the deployment's transaction id, as in the deployment history
 * @param packageName the deployment package
 * @param assetId the asset
 * @param operation INSTALL, UPDATE or ROLLBACK
 * @param fromVersion the package version before, empty for an install
 * @param toVersion the package version after
 * @param models the models the package carries after the deployment, {@code name:version}
 * @param state where the watch is
 * @param reason what happened last, in a sentence
 * @param action what a signal does, as configured when the watch started
 * @param baselineWindows windows in the baseline
 * @param baselineAnomalous anomalous windows among them
 * @param baselineRate the rate the CUSUMs take as normal: (anomalous + 1) / (windows + 2), the baseline's
 *        add-one (Laplace) estimate, so that a baseline without a single anomalous window still gives a rate above 0
 * @param baselineSource where the baseline comes from (the windows before the deployment, or an earlier watch's)
 * @param shiftRatio the configured shift worth detecting, as a rate ratio
 * @param increasedRate the rate the increase CUSUM is tuned to detect
 * @param decreasedRate the rate the decrease CUSUM is tuned to detect
 * @param falseAlarmProbability the probability, fixed when the thresholds were set, that an unchanged rate signals
 *        during the whole watch (either CUSUM)
 * @param watchWindows windows watched without a signal before the deployment is declared OK
 * @param windowsObserved windows of the asset since the deployment
 * @param anomalousObserved anomalous ones among them
 * @param observedRate {@code anomalousObserved / windowsObserved}, NaN before the first window
 * @param cusumIncrease the increase CUSUM's statistic (frozen at a signal)
 * @param cusumDecrease the decrease CUSUM's statistic (frozen at a signal)
 * @param thresholdIncrease the increase CUSUM signals when its statistic exceeds this
 * @param thresholdDecrease the decrease CUSUM signals when its statistic exceeds this
 * @param increaseDetectable false when the increase CUSUM cannot exceed its threshold within the watch (a baseline
 *        in which nearly every window was anomalous already)
 * @param decreaseDetectable false when the decrease CUSUM cannot exceed its threshold within the watch (a baseline
 *        with too few anomalous windows for even none at all to be told from chance)
 * @param signal which CUSUM signalled, NONE if neither
 * @param signalWindow the observed window at which it signalled, 0 if none
 * @param startedEpochMillis when the watch started
 * @param updatedEpochMillis when this view was taken
 * @param endedEpochMillis when it reached an end state, 0 while active
 * @param decidedBy who kept or rolled back ({@code monitor} for the automatic rollback), empty otherwise
 */
public record DeploymentWatch(String id, String txId, String packageName, String assetId, String operation,
        String fromVersion, String toVersion, List<String> models, State state, String reason, Action action,
        long baselineWindows, long baselineAnomalous, double baselineRate, String baselineSource, double shiftRatio,
        double increasedRate, double decreasedRate, double falseAlarmProbability, int watchWindows,
        long windowsObserved, long anomalousObserved, double observedRate, double cusumIncrease,
        double cusumDecrease, double thresholdIncrease, double thresholdDecrease, boolean increaseDetectable,
        boolean decreaseDetectable, Signal signal, long signalWindow, long startedEpochMillis,
        long updatedEpochMillis, long endedEpochMillis, String decidedBy) {

    /** Where a watch is. */
    public enum State {
        /** The CUSUMs run on every new window. */
        WATCHING,
        /** A CUSUM signalled; a person must keep the deployment or roll it back. */
        PENDING_REVIEW,
        /** Watched for its whole length without a signal. */
        OK,
        /** Rolled back, by the monitor or after a review. */
        ROLLED_BACK,
        /** A person reviewed the signal and kept the deployment. */
        KEPT,
        /** The package was updated, rolled back or uninstalled again before the watch ended. */
        SUPERSEDED,
        /** Too few windows before the deployment to form a baseline: the asset is not watched for it. */
        NO_BASELINE;

        /** @return whether the watch still waits for windows or for a person */
        public boolean active() {
            return this == WATCHING || this == PENDING_REVIEW;
        }
    }

    /** Which way the rate shifted. */
    public enum Signal {
        NONE, INCREASE, DECREASE
    }

    /** What a signal does. */
    public enum Action {
        /** Roll the package back at once. */
        ROLLBACK,
        /** Enter PENDING_REVIEW and wait for a person. */
        REVIEW
    }
}
