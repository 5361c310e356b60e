package io.vigil.deploy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.deploymentadmin.DeploymentException;

import io.vigil.api.deploy.DeploymentRecord;
import io.vigil.api.deploy.InstalledPackage;

/** Gogo command {@code vigil:dp}: list, install, uninstall, history and rollback of deployment packages. */
@Component(service = DeployCommands.class, property = { "osgi.command.scope=vigil", "osgi.command.function=dp" })
public final class DeployCommands {

    static final String USAGE = """
            usage: dp                                   installed packages and their bundles
                   dp install <file.dp> [--force]       install or update (--force: allow a downgrade)
                   dp uninstall <name> [--force]        uninstall (--force: past bundles that fail to stop)
                   dp rollback <name>                   back to the version the current one replaced
                   dp history [n]                       the last n deployments (default 20)
            """;

    private final DeploymentManager manager;

    @Activate
    public DeployCommands(@Reference DeploymentManager manager) {
        this.manager = manager;
    }

    public String dp(String... args) {
        String user = "console:" + System.getProperty("user.name");
        try {
            if (args.length == 0) {
                return list();
            }
            return switch (args[0]) {
                case "install" -> args.length >= 2 ? install(Path.of(args[1]), user, has(args, "--force")) : USAGE;
                case "uninstall" -> args.length >= 2 ? line(manager.uninstall(args[1], user, has(args, "--force")))
                        : USAGE;
                case "rollback" -> args.length == 2 ? line(manager.rollback(args[1], user)) : USAGE;
                case "history" -> history(args.length >= 2 ? Integer.parseInt(args[1]) : 20);
                default -> "unknown sub-command '" + args[0] + "'\n" + USAGE;
            };
        } catch (DeploymentException e) {
            return "refused (code " + e.getCode() + "): " + e.getMessage() + "\n";
        } catch (NumberFormatException e) {
            return "history takes a number of entries, not '" + args[1] + "'\n";
        }
    }

    private String install(Path file, String user, boolean force) throws DeploymentException {
        if (!Files.isRegularFile(file)) {
            return "no file " + file.toAbsolutePath() + "\n";
        }
        try (InputStream in = Files.newInputStream(file)) {
            return line(manager.install(in, user, file.toAbsolutePath().toString(), force));
        } catch (IOException e) {
            return "could not read " + file + ": " + e + "\n";
        }
    }

    private String list() {
        StringBuilder b = new StringBuilder();
        for (InstalledPackage p : manager.packages().values()) {
            b.append(p.name()).append(' ').append(p.version()).append("  signed by ").append(p.signer())
                    .append(p.previous() == null ? "" : "  (rollback to " + p.previous().version() + ")").append('\n');
            p.bundles().forEach(x -> b.append("    ").append(x.symbolicName()).append(' ').append(x.version())
                    .append('\n'));
        }
        return b.length() == 0 ? "no deployment package installed\n" + USAGE : b.toString();
    }

    private String history(int n) {
        List<DeploymentRecord> all = manager.history();
        StringBuilder b = new StringBuilder();
        all.subList(Math.max(0, all.size() - n), all.size()).forEach(e -> b.append(line(e)));
        return b.length() == 0 ? "no deployment yet\n" : b.toString();
    }

    private static String line(DeploymentRecord e) {
        return String.format("%s %-9s %-11s %s %s -> %s by %s%s: %s%n", Instant.ofEpochMilli(e.endedEpochMillis()),
                e.operation(), e.result(), e.packageName(), e.fromVersion().isEmpty() ? "-" : e.fromVersion(),
                e.toVersion().isEmpty() ? "-" : e.toVersion(), e.requestedBy(), e.code() >= 0 ? " (code "
                        + e.code() + ")" : "", e.message());
    }

    private static boolean has(String[] args, String flag) {
        for (String a : args) {
            if (a.equals(flag)) {
                return true;
            }
        }
        return false;
    }
}
