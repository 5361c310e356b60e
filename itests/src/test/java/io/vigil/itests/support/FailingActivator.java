package io.vigil.itests.support;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** Packed by DeployIT into a bundle that must fail to start: its activator throws. */
public class FailingActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        throw new IllegalStateException("this bundle refuses to start (deliberately, for DeployIT)");
    }

    @Override
    public void stop(BundleContext context) {
    }
}
