package io.vigil.api.shadow;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Runs candidate models in shadow, at most one per asset, and promotes or rejects them. Reports of ended
 * comparisons are kept (on disk, across restarts) until the asset's next comparison starts.
 */
@ProviderType
public interface ShadowService {

    /**
     * Starts comparing {@code candidate} with the asset's live model on the asset's live windows.
     *
     * @param assetId the asset
     * @param modelName the candidate's model name
     * @param modelVersion the candidate's exact version
     * @return the report as it starts
     * @throws ShadowException UNKNOWN_ASSET, UNKNOWN_MODEL, INPUT_MISMATCH, WRONG_STATE (a comparison already runs
     *         on the asset), BAD_REQUEST
     */
    ShadowReport start(String assetId, String modelName, String modelVersion) throws ShadowException;

    /**
     * Ends the asset's comparison without a decision; the report is kept.
     *
     * @throws ShadowException WRONG_STATE when none runs
     */
    ShadowReport stop(String assetId) throws ShadowException;

    /**
     * Makes the candidate the asset's live model at the next window boundary, keeping the model it replaces as the
     * rollback target. The switch is written to the asset's configuration, so it survives restarts.
     *
     * @param force promote although the gate has not found the candidate READY (the operator's decision, logged)
     * @param operator who asked, for the log and the report
     * @throws ShadowException WRONG_STATE when the candidate is not READY and not forced or no comparison runs;
     *         PROMOTION_FAILED when the configuration could not be changed (the live model is unchanged)
     */
    ShadowReport promote(String assetId, boolean force, String operator) throws ShadowException;

    /**
     * Rejects the candidate: the comparison ends and the live model stays.
     *
     * @throws ShadowException WRONG_STATE when no comparison runs
     */
    ShadowReport reject(String assetId, String reason, String operator) throws ShadowException;

    /** @return the asset's running or last comparison */
    Optional<ShadowReport> report(String assetId);

    /** @return the running or last comparison of every asset that had one, by asset id */
    List<ShadowReport> reports();
}
