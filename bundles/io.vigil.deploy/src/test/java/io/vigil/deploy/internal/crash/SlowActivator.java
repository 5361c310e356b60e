package io.vigil.deploy.internal.crash;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * Packed into the crash test's bundles: a start and a stop that take as long as the bundle's {@code X-Start-Millis}
 * and {@code X-Stop-Millis} headers say, as a bundle that loads a model or closes its sessions does. They stretch
 * the part of a transaction in which the framework is half changed, so that more kills land there.
 */
public class SlowActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        park(context, "X-Start-Millis");
    }

    @Override
    public void stop(BundleContext context) {
        park(context, "X-Stop-Millis");
    }

    private static void park(BundleContext context, String header) {
        String millis = context.getBundle().getHeaders().get(header);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis == null ? 0 : Long.parseLong(millis)));
    }
}
