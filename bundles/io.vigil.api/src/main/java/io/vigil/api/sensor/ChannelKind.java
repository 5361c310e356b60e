package io.vigil.api.sensor;

/** What a channel measures, which decides the features extracted from its windows. */
public enum ChannelKind {
    /** High-rate vibration (acceleration): spectral and shape features. */
    VIBRATION,
    /** Slowly varying scalar such as temperature or pressure: level and trend features. */
    SCALAR
}
