/**
 * The gateway's JSON REST API: one authenticated servlet context that every Vigil REST resource joins.
 */
@Export
@Version("1.0.0")
package io.vigil.api.rest;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
