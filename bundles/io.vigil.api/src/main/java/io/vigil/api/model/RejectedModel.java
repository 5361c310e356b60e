package io.vigil.api.model;

/**
 * A model bundle the extender did not register.
 *
 * @param bundleId the bundle's id
 * @param bundle the bundle's symbolic name and version
 * @param reason what was wrong and what to do about it
 */
public record RejectedModel(long bundleId, String bundle, String reason) {
}
