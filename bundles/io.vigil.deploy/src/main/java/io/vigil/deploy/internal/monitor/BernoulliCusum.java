package io.vigil.deploy.internal.monitor;

/**
 * Page's (1954) one-sided CUSUM for a Bernoulli stream whose success rate may shift from {@code p0} to {@code p1}.
 * Each observation adds its log-likelihood ratio: {@code ln(p1/p0)} for a success (an anomalous window),
 * {@code ln((1-p1)/(1-p0))} for a failure; the statistic is {@code S = max(0, S + increment)}. With
 * {@code p1 > p0} it accumulates evidence of an increase, with {@code p1 < p0} of a decrease: the same
 * formula, only the signs of the two increments swap. Not thread-safe.
 */
final class BernoulliCusum {

    private final double p0;
    private final double p1;
    private final double anomalousIncrement;
    private final double normalIncrement;
    private double statistic;

    /**
     * @param p0 the in-control rate, strictly between 0 and 1
     * @param p1 the rate to detect, strictly between 0 and 1 and not p0
     */
    BernoulliCusum(double p0, double p1) {
        if (!(p0 > 0 && p0 < 1) || !(p1 > 0 && p1 < 1) || p0 == p1) {
            throw new IllegalArgumentException("a Bernoulli CUSUM needs two different rates strictly between 0 and "
                    + "1, got p0=" + p0 + " and p1=" + p1);
        }
        this.p0 = p0;
        this.p1 = p1;
        this.anomalousIncrement = Math.log(p1 / p0);
        this.normalIncrement = Math.log((1 - p1) / (1 - p0));
    }

    /** @return the statistic after the observation */
    double update(boolean anomalous) {
        statistic = Math.max(0, statistic + (anomalous ? anomalousIncrement : normalIncrement));
        return statistic;
    }

    double statistic() {
        return statistic;
    }

    /** Resumes from a statistic saved earlier (the CUSUM's whole state is this one number). */
    void restore(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("a CUSUM statistic is finite and at least 0, got " + value);
        }
        statistic = value;
    }

    double p0() {
        return p0;
    }

    double p1() {
        return p1;
    }

    double anomalousIncrement() {
        return anomalousIncrement;
    }

    double normalIncrement() {
        return normalIncrement;
    }
}
