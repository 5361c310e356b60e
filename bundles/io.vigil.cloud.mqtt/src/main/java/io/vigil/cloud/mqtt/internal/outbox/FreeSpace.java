package io.vigil.cloud.mqtt.internal.outbox;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How many bytes the file system under the outbox still has for it. The outbox asks before every write, so an
 * implementation must be cheap; tests pass their own to simulate a full disk.
 */
@FunctionalInterface
public interface FreeSpace {

    long usableBytes() throws IOException;

    /**
     * The file store's usable space, asked at most every 100 ms: at the outbox's fastest (some 50 MB/s) that is
     * a few MB of staleness, well inside the default {@code min.free.disk.bytes} of 64 MiB.
     */
    static FreeSpace of(Path dir) throws IOException {
        FileStore store = Files.getFileStore(dir);
        return new FreeSpace() {
            private long checkedAt = System.nanoTime() - 1_000_000_000L;
            private long usable;

            @Override
            public synchronized long usableBytes() throws IOException {
                long now = System.nanoTime();
                if (now - checkedAt >= 100_000_000L) {
                    usable = store.getUsableSpace();
                    checkedAt = now;
                }
                return usable;
            }
        };
    }
}
