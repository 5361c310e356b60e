package io.vigil.api.model;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

import io.vigil.api.feature.FeatureVector;

/**
 * A validated model, ready to score windows. Registered by the model extender for every model bundle that
 * passed validation, with the {@value #NAME} and {@value #VERSION} service properties, and withdrawn when the
 * bundle stops. Thread-safe.
 */
@ProviderType
public interface Model {

    /** Service property: the model's name. */
    String NAME = "vigil.model.name";

    /** Service property: the model's version (an OSGi Version). */
    String VERSION = "vigil.model.version";

    /** Service property: the symbolic name of the bundle that carries the model. */
    String BUNDLE = "vigil.model.bundle";

    ModelDescriptor descriptor();

    /**
     * Scores windows: each feature vector is looked up by the descriptor's feature names, normalised and fed as
     * one row of a batch.
     *
     * @return one score per vector, in order
     * @throws ModelException BAD_INPUT when a vector lacks a feature the model expects; RUN_FAILED, CLOSED
     */
    double[] score(List<FeatureVector> batch) throws ModelException;
}
