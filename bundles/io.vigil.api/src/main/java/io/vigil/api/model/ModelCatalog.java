package io.vigil.api.model;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** What the model extender made of the model bundles: the models it serves and the bundles it refused. */
@ProviderType
public interface ModelCatalog {

    /** @return the descriptors of the models registered now, by name and version */
    List<ModelDescriptor> served();

    /** @return the started model bundles that were not registered, with why */
    List<RejectedModel> rejected();
}
