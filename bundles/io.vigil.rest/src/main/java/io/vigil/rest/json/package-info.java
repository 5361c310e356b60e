/**
 * What every JSON resource of the REST API (and every JSON body Vigil sends elsewhere) does alike: NaN as null,
 * the request path and user, a small command body read and checked, the response and the error body.
 */
@Export
@Version("1.0.0")
package io.vigil.rest.json;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
