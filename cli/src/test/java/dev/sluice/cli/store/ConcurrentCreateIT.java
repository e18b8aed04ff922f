package dev.sluice.cli.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/** Several processes creating the same new database at once all get a working store; none sees it as corrupt. */
class ConcurrentCreateIT {
    @TempDir
    Path dir;

    /** Child process: opens the database, lists runs, prints "ok". */
    public static void main(String[] args) {
        try (SqliteStateStore s = SqliteStateStore.open(Path.of(args[0]))) {
            s.runs(null, 1);
            System.out.println("ok");
        } catch (RuntimeException e) {
            System.out.println("failed: " + e.getMessage());
        }
    }

    @RepeatedTest(3)
    void fourProcessesCreatingOneDatabase() throws Exception {
        Path db = dir.resolve("new.db");
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ps.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), ConcurrentCreateIT.class.getName(), db.toString())
                    .redirectErrorStream(true).start());
        }
        for (Process p : ps) {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            assertThat(out).endsWith("ok");
        }
        try (SqliteStateStore s = SqliteStateStore.open(db)) {
            assertThat(s.integrityCheck()).isEqualTo("ok");
        }
    }
}
