package io.vigil.shadow.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = ShadowManager.PID, name = "Vigil shadow mode and promotion gate",
        description = "How candidate models are compared with the live model in shadow, and when the comparison "
                + "lets one replace it. Applies to every asset.")
public @interface ShadowConfig {

    @AttributeDefinition(name = "Minimum windows", description = "Windows the candidate must have been compared "
            + "on before the gate decides. Only windows escalated to tier-1 are compared: with the asset's model in "
            + "ESCALATED mode on a healthy machine they are rare, so shadow in EVERY_WINDOW mode to validate sooner.")
    int min_windows() default 1000;

    @AttributeDefinition(name = "Minimum duration (s)", description = "Time the comparison must have run before "
            + "the gate decides, so it spans the machine's duty cycle and not just one state.")
    double min_duration_seconds() default 3600;

    @AttributeDefinition(name = "Maximum alert-rate increase", description = "Largest rise of the fraction of "
            + "anomalous windows (candidate minus live, e.g. 0.01 = one window in a hundred) that is accepted. The "
            + "criterion passes when the whole confidence interval of the rise is below it, fails when the whole "
            + "interval is above it, and waits for more windows otherwise.")
    double max_alert_rate_increase() default 0.01;

    @AttributeDefinition(name = "Maximum alert-rate decrease", description = "Largest fall of the fraction of "
            + "anomalous windows that is accepted: a candidate that stops alerting is as suspect as one that "
            + "alerts too often.")
    double max_alert_rate_decrease() default 0.01;

    @AttributeDefinition(name = "Significance level", description = "The gate's confidence intervals (rate "
            + "difference, agreement) are at level 1 - this.")
    double significance() default 0.05;

    @AttributeDefinition(name = "Minimum agreement", description = "Fraction of compared windows on which both "
            + "models must decide alike (the lower end of its confidence interval, to pass).")
    double min_agreement() default 0.98;

    @AttributeDefinition(name = "Maximum latency ratio", description = "Largest accepted ratio of the candidate's "
            + "99th-percentile inference time to the live model's.")
    double max_latency_ratio() default 2.0;

    @AttributeDefinition(name = "Minimum latency samples", description = "Timed runs of each model before the "
            + "latency ratio is judged: a 99th percentile of a few runs is just their maximum.")
    int min_latency_samples() default 200;

    @AttributeDefinition(name = "Maximum candidate errors", description = "Windows the candidate may fail on "
            + "(exception, NaN or infinite score) before it is rejected; 0 rejects at the first.")
    int max_errors() default 0;

    @AttributeDefinition(name = "Promotion", description = "AUTOMATIC: a candidate the gate finds READY is "
            + "promoted at once. OPERATOR: it waits in READY for an operator's promote.")
    Promotion promotion() default Promotion.OPERATOR;

    @AttributeDefinition(name = "Queue capacity", description = "Windows waiting for the candidate; when it falls "
            + "this far behind, new windows are skipped (and counted) rather than delaying the live model.")
    int queue_capacity() default 256;

    @AttributeDefinition(name = "Report interval (s)", description = "How often a running comparison's report is "
            + "written to disk.")
    double persist_interval_seconds() default 10;
}
