/**
 * Deployment packages: transactional install, update, uninstall and rollback of OSGi deployment packages, with
 * their history. The packages are also installable through the standard OSGi Deployment Admin service.
 */
@Export
@Version("1.0.0")
package io.vigil.api.deploy;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
