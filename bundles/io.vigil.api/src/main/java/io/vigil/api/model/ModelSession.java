package io.vigil.api.model;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A loaded model. Thread-safe: several threads may run it at once. Closing waits for the runs in progress;
 * runs after {@link #close()} fail with {@link ModelException.Reason#CLOSED}.
 */
@ProviderType
public interface ModelSession extends AutoCloseable {

    /** @return the graph's inputs, in graph order */
    List<TensorSpec> inputs();

    /** @return the graph's outputs, in graph order */
    List<TensorSpec> outputs();

    /**
     * Runs the model; a batch is a leading dimension of the inputs.
     *
     * @param inputs a tensor for every input, by name
     * @return every output, by name, as tensors the caller owns
     */
    Map<String, Tensor> run(Map<String, Tensor> inputs) throws ModelException;

    @Override
    void close();
}
