package io.vigil.deploy.internal.tx;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** Packed into test bundles whose start must fail: a bundle that throws in its activator. */
public class FailingActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        throw new IllegalStateException("this bundle refuses to start");
    }

    @Override
    public void stop(BundleContext context) {
    }
}
