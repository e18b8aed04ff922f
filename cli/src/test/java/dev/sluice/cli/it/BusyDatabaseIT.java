package dev.sluice.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A busy database makes a run wait, never abandon its work: another connection holds SQLite's write lock for
 * several busy timeouts while four tasks finish; the run waits, says so, records every completion once the lock
 * is released, and no task runs twice.
 */
class BusyDatabaseIT {
    private static final List<String> TASKS = List.of("a1", "a2", "a3", "a4");

    @TempDir
    Path dir;

    private int count(String name) throws IOException {
        Path f = dir.resolve("counts").resolve(name);
        return Files.exists(f) ? Files.readAllLines(f).size() : 0;
    }

    private static void await(BooleanSupplier condition, Process sluice, Path out, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (!sluice.isAlive()) {
                throw new AssertionError("sluice exited " + sluice.exitValue() + " before " + what + ":\n"
                        + Files.readString(out));
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what + ":\n" + Files.readString(out));
            }
            Thread.sleep(20); // polling a condition, not a fixed wait
        }
    }

    private static long busyLines(Path out) {
        try {
            return Files.readString(out, StandardCharsets.UTF_8).lines()
                    .filter(l -> l.contains("database busy (locked by another process); waiting")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    @Test
    void aRunWaitsForALockedDatabaseAndRecordsEveryCompletionOnce() throws Exception {
        Path counts = Files.createDirectories(dir.resolve("counts"));
        Path gate = dir.resolve("gate");
        StringBuilder y = new StringBuilder("dag_id: busy\ntasks:\n");
        for (String t : TASKS) {
            y.append("  - task_id: ").append(t).append("\n    command: 'echo x >> ").append(counts.resolve("started"))
                    .append("; for i in $(seq 600); do [ -f ").append(gate).append(" ] && break; sleep 0.1; done; ")
                    .append("echo x >> ").append(counts.resolve(t)).append("'\n");
        }
        y.append("  - task_id: join\n    upstream: [").append(String.join(", ", TASKS))
                .append("]\n    command: 'echo x >> ").append(counts.resolve("join")).append("'\n");
        Path dag = dir.resolve("busy.yaml");
        Files.writeString(dag, y.toString());

        Path home = dir.resolve("home");
        Sluice sluice = new Sluice(home, dir);
        ProcessBuilder pb = sluice.builder("run", dag.toString(), "--date", "2024-06-01", "--parallelism", "4");
        pb.environment().put("SLUICE_BUSY_TIMEOUT_MS", "300");
        Path out = dir.resolve("out");
        Process p = pb.redirectOutput(out.toFile()).redirectError(dir.resolve("err").toFile()).start();
        try {
            await(() -> {
                try {
                    return count("started") == TASKS.size();
                } catch (IOException e) {
                    return false;
                }
            }, p, out, "all four tasks to start");
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("sluice.db"));
                 Statement s = other.createStatement()) {
                s.execute("BEGIN IMMEDIATE"); // the write lock, held by "another process"
                Files.createFile(gate); // the four tasks finish while the database is locked
                // three busy timeouts (the runner says so once per timeout) and the run is still going
                await(() -> busyLines(out) >= 3, p, out, "three 'database busy' progress lines");
                assertThat(p.isAlive()).isTrue();
                s.execute("ROLLBACK");
            }
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(out) + Files.readString(dir.resolve("err"))).isZero();
        } finally {
            p.destroyForcibly();
            if (!Files.exists(gate)) {
                Files.createFile(gate);
            }
        }
        for (String t : TASKS) {
            assertThat(count(t)).as("runs of %s", t).isEqualTo(1);
        }
        assertThat(count("join")).isEqualTo(1);
        assertThat(count("started")).isEqualTo(TASKS.size());
    }
}
