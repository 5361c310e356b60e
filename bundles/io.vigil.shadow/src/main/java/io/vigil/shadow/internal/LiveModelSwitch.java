package io.vigil.shadow.internal;

import io.vigil.api.shadow.ShadowException;

/** Makes a model the live model of an asset, durably. */
interface LiveModelSwitch {

    /**
     * @param to the selection the asset's configuration names from now on; an empty name for tier-0 only
     * @return the asset's model selection before the switch
     * @throws ShadowException PROMOTION_FAILED when nothing was changed
     */
    Selection switchTo(String assetId, Selection to) throws ShadowException;

    /** @return the asset's model selection now, null when the asset has no (single) configuration */
    Selection current(String assetId);

    /**
     * An asset's model selection as configured.
     *
     * @param name model name, empty for tier-0 only
     * @param versions OSGi version range
     */
    record Selection(String name, String versions) {

        /** What a promotion writes: exactly this model version, so that no other version slips in. */
        static Selection pinned(String name, String version) {
            return new Selection(name, "[" + version + "," + version + "]");
        }

        /** Tier-0 only; the version range means nothing without a name. */
        static Selection tier0() {
            return new Selection("", "0.0.0");
        }

        /** Whether the asset serves the same thing under both: any two tier-0-only selections are the same. */
        boolean sameAs(Selection other) {
            return other != null && name.equals(other.name) && (name.isEmpty() || versions.equals(other.versions));
        }

        @Override
        public String toString() {
            return name.isEmpty() ? "tier-0 only" : name + " " + versions;
        }
    }
}
