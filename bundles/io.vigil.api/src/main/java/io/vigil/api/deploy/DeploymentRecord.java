package io.vigil.api.deploy;

/**
 * One deployment as the history records it: who, what, when, and how it ended.
 *
 * @param txId transaction id
 * @param operation INSTALL, UPDATE, UNINSTALL, ROLLBACK or RECOVERY
 * @param packageName the package
 * @param fromVersion version installed before, empty if none
 * @param toVersion version installed after (as requested), empty for an uninstall
 * @param requestedBy who asked (operator, REST user, cloud requester, hot-deploy directory)
 * @param source where the package came from (file, URL) with its SHA-256
 * @param signer who signed it
 * @param startedEpochMillis start
 * @param endedEpochMillis end
 * @param result COMMITTED, ROLLED_BACK or REFUSED
 * @param code the Deployment Admin error code when not committed, -1 otherwise
 * @param message what happened, in a sentence
 */
public record DeploymentRecord(String txId, String operation, String packageName, String fromVersion, String toVersion,
        String requestedBy, String source, String signer, long startedEpochMillis, long endedEpochMillis,
        String result, int code, String message) {
}
