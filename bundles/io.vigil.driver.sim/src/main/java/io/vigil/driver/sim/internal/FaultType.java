package io.vigil.driver.sim.internal;

/** Which bearing element carries the simulated defect; each has its own impulse rate and modulation. */
public enum FaultType {
    /** Healthy bearing. */
    NONE,
    /** Spall on the stationary outer race: impulses at BPFO, no modulation since the defect stays in the load zone. */
    OUTER_RACE,
    /** Spall on the rotating inner race: impulses at BPFI, modulated at shaft rate as the defect passes the load zone. */
    INNER_RACE,
    /** Spall on a ball: it strikes both races once per spin, so impulses at 2 x BSF, modulated at cage rate. */
    BALL
}
