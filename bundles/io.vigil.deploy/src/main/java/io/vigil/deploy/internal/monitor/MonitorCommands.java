package io.vigil.deploy.internal.monitor;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.vigil.api.deploy.DeploymentWatch;

/**
 * Gogo commands of the post-deployment monitor: {@code vigil:watch} lists the watches (or shows those of one
 * package or asset in full), {@code vigil:review <package> keep|rollback} decides a watch pending review.
 */
@Component(service = MonitorCommands.class, property = { "osgi.command.scope=vigil",
        "osgi.command.function=watch", "osgi.command.function=review" })
public final class MonitorCommands {

    static final String WATCH_USAGE = """
            usage: watch                          every deployment watch, newest first
                   watch <package|asset|id>       those watches in full
            """;
    static final String REVIEW_USAGE = """
            usage: review <package> keep          accept the deployment whose watch is PENDING_REVIEW
                   review <package> rollback      roll the package back to the version it replaced
            """;

    private final DeploymentMonitor monitor;

    @Activate
    public MonitorCommands(@Reference DeploymentMonitor monitor) {
        this.monitor = monitor;
    }

    public String watch(String... args) {
        List<DeploymentWatch> all = monitor.watches();
        if (args.length == 0) {
            StringBuilder b = new StringBuilder();
            all.forEach(w -> b.append(WatchText.line(w)));
            return all.isEmpty() ? "no deployment has been watched yet\n" + WATCH_USAGE : b.toString();
        }
        if (args.length > 1) {
            return WATCH_USAGE;
        }
        String key = args[0];
        List<DeploymentWatch> matching = all.stream().filter(w -> w.packageName().equals(key)
                || w.assetId().equals(key) || w.id().equals(key)).toList();
        if (matching.isEmpty()) {
            return "no watch of a package, asset or id '" + key + "'; watched packages: " + all.stream()
                    .map(DeploymentWatch::packageName).distinct().toList() + "\n";
        }
        StringBuilder b = new StringBuilder();
        matching.forEach(w -> b.append(WatchText.full(w)));
        return b.toString();
    }

    public String review(String... args) {
        if (args.length != 2) {
            return REVIEW_USAGE;
        }
        WatchBook.Decision decision = switch (args[1]) {
            case "keep" -> WatchBook.Decision.KEEP;
            case "rollback" -> WatchBook.Decision.ROLLBACK;
            default -> null;
        };
        if (decision == null) {
            return "'" + args[1] + "' is not a decision; say keep or rollback\n" + REVIEW_USAGE;
        }
        try {
            List<DeploymentWatch> ended = monitor.review(args[0], decision, "console:"
                    + System.getProperty("user.name"));
            StringBuilder b = new StringBuilder();
            ended.forEach(w -> b.append(WatchText.line(w)));
            return b.toString();
        } catch (ReviewException e) {
            return "refused (" + e.reason() + "): " + e.getMessage() + "\n";
        }
    }
}
