package io.vigil.api.model;

import org.osgi.annotation.versioning.ProviderType;

/** Loads models into sessions. Registered as a service with the {@value #ENGINE} property. */
@ProviderType
public interface InferenceEngine {

    /** Service property: the engine's name, e.g. {@code onnxruntime}. */
    String ENGINE = "vigil.inference.engine";

    /** @return the engine's name */
    String name();

    /** @return the version of the runtime behind the engine */
    String runtimeVersion();

    /**
     * Loads a model.
     *
     * @param model the model file's bytes
     * @param source names the model in error messages (a bundle and path, a file)
     * @param options how to run it; null for the engine's configured defaults
     * @throws ModelException with {@link ModelException.Reason#INVALID_MODEL} when the bytes are not a loadable model,
     *         {@link ModelException.Reason#CLOSED} when the engine has stopped
     */
    ModelSession open(byte[] model, String source, SessionOptions options) throws ModelException;

    /** @return the number of sessions open right now (leak checks, status pages) */
    int openSessions();
}
