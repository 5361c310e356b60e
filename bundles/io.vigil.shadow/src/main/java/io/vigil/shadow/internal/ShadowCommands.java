package io.vigil.shadow.internal;

import java.util.Arrays;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.vigil.api.shadow.ShadowException;
import io.vigil.api.shadow.ShadowReport;
import io.vigil.api.shadow.ShadowService;

/**
 * Gogo command {@code vigil:shadow}: without arguments the comparison of every asset; with a sub-command
 * {@code status|start|stop|promote|reject|rollback}.
 */
@Component(service = ShadowCommands.class, property = { "osgi.command.scope=vigil",
        "osgi.command.function=shadow" })
public final class ShadowCommands {

    static final String USAGE = """
            usage: shadow                                  every asset's comparison
                   shadow status <asset>                   one comparison in full
                   shadow start <asset> <model> <version>  shadow an installed model beside the live one
                   shadow stop <asset>                     end the comparison without a decision
                   shadow promote <asset> [--force]        make a READY candidate live (--force: not READY)
                   shadow reject <asset> [reason...]       end it and keep the live model
                   shadow rollback <asset>                 undo the last promotion: back to its rollback target
            """;

    private final ShadowService shadows;

    @Activate
    public ShadowCommands(@Reference ShadowService shadows) {
        this.shadows = shadows;
    }

    public String shadow(String... args) {
        try {
            return run(List.of(args));
        } catch (ShadowException e) {
            return "refused (" + e.reason() + "): " + e.getMessage() + "\n";
        }
    }

    private String run(List<String> args) throws ShadowException {
        if (args.isEmpty()) {
            List<ShadowReport> all = shadows.reports();
            StringBuilder b = new StringBuilder();
            all.forEach(r -> b.append(ReportText.line(r)));
            return all.isEmpty() ? "no shadow comparison yet\n" + USAGE : b.toString();
        }
        String op = args.get(0);
        List<String> rest = args.subList(1, args.size());
        String user = "console:" + System.getProperty("user.name");
        return switch (op) {
            case "status" -> rest.size() == 1 ? shadows.report(rest.get(0)).map(ReportText::full)
                    .orElse("asset " + rest.get(0) + " has no shadow comparison\n") : USAGE;
            case "start" -> rest.size() == 3 ? ReportText.full(shadows.start(rest.get(0), rest.get(1), rest.get(2)))
                    : USAGE;
            case "stop" -> rest.size() == 1 ? ReportText.full(shadows.stop(rest.get(0))) : USAGE;
            case "promote" -> rest.size() == 1 || (rest.size() == 2 && rest.get(1).equals("--force"))
                    ? ReportText.full(shadows.promote(rest.get(0), rest.size() == 2, user)) : USAGE;
            case "reject" -> !rest.isEmpty() ? ReportText.full(shadows.reject(rest.get(0),
                    String.join(" ", rest.subList(1, rest.size())), user)) : USAGE;
            case "rollback" -> rest.size() == 1 ? ReportText.full(shadows.rollback(rest.get(0), user)) : USAGE;
            default -> "unknown sub-command '" + op + "' in " + Arrays.toString(args.toArray()) + "\n" + USAGE;
        };
    }
}
