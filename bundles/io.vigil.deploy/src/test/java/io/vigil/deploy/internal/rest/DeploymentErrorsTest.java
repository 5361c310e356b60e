package io.vigil.deploy.internal.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.osgi.service.deploymentadmin.DeploymentException;

class DeploymentErrorsTest {

    @Test
    void malformedPackagesAre400SignaturesAre403ConflictsAre409FailuresAre500() {
        for (int code : List.of(DeploymentException.CODE_NOT_A_JAR, DeploymentException.CODE_ORDER_ERROR,
                DeploymentException.CODE_MISSING_HEADER, DeploymentException.CODE_BAD_HEADER,
                DeploymentException.CODE_MISSING_BUNDLE, DeploymentException.CODE_MISSING_RESOURCE,
                DeploymentException.CODE_BUNDLE_NAME_ERROR, DeploymentException.CODE_FOREIGN_CUSTOMIZER,
                DeploymentException.CODE_PROCESSOR_NOT_FOUND)) {
            assertEquals(400, DeploymentErrors.status(code), DeploymentErrors.codeName(code));
        }
        assertEquals(403, DeploymentErrors.status(DeploymentException.CODE_SIGNING_ERROR));
        for (int code : List.of(DeploymentException.CODE_MISSING_FIXPACK_TARGET,
                DeploymentException.CODE_BUNDLE_SHARING_VIOLATION,
                DeploymentException.CODE_RESOURCE_SHARING_VIOLATION)) {
            assertEquals(409, DeploymentErrors.status(code), DeploymentErrors.codeName(code));
        }
        for (int code : List.of(DeploymentException.CODE_COMMIT_ERROR, DeploymentException.CODE_OTHER_ERROR,
                DeploymentException.CODE_TIMEOUT, 999)) {
            assertEquals(500, DeploymentErrors.status(code), DeploymentErrors.codeName(code));
        }
        assertEquals(503, DeploymentErrors.status(DeploymentException.CODE_CANCELLED));
    }

    /** The names are the spec's constants, so a client can look them up (and none is forgotten). */
    @Test
    void everyCodeOfTheSpecIsNamedAfterItsConstant() throws IllegalAccessException {
        List<Field> codes = new ArrayList<>();
        for (Field f : DeploymentException.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getName().startsWith("CODE_")) {
                codes.add(f);
            }
        }
        assertEquals(17, codes.size());
        for (Field f : codes) {
            assertEquals(f.getName(), DeploymentErrors.codeName(f.getInt(null)));
        }
        assertEquals("SIGNING_ERROR", DeploymentErrors.reason(DeploymentException.CODE_SIGNING_ERROR));
        assertEquals(456, DeploymentException.CODE_SIGNING_ERROR);
    }
}
