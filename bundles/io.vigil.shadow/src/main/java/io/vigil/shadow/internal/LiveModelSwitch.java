package io.vigil.shadow.internal;

import io.vigil.api.shadow.ShadowException;

/** Makes a model the live model of an asset, durably. */
interface LiveModelSwitch {

    /**
     * @return the asset's model selection before the switch
     * @throws ShadowException PROMOTION_FAILED when nothing was changed
     */
    Selection switchTo(String assetId, String modelName, String modelVersion) throws ShadowException;

    /** @return the asset's model selection now, null when the asset has no (single) configuration */
    Selection current(String assetId);

    /**
     * An asset's model selection as configured.
     *
     * @param name model name, empty for tier-0 only
     * @param versions OSGi version range
     */
    record Selection(String name, String versions) {
        @Override
        public String toString() {
            return name.isEmpty() ? "tier-0 only" : name + " " + versions;
        }
    }
}
