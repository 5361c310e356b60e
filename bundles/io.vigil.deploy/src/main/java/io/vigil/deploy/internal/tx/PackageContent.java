package io.vigil.deploy.internal.tx;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;

/**
 * What a transaction installs: a verified package's bundles, already staged on disk. Produced from a read and
 * verified deployment package, or from the store when a package is rolled back to its previous version.
 *
 * @param name the deployment package's symbolic name
 * @param version its version
 * @param fixPack the versions a fix pack applies to, null for a full package
 * @param bundles the bundles it carries, in the package's order (the start order)
 * @param missing bundle symbolic names a fix pack leaves out: kept as installed by the version it fixes
 * @param signer who signed it (subject DN), or {@code unsigned}
 * @param headers the package's main manifest headers
 */
public record PackageContent(String name, Version version, VersionRange fixPack, List<BundleFile> bundles,
        List<String> missing, String signer, Map<String, String> headers) {

    public PackageContent {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        bundles = List.copyOf(bundles);
        missing = List.copyOf(missing);
        headers = Map.copyOf(headers);
    }

    /** A staged bundle file with its identity and content hash. */
    public record BundleFile(String symbolicName, Version version, Path file, String sha256) {
    }
}
