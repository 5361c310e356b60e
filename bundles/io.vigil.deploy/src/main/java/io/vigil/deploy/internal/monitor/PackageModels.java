package io.vigil.deploy.internal.monitor;

import java.util.Collection;
import java.util.Set;

import io.vigil.api.detect.ModelRef;

/** Which models a package's bundles carry, as the verdicts name them. */
interface PackageModels {

    /** @return the models the bundles with these symbolic names carry now */
    Set<ModelRef> carriedBy(Collection<String> bundleSymbolicNames);

    /** @return the models bundles with these symbolic names have carried, including ones uninstalled since */
    Set<ModelRef> everCarriedBy(Collection<String> bundleSymbolicNames);
}
