package dev.sluice.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.cli.CliException;
import dev.sluice.cli.ExitCodes;
import dev.sluice.cli.store.SqliteStateStore;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad Sluice home gets one clear sentence and exit code 2, before anything is written. */
class WorkspaceTest {
    @TempDir
    Path dir;

    @Test
    void aHomeThatIsAFileIsRefusedInOneSentence() throws Exception {
        Path home = Files.writeString(dir.resolve("home"), "not a folder");

        assertThatThrownBy(() -> Workspace.at(home).openStore()).isInstanceOfSatisfying(CliException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCodes.INVALID);
            assertThat(e.getMessage()).contains("is a file, not a folder").doesNotContain("Exception");
        });
    }

    @Test
    void aDatabaseWithACorruptPageIsRefusedByEveryCommand() throws Exception {
        Path home = dir.resolve("home");
        try (SqliteStateStore store = Workspace.at(home).openStore()) {
            for (int i = 0; i < 200; i++) {
                store.putDagVersion("d", "v" + i, "{\"text\": \"" + "x".repeat(2000) + "\"}");
            }
        }
        Path db = home.resolve(SqliteStateStore.FILE_NAME);
        try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
            f.seek(f.length() / 2);
            f.write(new byte[8192]);
        }

        assertThatThrownBy(() -> Workspace.at(home).openStore()).isInstanceOfSatisfying(CliException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCodes.INVALID);
            assertThat(e.getMessage()).contains("corrupt").doesNotContain("Exception");
        });
    }
}
