package io.vigil.cloud.mqtt.internal.remote;

import java.util.List;

import io.vigil.api.shadow.ShadowException;
import io.vigil.api.shadow.ShadowReport;
import io.vigil.api.shadow.ShadowService;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.Method;

/**
 * {@value RequestDispatcher#SHADOW_APP}: shadow comparisons of candidate models.
 * <ul>
 * <li>{@code GET reports}: a JSON array of the running or last comparison of every asset (ShadowReport).</li>
 * <li>{@code GET reports/<asset>}: one asset's report as a JSON object; 404 when the asset has none.</li>
 * <li>{@code EXEC start} ({@value RemoteMetrics#ASSET}, {@value RemoteMetrics#MODEL_NAME},
 * {@value RemoteMetrics#MODEL_VERSION}), {@code EXEC stop} ({@value RemoteMetrics#ASSET}), {@code EXEC promote}
 * ({@value RemoteMetrics#ASSET}, optional BOOL {@value RemoteMetrics#FORCE}), {@code EXEC reject}
 * ({@value RemoteMetrics#ASSET}, optional {@value RemoteMetrics#REASON}), {@code EXEC rollback}
 * ({@value RemoteMetrics#ASSET}; undoes the asset's last promotion): the report after the change as a JSON object,
 * its state in {@value RemoteMetrics#SHADOW_STATE}.</li>
 * </ul>
 * A refusal carries the ShadowException reason in {@value RemoteMetrics#SHADOW_ERROR_REASON}: UNKNOWN_ASSET and
 * UNKNOWN_MODEL answer 404, WRONG_STATE 409 (e.g. promoting a candidate that is not READY without force),
 * INPUT_MISMATCH and BAD_REQUEST 400, PROMOTION_FAILED 500.
 */
final class ShadowApp implements App {

    static final String USAGE = "VIGIL-SHADOW-V1 has GET reports, GET reports/<asset>, EXEC start, EXEC stop, "
            + "EXEC promote, EXEC reject, EXEC rollback";

    private final RemoteServices services;

    ShadowApp(RemoteServices services) {
        this.services = services;
    }

    @Override
    public Reply handle(Request r) throws Refusal {
        List<String> res = r.resources();
        String first = res.isEmpty() ? "" : res.get(0);
        if (first.equals("reports") && res.size() <= 2) {
            r.require(Method.GET);
            ShadowService s = shadow();
            if (res.size() == 1) {
                return Reply.list(s.reports());
            }
            String asset = res.get(1);
            ShadowReport report = s.report(asset).orElseThrow(() -> Refusal.notFound("asset '" + asset + "' has "
                    + "had no shadow comparison (or the asset is not configured); GET reports lists those that "
                    + "have"));
            return done(report);
        }
        if (res.size() != 1 || !List.of("start", "stop", "promote", "reject", "rollback").contains(first)) {
            throw Refusal.notFound(App.unknownResource(r, USAGE));
        }
        r.require(Method.EXEC);
        String asset = r.string(RemoteMetrics.ASSET);
        // parameters are read before the service is asked for: a malformed request is a 400 whatever runs
        try {
            switch (first) {
                case "start" -> {
                    String name = r.string(RemoteMetrics.MODEL_NAME);
                    String version = r.string(RemoteMetrics.MODEL_VERSION);
                    return done(shadow().start(asset, name, version));
                }
                case "stop" -> {
                    return done(shadow().stop(asset));
                }
                case "promote" -> {
                    boolean force = r.bool(RemoteMetrics.FORCE);
                    return done(shadow().promote(asset, force, r.operator()));
                }
                case "rollback" -> {
                    return done(shadow().rollback(asset, r.operator()));
                }
                default -> {
                    String reason = r.optionalString(RemoteMetrics.REASON).orElse("rejected by " + r.operator());
                    return done(shadow().reject(asset, reason, r.operator()));
                }
            }
        } catch (ShadowException e) {
            int code = switch (e.reason()) {
                case UNKNOWN_ASSET, UNKNOWN_MODEL -> 404;
                case WRONG_STATE -> 409;
                case INPUT_MISMATCH, BAD_REQUEST -> 400;
                case PROMOTION_FAILED -> 500;
            };
            throw new Refusal(code, e.getMessage()).with(RemoteMetrics.SHADOW_ERROR_REASON, e.reason().name());
        }
    }

    private ShadowService shadow() throws Refusal {
        return services.shadow().orElseThrow(() -> Refusal.unavailable("shadow service", "io.vigil.shadow"));
    }

    private static Reply done(ShadowReport report) {
        return Reply.ok().metric(RemoteMetrics.ASSET, report.assetId())
                .metric(RemoteMetrics.SHADOW_STATE, report.state().name()).json(report)
                .summary("asset " + report.assetId() + " candidate " + report.candidate() + " " + report.state());
    }
}
