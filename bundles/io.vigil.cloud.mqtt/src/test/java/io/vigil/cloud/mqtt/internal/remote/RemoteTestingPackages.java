package io.vigil.cloud.mqtt.internal.remote;

import java.util.List;
import java.util.Map;

import io.vigil.api.deploy.InstalledPackage;

/** Installed-package records for the tests. */
final class RemoteTestingPackages {

    private RemoteTestingPackages() {
    }

    static InstalledPackage installed(String name, String version, InstalledPackage previous) {
        return new InstalledPackage(name, version, "unsigned", 1, List.of(new InstalledPackage.BundleRecord(name
                + ".bundle", version, "ab".repeat(32), "vigil:" + name)), Map.of("DeploymentPackage-Name", name),
                previous);
    }
}
