package io.vigil.api.alert;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** The gateway's local, append-only alert history; kept on disk, it survives restarts. */
@ProviderType
public interface AlertJournal {

    /** @return up to {@code max} most recent entries, oldest first */
    List<Alert> recent(int max);

    /** @return the number of entries in the journal */
    long size();
}
