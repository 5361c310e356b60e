package io.vigil.deploy.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = DeploymentManager.PID, name = "Vigil deployment packages",
        description = "Installs OSGi deployment packages (.dp) as transactions: verified, applied, health-checked, "
                + "and committed or rolled back whole.")
public @interface DeployConfig {

    @AttributeDefinition(name = "Trust store", description = "PKCS12 or JKS file with the certificates whose "
            + "signatures are accepted; relative paths are resolved against vigil.home. Empty: no signer is "
            + "trusted, so every signed package is refused.")
    String trust_store() default "";

    @AttributeDefinition(name = "Trust store password", description = "Password of the trust store, if it has one.",
            type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD)
    String trust_store_password() default "";

    @AttributeDefinition(name = "Allow unsigned packages", description = "DEVELOPMENT ONLY: accept packages that "
            + "carry no signature at all (logged at every install). Tampered or untrusted signatures are refused "
            + "regardless.")
    boolean allow_unsigned() default false;

    @AttributeDefinition(name = "Health check timeout (s)", description = "How long the bundles of a package may "
            + "take to become active, their components satisfied and their models validated before the "
            + "transaction is rolled back.")
    int health_timeout_seconds() default 30;

    @AttributeDefinition(name = "Free space reserve (MiB)", description = "Staging refuses a package that would "
            + "leave less than this free on the data disk.")
    long min_free_mib() default 64;
}
