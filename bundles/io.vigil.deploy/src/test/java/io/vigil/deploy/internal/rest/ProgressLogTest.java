package io.vigil.deploy.internal.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ProgressLogTest {

    @Test
    void logsEachTenthOnceWhateverTheChunks() {
        List<String> lines = new ArrayList<>();
        ProgressLog log = new ProgressLog("download of x", lines::add);
        for (long b = 7; b < 1000; b += 7) {
            log.bytes(b, 1000);
        }
        log.bytes(1000, 1000);

        assertEquals(10, lines.size(), lines.toString());
        assertEquals("download of x: 10% (105 of 1000 bytes)", lines.get(0));
        assertEquals("download of x: 100% (1000 of 1000 bytes)", lines.get(9));
    }

    @Test
    void aSmallFileInOneChunkIsOneLine() {
        List<String> lines = new ArrayList<>();
        new ProgressLog("upload", lines::add).bytes(500, 500);

        assertEquals(List.of("upload: 100% (500 of 500 bytes)"), lines);
    }

    @Test
    void withoutATotalEverySixteenMebibytes() {
        List<String> lines = new ArrayList<>();
        ProgressLog log = new ProgressLog("download", lines::add);
        long chunk = 1024 * 1024;
        for (long b = chunk; b <= 40 * chunk; b += chunk) {
            log.bytes(b, -1);
        }

        assertEquals(2, lines.size(), lines.toString());
        assertEquals("download: " + 16 * chunk + " bytes so far", lines.get(0));
    }
}
