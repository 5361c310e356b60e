package io.vigil.driver.sim.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BearingTest {

    private static final Bearing SKF_6205 = new Bearing(9, 7.94, 39.04, 0);

    /** The multiples of running speed published with the CWRU bearing data set for the drive-end SKF 6205-2RS. */
    @Test
    void defectFrequenciesMatchTheCwruTable() {
        double fr = 1797 / 60.0;
        assertEquals(3.5848, SKF_6205.bpfoHz(fr) / fr, 1e-3);
        assertEquals(5.4152, SKF_6205.bpfiHz(fr) / fr, 1e-3);
        assertEquals(4.7135, 2 * SKF_6205.bsfHz(fr) / fr, 1e-3, "CWRU lists the rolling-element rate as 2 x BSF");
        assertEquals(0.39828, SKF_6205.ftfHz(fr) / fr, 1e-4);
        assertEquals(107.36, SKF_6205.bpfoHz(fr), 0.01);
    }

    @Test
    void contactAngleBringsRaceFrequenciesTogether() {
        double fr = 25;
        Bearing angular = new Bearing(9, 7.94, 39.04, 40);
        assertTrue(angular.bpfoHz(fr) > SKF_6205.bpfoHz(fr));
        assertTrue(angular.bpfiHz(fr) < SKF_6205.bpfiHz(fr));
        assertEquals(9 * fr, angular.bpfoHz(fr) + angular.bpfiHz(fr), 1e-9, "BPFO + BPFI = n x fr at any angle");
    }

    @Test
    void rejectsImpossibleGeometryNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Bearing(9, 40, 39.04, 0));
        assertTrue(e.getMessage().contains("bearing.pitch.diameter.mm") && e.getMessage().contains("39.04"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Bearing(2, 7.94, 39.04, 0));
        assertTrue(e.getMessage().contains("bearing.balls") && e.getMessage().contains("was 2"), e.getMessage());
    }
}
