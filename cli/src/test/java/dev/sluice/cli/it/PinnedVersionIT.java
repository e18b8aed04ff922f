package dev.sluice.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's DAG version pins everything the DAG was built from, the files named by {@code foreach_file} included: a
 * run resumed after its included file changed finishes with exactly the tasks it started with, and a new run uses
 * the new file.
 */
class PinnedVersionIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aResumedRunKeepsTheIncludedFileItStartedWithAndANewRunTakesTheNewOne() throws Exception {
        Sluice sluice = new Sluice(dir.resolve("home"), dir);
        Path counts = Files.createDirectories(dir.resolve("counts"));
        Path started = dir.resolve("hold-started");
        Path gate = dir.resolve("gate");
        Files.createDirectories(dir.resolve("config"));
        Path items = Files.writeString(dir.resolve("config/items.yaml"), "- a\n- b\n");
        Path dag = Files.writeString(dir.resolve("pinned.yaml"), """
                dag_id: pinned
                tasks:
                  - task_id: hold
                    command: 'touch %s; for i in $(seq 600); do [ -f %s ] && break; sleep 0.1; done; [ -f %s ]'
                  - group_id: per_item
                    upstream: [hold]
                    tasks:
                      - foreach_file: config/items.yaml
                        tasks:
                          - {task_id: "t_{{ item }}", command: "echo x >> %s/t_{{ item }}"}
                  - {task_id: report, upstream: [per_item], command: "echo done"}
                """.formatted(started, gate, gate, counts));

        Path err = dir.resolve("first.err");
        Process first = sluice.start(dir.resolve("first.out"), err, "run", dag.toString(), "--date", "2024-05-01");
        waitUntil(() -> Files.exists(started), first, "the hold task to start");
        new ProcessBuilder("kill", "-INT", Long.toString(first.pid())).start().waitFor();
        assertThat(first.waitFor(60, TimeUnit.SECONDS)).as("sluice run stops on SIGINT").isTrue();
        assertThat(first.exitValue()).as(Files.readString(err)).isEqualTo(130);
        String runId = "pinned.manual__2024-05-01T00:00:00Z";

        Files.writeString(items, "- a\n- b\n- c\n"); // the included file changes while the run is paused
        Files.createFile(gate);
        Path out = dir.resolve("resume.out");
        Process resume = sluice.start(out, dir.resolve("resume.err"), "runs", "resume", runId, "--json");
        if (!resume.waitFor(90, TimeUnit.SECONDS)) {
            resume.destroyForcibly();
            throw new AssertionError("runs resume did not finish: " + taskIds(sluice, runId));
        }
        assertThat(resume.exitValue()).as(Files.readString(dir.resolve("resume.err"))).isZero();
        JsonNode resumed = JSON.readTree(Files.readString(out, StandardCharsets.UTF_8));
        assertThat(resumed.get("state").asText()).isEqualTo("success");
        assertThat(ids(resumed)).containsExactlyInAnyOrder("hold", "per_item.t_a", "per_item.t_b", "report");
        assertThat(Files.exists(counts.resolve("t_c"))).isFalse();

        Sluice.Result second = sluice.run("run", dag.toString(), "--date", "2024-05-02", "--json");
        assertThat(second.exit()).as(second.toString()).isZero();
        assertThat(ids(JSON.readTree(second.out()))).containsExactlyInAnyOrder("hold", "per_item.t_a",
                "per_item.t_b", "per_item.t_c", "report");
        // the first run still shows the version it ran with
        assertThat(taskIds(sluice, runId)).containsExactlyInAnyOrder("hold", "per_item.t_a", "per_item.t_b",
                "report");
    }

    private static List<String> taskIds(Sluice sluice, String runId) throws Exception {
        Sluice.Result show = sluice.run("runs", "show", runId, "--json");
        assertThat(show.exit()).as(show.toString()).isZero();
        return ids(JSON.readTree(show.out()));
    }

    private static List<String> ids(JsonNode run) {
        List<String> out = new ArrayList<>();
        run.get("tasks").forEach(t -> out.add(t.get("taskId").asText()));
        return out;
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void waitUntil(Condition c, Process p, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!c.holds()) {
            if (!p.isAlive() || System.nanoTime() > end) {
                throw new AssertionError("gave up waiting for " + what);
            }
            p.waitFor(50, TimeUnit.MILLISECONDS); // returns at once if the process ends
        }
    }
}
