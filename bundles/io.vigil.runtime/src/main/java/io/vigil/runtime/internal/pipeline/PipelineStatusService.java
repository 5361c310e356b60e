package io.vigil.runtime.internal.pipeline;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.vigil.api.asset.AssetStatus;
import io.vigil.api.asset.PipelineStatus;

/** Status of every asset pipeline on the gateway. */
@Component(service = PipelineStatus.class)
public final class PipelineStatusService implements PipelineStatus {

    private final List<AssetPipeline> pipelines = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindPipeline(AssetPipeline pipeline) {
        pipelines.add(pipeline);
    }

    void unbindPipeline(AssetPipeline pipeline) {
        pipelines.remove(pipeline);
    }

    @Override
    public List<AssetStatus> assets() {
        return pipelines.stream().map(AssetPipeline::status).sorted(Comparator.comparing(AssetStatus::assetId))
                .toList();
    }

    @Override
    public Optional<AssetStatus> asset(String assetId) {
        return pipelines.stream().filter(p -> p.assetId().equals(assetId)).findFirst().map(AssetPipeline::status);
    }
}
