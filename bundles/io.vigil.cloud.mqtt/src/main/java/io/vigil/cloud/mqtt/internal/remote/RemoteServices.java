package io.vigil.cloud.mqtt.internal.remote;

import java.util.Optional;

import io.vigil.api.asset.PipelineStatus;
import io.vigil.api.deploy.DeploymentReviews;
import io.vigil.api.deploy.DeploymentService;
import io.vigil.api.deploy.PackageDownloads;
import io.vigil.api.model.ModelCatalog;
import io.vigil.api.shadow.ShadowService;

/**
 * The services remote requests act on, as the MQTT connection's dynamic references see them now. Each is empty while
 * the service is not registered; a request that needs it is answered 503. Asked anew for every request, so a service
 * that comes or goes is noticed at once.
 */
public interface RemoteServices {

    Optional<DeploymentService> deployment();

    Optional<PackageDownloads> downloads();

    Optional<DeploymentReviews> reviews();

    Optional<ShadowService> shadow();

    Optional<PipelineStatus> pipeline();

    Optional<ModelCatalog> models();
}
