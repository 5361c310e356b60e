package io.vigil.deploy.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.osgi.framework.Version;

/**
 * A deployment package that passed every check that needs no framework, with its bundles on disk: what the
 * transaction engine installs.
 *
 * @param bundles    the staged bundles in archive order, which the spec makes the install order
 * @param missing    the entries a fix pack leaves out; the engine must find them in the installed target version
 * @param signers    subject DNs (RFC 2253) of the trusted signers that signed every entry; empty when unsigned
 * @param unsigned   the package carried no signature and was accepted only because the policy allows unsigned
 *                   packages; the caller should say so in its log and history
 * @param totalBytes the sum of the staged bundles' sizes
 */
public record StagedPackage(DpManifest manifest, List<StagedBundle> bundles, List<DpManifest.Entry> missing,
        List<String> signers, boolean unsigned, long totalBytes) {

    /**
     * @param name   the entry's name in the archive and manifest
     * @param sha256 lower-case hex digest of the file, computed while it was written
     */
    public record StagedBundle(String name, String symbolicName, Version version, Path file, String sha256,
            long size) {
    }

    public StagedPackage {
        bundles = List.copyOf(bundles);
        missing = List.copyOf(missing);
        signers = List.copyOf(signers);
    }

    /** Deletes the staged files; the staging directory itself belongs to the caller. */
    public void discard() throws IOException {
        IOException failure = null;
        for (StagedBundle bundle : bundles) {
            try {
                Files.deleteIfExists(bundle.file());
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
