package io.vigil.api.alert;

/** Alert severity, most severe first. */
public enum Severity {
    CRITICAL, MAJOR, MINOR, WARNING;

    /**
     * Severity from how far the scores went past the threshold.
     *
     * @param ratio score divided by threshold, &gt;= 1 for an anomalous window; NaN (a detector or model that
     *        broke) is CRITICAL, since nobody knows how bad the machine is
     */
    public static Severity ofExceedance(double ratio) {
        if (ratio >= 4 || Double.isNaN(ratio)) {
            return CRITICAL;
        }
        if (ratio >= 2) {
            return MAJOR;
        }
        if (ratio >= 1.25) {
            return MINOR;
        }
        return WARNING;
    }
}
