package io.vigil.api.asset;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** Live status and input-quality metrics of every asset pipeline on the gateway. */
@ProviderType
public interface PipelineStatus {

    /** @return a snapshot of every configured asset, ordered by asset id */
    List<AssetStatus> assets();

    /** @return a snapshot of one asset, if it is configured */
    Optional<AssetStatus> asset(String assetId);
}
