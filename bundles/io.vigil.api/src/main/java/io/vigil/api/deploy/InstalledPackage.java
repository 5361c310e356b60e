package io.vigil.api.deploy;

import java.util.List;

/**
 * An installed deployment package as the deployment store records it, with the version it replaced (the
 * rollback target) one level deep.
 *
 * @param name symbolic name
 * @param version version
 * @param signer subject DN of the signer, or {@code unsigned}
 * @param installedEpochMillis when the transaction committed
 * @param bundles its bundles, in start order
 * @param headers its main manifest headers
 * @param previous what it replaced, null for a first install (and always null in a previous record)
 */
public record InstalledPackage(String name, String version, String signer, long installedEpochMillis,
        List<BundleRecord> bundles, java.util.Map<String, String> headers, InstalledPackage previous) {

    /**
     * @param symbolicName Bundle-SymbolicName
     * @param version Bundle-Version
     * @param sha256 hash of the jar, naming its copy in the store
     * @param location the bundle's location in the framework
     */
    public record BundleRecord(String symbolicName, String version, String sha256, String location) {
    }

    /** @return this record without the version it replaced (a previous record keeps no history of its own) */
    public InstalledPackage withoutPrevious() {
        return new InstalledPackage(name, version, signer, installedEpochMillis, bundles, headers, null);
    }
}
