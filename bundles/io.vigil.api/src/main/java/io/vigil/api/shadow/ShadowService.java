package io.vigil.api.shadow;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Runs candidate models in shadow, at most one per asset, promotes or rejects them, and rolls a promotion back.
 * Reports of ended comparisons are kept (on disk, across restarts) until the asset's next comparison starts.
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

    /**
     * Undoes the asset's last promotion: switches the asset back to the {@link ShadowReport#rollbackTarget()
     * rollback target} its promotion recorded, at the next window boundary. Like the promotion, the switch is
     * written to the asset's configuration, so it survives restarts, and it names the target as exactly as the
     * promotion named the candidate:
     * <ul>
     * <li>{@code name:version}: that model, pinned to its version ({@code [v,v]}), as the promotion pinned the
     * candidate; a range the configuration had before the promotion is not widened again (edit the configuration
     * for that);</li>
     * <li>{@code tier0}: tier-0 only, because that is what the configuration held before the promotion (no model
     * name);</li>
     * <li>{@code name range}: that name and range as the configuration held them (no installed model matched them
     * when the candidate was promoted).</li>
     * </ul>
     * When the target is not installed any more, tier-0 alone decides until it is; the report's reason says so.
     * The report becomes {@link ShadowState#ROLLED_BACK}, keeping the promotion's figures, rollback target and
     * promoter; it is kept until the asset's next comparison starts. A rollback is not rolled back: promote again
     * through a new comparison.
     *
     * @param assetId the asset
     * @param operator who asked, for the log and the report
     * @return the report, ROLLED_BACK
     * @throws ShadowException UNKNOWN_ASSET when no comparison ever ran on the asset; WRONG_STATE when the asset's
     *         last comparison is not PROMOTED (it runs, was rejected or stopped, or was already rolled back) or its
     *         promotion recorded no rollback target (a promotion completed only at the next start, after a crash);
     *         PROMOTION_FAILED when the configuration could not be written (nothing changed: still PROMOTED);
     *         BAD_REQUEST when the asset is missing
     */
    ShadowReport rollback(String assetId, String operator) throws ShadowException;

    /** @return the asset's running or last comparison */
    Optional<ShadowReport> report(String assetId);

    /** @return the running or last comparison of every asset that had one, by asset id */
    List<ShadowReport> reports();
}
