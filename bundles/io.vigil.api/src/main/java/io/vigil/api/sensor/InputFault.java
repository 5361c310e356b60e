package io.vigil.api.sensor;

/** Kinds of bad input from a driver; each is counted per channel and never stops the pipeline. */
public enum InputFault {
    /** A sample was NaN. */
    NAN,
    /** A sample was +Inf or -Inf. */
    INFINITE,
    /** A sample lay outside the channel's valid range. */
    OUT_OF_RANGE,
    /** A block started later than the previous block's last sample plus the tolerance: samples are missing. */
    GAP,
    /** A block started before the end of the previous one: the timestamps went backwards. */
    TIME_REVERSAL,
    /** The driver threw or reported an error. */
    DRIVER_ERROR,
    /** The driver delivered nothing for longer than the stall timeout. */
    STALL
}
