package io.vigil.runtime.internal.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigil.api.alert.Alert;
import io.vigil.api.alert.AlertState;
import io.vigil.api.alert.Severity;
import io.vigil.api.detect.ModelRef;

class AlertJournalFileTest {

    @TempDir
    Path dir;

    private static Alert alert(int i, AlertState state) {
        return new Alert("id-" + i, "pump-" + i, "vibration", new ModelRef("tier0", "1.0.0"), Severity.MAJOR, state,
                3.5 + i, 1.2, 1_700_000_000_000L + i, 1_700_000_000_500L + i, 40 + i, "message \"" + i + "\"\n");
    }

    @Test
    void entriesSurviveReopening() throws IOException {
        Path file = dir.resolve("data/alerts.jsonl");
        try (AlertJournalFile j = new AlertJournalFile(file)) {
            j.append(alert(1, AlertState.RAISED));
            j.append(alert(1, AlertState.CLEARED));
        }
        try (AlertJournalFile j = new AlertJournalFile(file)) {
            assertEquals(2, j.size());
            assertEquals(List.of(alert(1, AlertState.RAISED), alert(1, AlertState.CLEARED)), j.recent(10));
            j.append(alert(2, AlertState.RAISED));
            assertEquals(List.of(alert(1, AlertState.CLEARED), alert(2, AlertState.RAISED)), j.recent(2));
        }
        assertEquals(3, Files.readAllLines(file).size(), "one line per alert");
    }

    @Test
    void alertOfABrokenDetectorWithNaNScoreIsJournaled() throws IOException {
        Path file = dir.resolve("alerts.jsonl");
        Alert broken = new Alert("nan", "pump-1", "vibration", new ModelRef("tier0", "1.0.0"), Severity.CRITICAL,
                AlertState.RAISED, Double.NaN, 1.2, 1, 1, 1, "score NaN");
        try (AlertJournalFile j = new AlertJournalFile(file)) {
            j.append(broken);
        }
        try (AlertJournalFile j = new AlertJournalFile(file)) {
            assertEquals(1, j.size());
            assertEquals(true, Double.isNaN(j.recent(1).get(0).score()));
            assertEquals(List.of(), j.recent(0), "asking for none is not an error");
        }
    }

    @Test
    void rotatesAtItsBoundAndKeepsABoundedNumberOfFiles() throws IOException {
        Path file = dir.resolve("alerts.jsonl");
        try (AlertJournalFile j = new AlertJournalFile(file, 2048, 3)) {
            for (int i = 0; i < 60; i++) {
                j.append(alert(i, AlertState.RAISED));
            }
            assertEquals(Files.readAllLines(file).size() + Files.readAllLines(dir.resolve("alerts.jsonl.1")).size()
                    + Files.readAllLines(dir.resolve("alerts.jsonl.2")).size(), j.size(),
                    "size counts the entries of the files kept");
            assertEquals(alert(59, AlertState.RAISED), j.recent(1).get(0));
        }
        assertEquals(false, Files.exists(dir.resolve("alerts.jsonl.3")), "no more than 3 files");
        for (String name : new String[] { "alerts.jsonl", "alerts.jsonl.1", "alerts.jsonl.2" }) {
            assertEquals(true, Files.size(dir.resolve(name)) < 2048 + 512, name + " stays near its bound");
        }
        try (AlertJournalFile j = new AlertJournalFile(file, 2048, 3)) {
            long kept = Files.readAllLines(file).size() + Files.readAllLines(dir.resolve("alerts.jsonl.1")).size()
                    + Files.readAllLines(dir.resolve("alerts.jsonl.2")).size();
            assertEquals(kept, j.size(), "reopened, it counts the same entries");
            assertEquals(alert(59, AlertState.RAISED), j.recent(1).get(0), "the newest entry is the last one");
            assertEquals(alert(60 - (int) Math.min(kept, 10), AlertState.RAISED), j.recent(10).get(0),
                    "older entries come from the rotated files, in order");
        }
    }

    @Test
    void tornLastLineIsCutAndHistoryKept() throws IOException {
        Path file = dir.resolve("alerts.jsonl");
        try (AlertJournalFile j = new AlertJournalFile(file)) {
            j.append(alert(1, AlertState.RAISED));
        }
        byte[] torn = "{\"id\":\"id-2\",\"assetId\":\"pu".getBytes(StandardCharsets.UTF_8);
        Files.write(file, torn, StandardOpenOption.APPEND); // power cut mid-write
        try (AlertJournalFile j = new AlertJournalFile(file)) {
            assertEquals(torn.length, j.repairedBytes());
            assertEquals(List.of(alert(1, AlertState.RAISED)), j.recent(10));
            j.append(alert(3, AlertState.RAISED));
        }
        try (AlertJournalFile j = new AlertJournalFile(file)) {
            assertEquals(0, j.repairedBytes());
            assertEquals(List.of(alert(1, AlertState.RAISED), alert(3, AlertState.RAISED)), j.recent(10));
        }
    }

    @Test
    void unreadableWholeLineIsSkippedButKept() throws IOException {
        Path file = dir.resolve("alerts.jsonl");
        try (AlertJournalFile j = new AlertJournalFile(file)) {
            j.append(alert(1, AlertState.RAISED));
        }
        Files.write(file, "not json at all\n".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        try (AlertJournalFile j = new AlertJournalFile(file)) {
            j.append(alert(2, AlertState.RAISED));
        }
        try (AlertJournalFile j = new AlertJournalFile(file)) {
            assertEquals(1, j.unreadableLines());
            assertEquals(2, j.size());
            assertEquals(List.of(alert(1, AlertState.RAISED), alert(2, AlertState.RAISED)), j.recent(10));
        }
        assertEquals(3, Files.readAllLines(file).size(), "the odd line is still there for a person to look at");
    }
}
