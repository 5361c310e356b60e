package io.vigil.cloud.mqtt.internal.remote;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.vigil.api.asset.AssetStatus;
import io.vigil.api.asset.PipelineStatus;
import io.vigil.api.model.ModelCatalog;
import io.vigil.cloud.mqtt.internal.kura.KuraTopics.Method;

/**
 * {@value RequestDispatcher#ASSET_APP}: what the gateway monitors and with which models.
 * <ul>
 * <li>{@code GET assets}: a JSON array of every asset's status (AssetStatus: assetId, drivers, channels[]).</li>
 * <li>{@code GET assets/<assetId>}: one asset's status as a JSON object; 404 for an asset not configured.</li>
 * <li>{@code GET models}: {@code {"served": [ModelDescriptor...], "rejected": [RejectedModel...]}}, with the counts
 * in {@value RemoteMetrics#MODELS_SERVED} and {@value RemoteMetrics#MODELS_REJECTED}.</li>
 * </ul>
 */
final class AssetApp implements App {

    static final String USAGE = "VIGIL-ASSET-V1 has GET assets, GET assets/<assetId>, GET models";

    private final RemoteServices services;

    AssetApp(RemoteServices services) {
        this.services = services;
    }

    @Override
    public Reply handle(Request r) throws Refusal {
        List<String> res = r.resources();
        String first = res.isEmpty() ? "" : res.get(0);
        if (first.equals("assets") && res.size() <= 2) {
            r.require(Method.GET);
            PipelineStatus p = services.pipeline().orElseThrow(() -> Refusal.unavailable("asset runtime",
                    "io.vigil.runtime"));
            if (res.size() == 1) {
                return Reply.list(p.assets());
            }
            String id = res.get(1);
            AssetStatus a = p.asset(id).orElseThrow(() -> Refusal.notFound("no asset '" + id + "' is configured on "
                    + "this gateway; GET assets lists the configured ones"));
            return Reply.ok().json(a).summary("asset " + id);
        }
        if (first.equals("models") && res.size() == 1) {
            r.require(Method.GET);
            ModelCatalog c = services.models().orElseThrow(() -> Refusal.unavailable("model extender",
                    "io.vigil.models"));
            Map<String, Object> body = new LinkedHashMap<>();
            var served = c.served();
            var rejected = c.rejected();
            body.put("served", served);
            body.put("rejected", rejected);
            return Reply.ok().metric(RemoteMetrics.MODELS_SERVED, served.size())
                    .metric(RemoteMetrics.MODELS_REJECTED, rejected.size()).json(body)
                    .summary(served.size() + " served, " + rejected.size() + " rejected");
        }
        throw Refusal.notFound(App.unknownResource(r, USAGE));
    }
}
