package io.vigil.cloud.mqtt.internal.remote;

/**
 * Names of the metrics of Vigil's remote-management requests, replies and notifications (beside Kura's
 * {@code request.id}, {@code requester.client.id}, {@code response.code} and {@code response.exception.message}).
 * Types are kurapayload's; a request metric of another type is refused (400) naming the type expected.
 */
public final class RemoteMetrics {

    // --- VIGIL-DEPLOY-V1
    /** {@code STRING}: the http or https URL of a deployment package (EXEC install). */
    public static final String DP_URI = "dp.uri";
    /** {@code STRING}: the package's SHA-256, 64 hex digits (EXEC install, required). */
    public static final String DP_SHA256 = "dp.sha256";
    /** {@code BOOL}: allow a downgrade (install) or go on past bundles that fail to stop (uninstall); optional. */
    public static final String DP_FORCE = "dp.force";
    /** {@code STRING}: a deployment package's symbolic name (uninstall, rollback, review; notifications, replies). */
    public static final String DP_NAME = "dp.name";
    /** {@code STRING}: a package version (notification on completion, uninstall/rollback replies). */
    public static final String DP_VERSION = "dp.version";
    /** {@code STRING}: COMMITTED, ROLLED_BACK or REFUSED, as the deployment history records it (replies). */
    public static final String DP_RESULT = "dp.result";
    /** {@code INT64}: the install job, chosen by the requester (EXEC install, reply, notifications). */
    public static final String JOB_ID = "job.id";
    /** {@code INT32}: download progress in percent, -1 while the size is unknown (notifications). */
    public static final String DP_DOWNLOAD_PROGRESS = "dp.download.progress";
    /** {@code INT64}: the package size the source announced, -1 when it announced none (notifications). */
    public static final String DP_DOWNLOAD_SIZE = "dp.download.size";
    /** {@code INT64}: bytes received so far (notifications). */
    public static final String DP_DOWNLOAD_RECEIVED = "dp.download.received";
    /** {@code STRING}: {@value #STATUS_IN_PROGRESS}, {@value #STATUS_COMPLETED} or {@value #STATUS_FAILED}. */
    public static final String DP_INSTALL_STATUS = "dp.install.status";
    /**
     * {@code STRING}: why an install failed: a download reason (BAD_REQUEST, HASH_MISMATCH, TOO_LARGE,
     * SOURCE_FAILED, TIMEOUT, NO_SPACE), the Deployment Admin code name (e.g. CODE_SIGNING_ERROR), or INTERNAL.
     */
    public static final String DP_ERROR_CODE = "dp.error.code";
    /** {@code INT32}: the Deployment Admin error code, when the deployment manager refused or failed. */
    public static final String DP_ERROR_DEPLOYMENT_CODE = "dp.error.deployment.code";
    /** {@code STRING}: what went wrong, in a sentence. */
    public static final String DP_ERROR_MESSAGE = "dp.error.message";
    /** {@code STRING}: {@value #DECISION_KEEP} or {@value #DECISION_ROLLBACK} (EXEC review). */
    public static final String REVIEW_DECISION = "review.decision";
    /** {@code INT32}: how many of the latest history entries to return, 0 or more (GET history; default 100). */
    public static final String HISTORY_LIMIT = "history.limit";

    public static final String STATUS_IN_PROGRESS = "IN_PROGRESS";
    public static final String STATUS_COMPLETED = "COMPLETED";
    public static final String STATUS_FAILED = "FAILED";
    public static final String DECISION_KEEP = "keep";
    public static final String DECISION_ROLLBACK = "rollback";

    // --- VIGIL-SHADOW-V1
    /** {@code STRING}: the asset id (start, stop, promote, reject). */
    public static final String ASSET = "asset";
    /** {@code STRING}: the candidate's model name (start). */
    public static final String MODEL_NAME = "model.name";
    /** {@code STRING}: the candidate's exact version (start). */
    public static final String MODEL_VERSION = "model.version";
    /** {@code BOOL}: promote although the gate has not found the candidate READY (promote; optional). */
    public static final String FORCE = "force";
    /** {@code STRING}: why the candidate is rejected (reject; optional). */
    public static final String REASON = "reason";
    /** {@code STRING}: the comparison's state after the request (replies). */
    public static final String SHADOW_STATE = "shadow.state";
    /** {@code STRING}: the ShadowException reason of a refused shadow request (error replies). */
    public static final String SHADOW_ERROR_REASON = "shadow.error.reason";

    // --- VIGIL-ASSET-V1
    /** {@code INT32}: how many models are served (GET models). */
    public static final String MODELS_SERVED = "models.served";
    /** {@code INT32}: how many model bundles were rejected (GET models). */
    public static final String MODELS_REJECTED = "models.rejected";

    /** {@code INT32}: the number of entries in a list body (replies with a JSON array). */
    public static final String COUNT = "count";

    private RemoteMetrics() {
    }
}
