package io.vigil.deploy.internal.monitor;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.vigil.api.deploy.DeploymentWatch.Action;

@ObjectClassDefinition(id = DeploymentMonitor.PID, name = "Vigil post-deployment monitor",
        description = "After a deployment package changes the model an asset runs on, compares the asset's rate "
                + "of anomalous windows with its rate before the deployment (two one-sided Bernoulli CUSUMs, for "
                + "an increase and a decrease), and rolls the package back or asks for a review when it shifts. "
                + "Changes apply to watches started afterwards.")
public @interface MonitorConfig {

    @AttributeDefinition(name = "Action on a shift", description = "REVIEW: the watch enters PENDING_REVIEW (an "
            + "event and a WARNING log line) until an operator keeps the deployment or rolls it back (vigil:review, "
            + "or POST /vigil/api/deploy/watches/{package}/keep|rollback). ROLLBACK: the package is rolled back to "
            + "the version it replaced at once. A watch that follows a rollback always asks for a review: rolling "
            + "a rollback back would reinstall the version just judged bad.")
    Action action() default Action.REVIEW;

    @AttributeDefinition(name = "Baseline windows", description = "How many of an asset's scored windows just "
            + "before the deployment form its baseline (windows of a tier-0 detector still commissioning do not "
            + "count).")
    int baseline_windows() default 2000;

    @AttributeDefinition(name = "Minimum baseline windows", description = "An asset with fewer windows before the "
            + "deployment is not watched for it (state NO_BASELINE): a rate from a handful of windows would make "
            + "the thresholds so wide that the watch could only ever say OK.")
    int min_baseline_windows() default 500;

    @AttributeDefinition(name = "Watch windows", description = "Windows of the asset watched after the deployment; "
            + "without a signal by then the deployment is declared OK for it.")
    int watch_windows() default 5000;

    @AttributeDefinition(name = "Shift ratio", description = "The shift worth detecting: the rate of anomalous "
            + "windows multiplied (increase CUSUM) or divided (decrease CUSUM) by this. Smaller ratios are found "
            + "later; 2.0 = the rate doubling or halving.")
    double shift_ratio() default 2.0;

    @AttributeDefinition(name = "False-alarm probability", description = "Probability that an asset whose rate did "
            + "not change signals at some point during its watch (both CUSUMs together). The thresholds are "
            + "simulated per baseline to hold it, including the uncertainty of a baseline rate estimated from a "
            + "finite number of windows.")
    double false_alarm_probability() default 0.01;

    @AttributeDefinition(name = "Watch packages without models", description = "Also watch every asset after a "
            + "package that carries no model (features, runtime). Off by default: such a package may touch any "
            + "asset or none, and watching every asset for every package multiplies the false alarms by the "
            + "number of assets.")
    boolean watch_packages_without_models() default false;

    @AttributeDefinition(name = "Persist interval (s)", description = "How often the statistics of running "
            + "watches are written to disk; state changes are written at once.")
    double persist_interval_seconds() default 10;
}
