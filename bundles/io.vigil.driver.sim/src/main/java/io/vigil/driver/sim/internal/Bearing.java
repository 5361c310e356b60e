package io.vigil.driver.sim.internal;

/**
 * Rolling-element bearing geometry and the defect frequencies that follow from it.
 *
 * @param balls number of rolling elements
 * @param ballDiameterMm rolling-element diameter d
 * @param pitchDiameterMm pitch (cage) diameter D
 * @param contactAngleDeg contact angle phi, 0 for a deep-groove ball bearing under radial load
 */
public record Bearing(int balls, double ballDiameterMm, double pitchDiameterMm, double contactAngleDeg) {

    public Bearing {
        if (balls < 3 || balls > 100) {
            throw new IllegalArgumentException("bearing.balls must be between 3 and 100, was " + balls
                    + ": enter the number of rolling elements from the bearing data sheet");
        }
        if (!(ballDiameterMm > 0) || Double.isInfinite(ballDiameterMm)) {
            throw new IllegalArgumentException("bearing.ball.diameter.mm must be a positive size, was " + ballDiameterMm);
        }
        if (!(pitchDiameterMm > ballDiameterMm) || Double.isInfinite(pitchDiameterMm)) {
            throw new IllegalArgumentException("bearing.pitch.diameter.mm must be larger than the ball diameter "
                    + ballDiameterMm + " mm, was " + pitchDiameterMm
                    + ": use (bore + outside diameter) / 2 if the data sheet does not give it");
        }
        if (!(contactAngleDeg >= 0 && contactAngleDeg < 60)) {
            throw new IllegalArgumentException("bearing.contact.angle.deg must be in [0, 60), was " + contactAngleDeg
                    + ": use 0 for deep-groove ball bearings, 15 to 40 for angular-contact ones");
        }
    }

    /** d/D cos(phi): how much each element's own rotation shifts the defect frequencies from n/2 times shaft rate. */
    private double ratio() {
        return ballDiameterMm / pitchDiameterMm * Math.cos(Math.toRadians(contactAngleDeg));
    }

    /** @return ball pass frequency, outer race, in Hz */
    public double bpfoHz(double shaftHz) {
        return balls / 2.0 * shaftHz * (1 - ratio());
    }

    /** @return ball pass frequency, inner race, in Hz */
    public double bpfiHz(double shaftHz) {
        return balls / 2.0 * shaftHz * (1 + ratio());
    }

    /** @return ball spin frequency in Hz */
    public double bsfHz(double shaftHz) {
        double r = ratio();
        return pitchDiameterMm / (2 * ballDiameterMm) * shaftHz * (1 - r * r);
    }

    /** @return fundamental train (cage) frequency in Hz */
    public double ftfHz(double shaftHz) {
        return shaftHz / 2 * (1 - ratio());
    }
}
