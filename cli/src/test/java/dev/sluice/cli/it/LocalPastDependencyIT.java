package dev.sluice.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** depends_on_past and wait_for_downstream on the local runtime, driven through the real CLI in its own processes. */
class LocalPastDependencyIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Sluice sluice;

    @BeforeEach
    void setUp() {
        sluice = new Sluice(dir.resolve("home"), dir);
    }

    /** extract -> load (depends_on_past; fails while the file fail-DS exists) -> report. */
    private Path dag(String extraLoadField) throws Exception {
        Path f = dir.resolve("dp.yaml");
        Files.writeString(f, """
                dag_id: dp
                tasks:
                  - {task_id: extract, command: "echo extract"}
                  - task_id: load
                    upstream: extract
                    %s
                    command: 'test ! -f %s/fail-{{ ds }}'
                  - {task_id: report, command: 'test ! -f %s/fail-report-{{ ds }}', upstream: load}
                """.formatted(extraLoadField, dir, dir));
        return f;
    }

    private JsonNode task(String runId, String taskId) throws Exception {
        Sluice.Result r = sluice.run("runs", "show", runId, "--json");
        if (r.exit() != 0) {
            return null; // the run does not exist yet
        }
        for (JsonNode t : JSON.readTree(r.out()).get("tasks")) {
            if (t.get("taskId").asText().equals(taskId)) {
                return t;
            }
        }
        return null;
    }

    private static final String RUN2 = "dp.manual__2024-01-02T00:00:00Z";
    private static final String RUN3 = "dp.manual__2024-01-03T00:00:00Z";

    @Test
    void dependsOnPastAcrossThreeRunsWithAFailureInTheMiddle() throws Exception {
        Path dag = dag("depends_on_past: true");
        assertThat(sluice.run("run", dag.toString(), "--date", "2024-01-01").exit()).isZero();
        Files.createFile(dir.resolve("fail-2024-01-02"));
        Sluice.Result second = sluice.run("run", dag.toString(), "--date", "2024-01-02");
        assertThat(second.exit()).as(second.toString()).isNotZero();

        Path out = dir.resolve("o3");
        Process third = sluice.start(out, dir.resolve("e3"), "run", dag.toString(), "--date", "2024-01-03");
        String waits = "depends_on_past: waits for task load in run " + RUN2 + " (it is failed)";
        LocalRuntimeIT.await("load of run 3 to wait for run 2", () -> {
            JsonNode t = task(RUN3, "load");
            return t != null && waits.equals(t.path("waitingFor").asText());
        }, 60_000);
        LocalRuntimeIT.await("the progress line", () -> Files.readString(out).contains(waits), 10_000);
        assertThat(task(RUN3, "load").get("state").asText()).isEqualTo("scheduled");
        Sluice.Result show = sluice.run("runs", "show", RUN3);
        assertThat(show.out()).contains("load: " + waits);
        assertThat(third.isAlive()).isTrue();

        // Fix and re-run the failed task of run 2: run 3, in its own process, goes on by itself.
        Files.delete(dir.resolve("fail-2024-01-02"));
        assertThat(sluice.run("tasks", "clear", RUN2, "load", "--downstream").exit()).isZero();
        Sluice.Result resumed = sluice.run("runs", "resume", RUN2);
        assertThat(resumed.exit()).as(resumed.toString()).isZero();
        assertThat(third.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(third.exitValue()).as(Files.readString(dir.resolve("e3"))).isZero();
        assertThat(task(RUN3, "load").get("state").asText()).isEqualTo("success");
        assertThat(task(RUN3, "load").has("waitingFor")).isFalse();
    }

    @Test
    void waitForDownstreamWaitsForTheDownstreamTaskOfThePreviousRun() throws Exception {
        Path dag = dag("wait_for_downstream: true");
        Files.createFile(dir.resolve("fail-report-2024-01-02"));
        Sluice.Result second = sluice.run("run", dag.toString(), "--date", "2024-01-02");
        assertThat(second.exit()).as(second.toString()).isNotZero();
        assertThat(task(RUN2, "load").get("state").asText()).isEqualTo("success");

        Process third = sluice.start(dir.resolve("o3"), dir.resolve("e3"), "run", dag.toString(), "--date",
                "2024-01-03");
        String waits = "wait_for_downstream: waits for task report in run " + RUN2 + " (it is failed)";
        LocalRuntimeIT.await("load of run 3 to wait for report of run 2", () -> {
            JsonNode t = task(RUN3, "load");
            return t != null && waits.equals(t.path("waitingFor").asText());
        }, 60_000);

        Files.delete(dir.resolve("fail-report-2024-01-02"));
        assertThat(sluice.run("tasks", "clear", RUN2, "report").exit()).isZero();
        assertThat(sluice.run("runs", "resume", RUN2).exit()).isZero();
        assertThat(third.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(third.exitValue()).as(Files.readString(dir.resolve("e3"))).isZero();
    }
}
