package dev.sluice.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A try never runs twice at once after a crash: {@code kill -9} of {@code sluice run} leaves the task's process
 * group running (it has its own session); {@code runs resume} must end it before it starts the try again.
 */
class CrashOverlapIT {
    @TempDir
    Path dir;

    private Sluice sluice;
    private Path marker;
    private Path gate;

    @BeforeEach
    void setUp() {
        sluice = new Sluice(dir.resolve("home"), dir);
        marker = dir.resolve("marker");
        gate = dir.resolve("gate");
    }

    /**
     * Writes start, waits for the gate (at most 60 s), writes end. When it is stopped (SIGTERM to its group), the
     * trap writes end too: "end" means "this copy is no longer running". Only files are written after the start,
     * as a task that writes no output does, so the task outlives a crash of the process that reads its output.
     */
    private Path dag() throws IOException {
        // Its output goes to /dev/null: once the sluice JVM is gone, a write to the pipe it read would end the
        // shell by SIGPIPE before its trap could say so.
        String cmd = "exec >/dev/null 2>&1; trap 'echo end >> " + marker + "; exit 143' TERM; echo start >> " + marker
                + "; for i in $(seq 600); do [ -f " + gate + " ] && break; sleep 0.1; done; echo end >> " + marker;
        Path f = dir.resolve("overlap.yaml");
        Files.writeString(f, "dag_id: overlap\ntasks:\n  - task_id: slow\n    command: \"" + cmd + "\"\n"
                + "  - task_id: after\n    upstream: [slow]\n    command: 'echo done'\n");
        return f;
    }

    private List<String> markerLines() throws IOException {
        return Files.exists(marker) ? Files.readAllLines(marker, StandardCharsets.UTF_8) : List.of();
    }

    private void awaitMarker(Predicate<List<String>> condition, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.test(markerLines())) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what + "; marker: " + markerLines());
            }
            Thread.sleep(20); // polling a condition, not a fixed wait
        }
    }

    private static long starts(List<String> lines) {
        return lines.stream().filter("start"::equals).count();
    }

    /** Never two starts without an end between them. */
    private static void assertNoOverlap(List<String> lines) {
        int running = 0;
        for (String l : lines) {
            running += l.equals("start") ? 1 : -1;
            assertThat(running).as("copies running at once; marker %s", lines).isBetween(0, 1);
        }
    }

    @Test
    void resumeEndsTheTryThatTheKilledProcessLeftRunningBeforeStartingItAgain() throws Exception {
        Path f = dag();
        Process run = sluice.start(dir.resolve("o1"), dir.resolve("e1"), "run", f.toString(), "--date",
                "2024-05-01");
        awaitMarker(l -> starts(l) == 1, "the first start");
        run.destroyForcibly(); // SIGKILL: no shutdown hook; the task's own process group keeps running
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String runId = "overlap.manual__2024-05-01T00:00:00Z";

        Path out = dir.resolve("o2");
        Process resume = sluice.start(out, dir.resolve("e2"), "runs", "resume", runId);
        try {
            awaitMarker(l -> starts(l) == 2, "the resumed start");
            assertNoOverlap(markerLines());
        } finally {
            Files.createFile(gate); // lets every copy finish, also when the assertion failed
        }
        assertThat(resume.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String progress = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(resume.exitValue()).as(progress + Files.readString(dir.resolve("e2"))).isZero();
        awaitMarker(l -> l.size() == 4, "both copies to have ended");
        assertThat(markerLines()).containsExactly("start", "end", "start", "end");
        assertThat(progress).contains("still running").contains("ended it");
        Path log = dir.resolve("home/logs/overlap").resolve(runId.replace(':', '_')).resolve("slow/1.log");
        assertThat(Files.readString(log, StandardCharsets.UTF_8)).contains("still running").contains("ended it");
    }
}
