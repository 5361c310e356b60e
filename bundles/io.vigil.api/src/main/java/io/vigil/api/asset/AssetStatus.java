package io.vigil.api.asset;

import java.util.List;

/**
 * A snapshot of one asset's pipeline.
 *
 * @param assetId the asset
 * @param drivers number of drivers currently delivering for the asset
 * @param channels per-channel status, by channel name
 */
public record AssetStatus(String assetId, int drivers, List<ChannelStatus> channels) {

    public AssetStatus {
        channels = List.copyOf(channels);
    }
}
