package io.vigil.deploy.internal.tx;

import java.util.List;

import io.vigil.api.deploy.InstalledPackage;

/**
 * The write-ahead record of one transaction, on disk from before the first change to the framework until the
 * commit is complete. After a crash its presence says what to undo (not committed) or finish (committed).
 *
 * @param txId transaction id
 * @param operation INSTALL, UPDATE, UNINSTALL or ROLLBACK
 * @param packageName the package concerned
 * @param requestedBy who asked
 * @param before every bundle the transaction may change, as it was
 * @param created locations of bundles the transaction installs (uninstalled on rollback)
 * @param packagesAfter the package records to write at commit (every package, the whole state)
 * @param committed whether the commit point was passed
 * @param startedEpochMillis when it started
 */
record Journal(String txId, String operation, String packageName, String requestedBy, List<Before> before,
        List<String> created, List<InstalledPackage> packagesAfter, boolean committed, long startedEpochMillis) {

    /**
     * A bundle before the transaction.
     *
     * @param location its location
     * @param symbolicName its symbolic name
     * @param sha256 the store copy of its content
     * @param active whether it was started (ACTIVE or STARTING)
     */
    record Before(String location, String symbolicName, String sha256, boolean active) {
    }

    Journal commit(List<InstalledPackage> after) {
        return new Journal(txId, operation, packageName, requestedBy, before, created, after, true,
                startedEpochMillis);
    }
}
