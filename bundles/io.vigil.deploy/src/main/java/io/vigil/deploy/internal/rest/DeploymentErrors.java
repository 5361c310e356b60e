package io.vigil.deploy.internal.rest;

import static org.osgi.service.deploymentadmin.DeploymentException.CODE_BAD_HEADER;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_BUNDLE_NAME_ERROR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_BUNDLE_SHARING_VIOLATION;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_CANCELLED;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_COMMIT_ERROR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_FOREIGN_CUSTOMIZER;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_MISSING_BUNDLE;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_MISSING_FIXPACK_TARGET;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_MISSING_HEADER;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_MISSING_RESOURCE;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_NOT_A_JAR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_ORDER_ERROR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_OTHER_ERROR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_PROCESSOR_NOT_FOUND;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_RESOURCE_SHARING_VIOLATION;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_SIGNING_ERROR;
import static org.osgi.service.deploymentadmin.DeploymentException.CODE_TIMEOUT;

/**
 * How a Deployment Admin error code answers over HTTP. The spec's codes say what was wrong with the package or the
 * operation; the status says whose move it is:
 * <ul>
 * <li>400: the package is malformed (not a JAR, manifest not first, missing or bad headers, an entry missing or
 * contradicting its header, a resource processor or customizer, which Vigil does not run) — fix the package;
 * <li>403: the signature is missing, broken or by a signer the trust store does not trust — sign it with a trusted
 * key (or trust the key); 403 rather than 422 because the gateway understood the package and declines it on
 * authority, the way it declines an unauthenticated caller;
 * <li>409: the package is sound but conflicts with what is installed (a fix pack whose base is not installed, a
 * bundle owned by another package or installed outside any; a downgrade, which the caller recognises by
 * {@code reason: DOWNGRADE}) — change the state or use {@code force};
 * <li>500: the package was fine but installing it failed and was rolled back (a bundle did not start, the health
 * check failed, a commit could not be recorded, a refresh timed out, anything else);
 * <li>503: the operation was cancelled — try again.
 * </ul>
 */
public final class DeploymentErrors {

    private DeploymentErrors() {
    }

    public static int status(int code) {
        return switch (code) {
            case CODE_NOT_A_JAR, CODE_ORDER_ERROR, CODE_MISSING_HEADER, CODE_BAD_HEADER, CODE_MISSING_BUNDLE,
                    CODE_MISSING_RESOURCE, CODE_BUNDLE_NAME_ERROR, CODE_FOREIGN_CUSTOMIZER, CODE_PROCESSOR_NOT_FOUND ->
                400;
            case CODE_SIGNING_ERROR -> 403;
            case CODE_MISSING_FIXPACK_TARGET, CODE_BUNDLE_SHARING_VIOLATION, CODE_RESOURCE_SHARING_VIOLATION -> 409;
            case CODE_CANCELLED -> 503;
            default -> 500; // CODE_COMMIT_ERROR, CODE_OTHER_ERROR, CODE_TIMEOUT and codes the spec may add
        };
    }

    /** @return the constant's name in {@code DeploymentException}, e.g. CODE_SIGNING_ERROR */
    public static String codeName(int code) {
        return switch (code) {
            case CODE_CANCELLED -> "CODE_CANCELLED";
            case CODE_NOT_A_JAR -> "CODE_NOT_A_JAR";
            case CODE_ORDER_ERROR -> "CODE_ORDER_ERROR";
            case CODE_MISSING_HEADER -> "CODE_MISSING_HEADER";
            case CODE_BAD_HEADER -> "CODE_BAD_HEADER";
            case CODE_MISSING_FIXPACK_TARGET -> "CODE_MISSING_FIXPACK_TARGET";
            case CODE_MISSING_BUNDLE -> "CODE_MISSING_BUNDLE";
            case CODE_MISSING_RESOURCE -> "CODE_MISSING_RESOURCE";
            case CODE_SIGNING_ERROR -> "CODE_SIGNING_ERROR";
            case CODE_BUNDLE_NAME_ERROR -> "CODE_BUNDLE_NAME_ERROR";
            case CODE_FOREIGN_CUSTOMIZER -> "CODE_FOREIGN_CUSTOMIZER";
            case CODE_BUNDLE_SHARING_VIOLATION -> "CODE_BUNDLE_SHARING_VIOLATION";
            case CODE_RESOURCE_SHARING_VIOLATION -> "CODE_RESOURCE_SHARING_VIOLATION";
            case CODE_COMMIT_ERROR -> "CODE_COMMIT_ERROR";
            case CODE_OTHER_ERROR -> "CODE_OTHER_ERROR";
            case CODE_PROCESSOR_NOT_FOUND -> "CODE_PROCESSOR_NOT_FOUND";
            case CODE_TIMEOUT -> "CODE_TIMEOUT";
            default -> "CODE_" + code;
        };
    }

    /** @return the code's name without the CODE_ prefix, as the {@code reason} of an error reply */
    public static String reason(int code) {
        return codeName(code).substring("CODE_".length());
    }
}
