package io.vigil.driver.replay.internal;

import java.nio.file.Path;
import java.util.Locale;

/** The file formats a recording can have. */
public enum RecordingFormat {
    /** Decided by the file name's extension: {@code .csv}, {@code .npy} or {@code .npz}. */
    AUTO,
    /** NAB-style {@code timestamp,value} CSV with a header line. */
    CSV,
    /** NumPy {@code .npy} array. */
    NPY,
    /** NumPy {@code .npz} archive of arrays, one of which is replayed. */
    NPZ;

    /**
     * @return this format, or for {@link #AUTO} the format {@code file}'s extension names
     * @throws IllegalArgumentException if this is {@link #AUTO} and the extension names no format
     */
    public RecordingFormat resolve(Path file) {
        if (this != AUTO) {
            return this;
        }
        String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
        for (RecordingFormat format : new RecordingFormat[] { CSV, NPY, NPZ }) {
            if (name.endsWith("." + format.name().toLowerCase(Locale.ROOT))) {
                return format;
            }
        }
        throw new IllegalArgumentException("cannot tell the format of '" + file
                + "' from its extension; name it .csv, .npy or .npz, or set format to CSV, NPY or NPZ");
    }
}
