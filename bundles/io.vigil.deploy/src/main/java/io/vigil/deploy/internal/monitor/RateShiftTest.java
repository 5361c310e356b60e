package io.vigil.deploy.internal.monitor;

import io.vigil.api.deploy.DeploymentWatch.Signal;
import io.vigil.deploy.internal.monitor.ThresholdCalibration.Calibration;

/**
 * Two one-sided Bernoulli CUSUMs on one stream of windows: one for the anomalous rate rising to
 * {@link ShiftRates#increased()}, one for it falling to {@link ShiftRates#decreased()}. A model that stops
 * alerting is as suspect as one that alerts too often. Not thread-safe.
 */
final class RateShiftTest {

    private final Calibration calibration;
    private final BernoulliCusum increase;
    private final BernoulliCusum decrease;

    RateShiftTest(Calibration calibration) {
        this.calibration = calibration;
        ShiftRates r = calibration.rates();
        this.increase = new BernoulliCusum(r.p0(), r.increased());
        this.decrease = new BernoulliCusum(r.p0(), r.decreased());
    }

    /** @return which CUSUM exceeded its threshold with this window, NONE if neither */
    Signal observe(boolean anomalous) {
        double up = increase.update(anomalous);
        double down = decrease.update(anomalous);
        if (ThresholdCalibration.exceeds(up, calibration.increase())) {
            return Signal.INCREASE;
        }
        if (ThresholdCalibration.exceeds(down, calibration.decrease())) {
            return Signal.DECREASE;
        }
        return Signal.NONE;
    }

    void restore(double increaseStatistic, double decreaseStatistic) {
        increase.restore(increaseStatistic);
        decrease.restore(decreaseStatistic);
    }

    Calibration calibration() {
        return calibration;
    }

    double increaseStatistic() {
        return increase.statistic();
    }

    double decreaseStatistic() {
        return decrease.statistic();
    }
}
