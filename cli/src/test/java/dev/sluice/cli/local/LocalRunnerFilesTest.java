package dev.sluice.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schedule.RunIds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log paths exist for every id that validates, and two tasks never share one. */
class LocalRunnerFilesTest {
    @TempDir
    Path dir;

    @Test
    void aMappedTaskAndATaskNamedLikeItsIndexWriteDifferentLogs() {
        Path mapped = LocalRunnerFiles.logFile(dir, "d", "d.manual__1", "a", 0, 1);
        Path dotted = LocalRunnerFiles.logFile(dir, "d", "d.manual__1", "a.0", -1, 1);

        assertThat(mapped).isNotEqualTo(dotted);
        assertThat(mapped.startsWith(dotted.getParent())).isFalse();
        assertThat(dotted.startsWith(mapped.getParent())).isFalse();
    }

    @Test
    void theLongestIdsThatValidateGiveAFileThatCanBeWritten() throws IOException {
        String dagId = "d".repeat(250);
        String runId = RunIds.manual(dagId, Instant.parse("2024-05-03T10:15:42.123456Z"));
        Path log = LocalRunnerFiles.logFile(dir, dagId, runId, "t".repeat(250), 12, 3);

        Files.createDirectories(log.getParent());
        Files.writeString(log, "ok");

        assertThat(log).hasContent("ok");
        assertThat(LocalRunnerFiles.segment(dagId)).isNotEqualTo(LocalRunnerFiles.segment(dagId + "x"))
                .hasSizeLessThanOrEqualTo(LocalRunnerFiles.MAX_SEGMENT);
        assertThat(LocalRunnerFiles.segment("plain_id")).isEqualTo("plain_id");
    }

    @Test
    void aRunLockForTheLongestRunIdCanBeTaken() throws Exception {
        String runId = RunIds.manual("r".repeat(250), Instant.parse("2024-05-03T10:15:42.123456Z"));
        try (AutoCloseable lock = Workspace.at(dir).lockRun(runId)) {
            assertThat(lock).isNotNull();
        }
    }
}
