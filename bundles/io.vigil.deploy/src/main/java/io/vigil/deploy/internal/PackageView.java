package io.vigil.deploy.internal;

import java.net.URL;
import java.util.Objects;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.service.deploymentadmin.BundleInfo;
import org.osgi.service.deploymentadmin.DeploymentException;
import org.osgi.service.deploymentadmin.DeploymentPackage;

import io.vigil.api.deploy.InstalledPackage;

/** A recorded package seen through the Deployment Admin API. Stale once the package is uninstalled or replaced. */
final class PackageView implements DeploymentPackage {

    private final DeploymentManager manager;
    private final BundleContext context;
    private final InstalledPackage record;

    PackageView(DeploymentManager manager, BundleContext context, InstalledPackage record) {
        this.manager = manager;
        this.context = context;
        this.record = record;
    }

    @Override
    public boolean isStale() {
        InstalledPackage now = manager.packages().get(record.name());
        return now == null || !now.version().equals(record.version());
    }

    @Override
    public String getName() {
        return record.name();
    }

    @Override
    public String getDisplayName() {
        String name = getHeader("DeploymentPackage-Name");
        return name == null ? record.name() : name;
    }

    @Override
    public Version getVersion() {
        return Version.parseVersion(record.version());
    }

    @Override
    public BundleInfo[] getBundleInfos() {
        return record.bundles().stream().map(b -> new BundleInfo() {
            @Override
            public String getSymbolicName() {
                return b.symbolicName();
            }

            @Override
            public Version getVersion() {
                return Version.parseVersion(b.version());
            }
        }).toArray(BundleInfo[]::new);
    }

    @Override
    public URL getIcon() {
        return null;
    }

    @Override
    public Bundle getBundle(String symbolicName) {
        if (isStale()) {
            throw new IllegalStateException("deployment package " + record.name() + " " + record.version()
                    + " is stale");
        }
        return record.bundles().stream().filter(b -> b.symbolicName().equals(symbolicName)).findFirst()
                .map(b -> context.getBundle(b.location())).orElse(null);
    }

    /** Vigil's packages hold bundles only; their names are the bundles' symbolic names. */
    @Override
    public String[] getResources() {
        return record.bundles().stream().map(InstalledPackage.BundleRecord::symbolicName).toArray(String[]::new);
    }

    @Override
    public ServiceReference<?> getResourceProcessor(String resource) {
        return null;
    }

    @Override
    public String getHeader(String header) {
        if (record.headers() == null) {
            return null;
        }
        return record.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(header)).findFirst()
                .map(java.util.Map.Entry::getValue).orElse(null);
    }

    @Override
    public String getResourceHeader(String resource, String header) {
        return record.bundles().stream().filter(b -> b.symbolicName().equals(resource)).findFirst()
                .map(b -> "Bundle-SymbolicName".equalsIgnoreCase(header) ? b.symbolicName()
                        : "Bundle-Version".equalsIgnoreCase(header) ? b.version() : null)
                .orElse(null);
    }

    @Override
    public void uninstall() throws DeploymentException {
        manager.uninstall(record.name(), "DeploymentAdmin", false);
    }

    @Override
    public boolean uninstallForced() throws DeploymentException {
        manager.uninstall(record.name(), "DeploymentAdmin", true);
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(record.name(), record.version());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PackageView v && v.record.name().equals(record.name())
                && v.record.version().equals(record.version());
    }
}
