package dev.sluice.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fix, then re-run, on the local runtime: a cleared task runs the DAG file as it is now (and with {@code --pinned}
 * the version its run started with); every clear selection's dry run lists exactly what the clear then resets;
 * {@code backfill --rerun-failed-tasks} and {@code --reset-dagruns}; {@code tasks mark} and {@code runs mark}.
 */
class RerunIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    Sluice sluice;
    Path counts;

    @BeforeEach
    void setUp() throws Exception {
        sluice = new Sluice(dir.resolve("home"), dir);
        counts = Files.createDirectories(dir.resolve("counts"));
    }

    /** a -> b -> c, a -> d; b fails with "broken" until the file is fixed. Each task appends to counts/ID. */
    private Path dag(String dagId, String bCommand) throws Exception {
        return Files.writeString(dir.resolve(dagId + ".yaml"), """
                dag_id: %s
                schedule: "@daily"
                start_date: 2024-01-01
                tasks:
                  - {task_id: a, command: "echo x >> %s/a"}
                  - {task_id: b, upstream: [a], command: "echo x >> %s/b; %s"}
                  - {task_id: c, upstream: [b], command: "echo x >> %s/c"}
                  - {task_id: d, upstream: [a], command: "echo x >> %s/d"}
                """.formatted(dagId, counts, counts, bCommand, counts, counts));
    }

    private int count(String task) throws Exception {
        Path f = counts.resolve(task);
        return Files.exists(f) ? Files.readAllLines(f).size() : 0;
    }

    private Sluice.Result ok(String... args) throws Exception {
        Sluice.Result r = sluice.run(args);
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    private JsonNode show(String runId) throws Exception {
        return JSON.readTree(ok("runs", "show", runId, "--json").out());
    }

    private static Map<String, JsonNode> tasks(JsonNode run) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        run.get("tasks").forEach(t -> m.put(t.get("taskId").asText(), t));
        return m;
    }

    @Test
    void aClearedTaskRunsTheFixedFileAndTheRunSaysItsTriesSpanVersions() throws Exception {
        Path file = dag("fixme", "echo broken; exit 1");
        assertThat(sluice.run("run", file.toString(), "--date", "2024-01-02").exit()).isEqualTo(1);
        String runId = "fixme.manual__2024-01-02T00:00:00Z";
        Files.writeString(file, Files.readString(file).replace("echo broken; exit 1", "echo fixed"));

        Sluice.Result cleared = ok("tasks", "clear", runId, "b", "--downstream");
        assertThat(cleared.out()).contains(runId + ": cleared b, c (on the DAG file as it is now",
                "cleared 2 task(s) in 1 run(s)");
        assertThat(ok("runs", "resume", runId).out()).contains("success");
        assertThat(ok("tasks", "logs", runId, "b").out()).contains("try 2/2", "fixed").doesNotContain("broken");
        assertThat(ok("tasks", "logs", runId, "b", "--try", "1").out()).contains("broken");
        assertThat(List.of(count("a"), count("b"), count("c"), count("d"))).containsExactly(1, 2, 1, 1);

        JsonNode run = show(runId);
        assertThat(run.get("spansVersions").asBoolean()).isTrue();
        assertThat(run.get("versionsRun")).hasSize(2);
        Map<String, JsonNode> t = tasks(run);
        String first = run.get("versionsRun").get(0).asText();
        String now = run.get("dagVersion").asText();
        assertThat(now).isEqualTo(run.get("versionsRun").get(1).asText()).isNotEqualTo(first);
        assertThat(t.get("a").get("dagVersion").asText()).isEqualTo(first);
        assertThat(t.get("d").get("dagVersion").asText()).isEqualTo(first);
        assertThat(t.get("b").get("dagVersion").asText()).isEqualTo(now);
        assertThat(t.get("c").get("dagVersion").asText()).isEqualTo(now);
        assertThat(ok("runs", "show", runId).out()).contains("tries span DAG versions: ",
                first.substring(0, 12) + " (a, d)", now.substring(0, 12) + " (b, c)");
    }

    @Test
    void withPinnedTheClearedTaskRunsTheVersionItsRunStartedWith() throws Exception {
        Path file = dag("pinme", "echo broken; exit 1");
        assertThat(sluice.run("run", file.toString(), "--date", "2024-01-02").exit()).isEqualTo(1);
        String runId = "pinme.manual__2024-01-02T00:00:00Z";
        Files.writeString(file, Files.readString(file).replace("echo broken; exit 1", "echo fixed"));

        Sluice.Result cleared = ok("tasks", "clear", runId, "b", "--pinned");
        assertThat(cleared.out()).contains(runId + ": cleared b").doesNotContain("as it is now");
        assertThat(sluice.run("runs", "resume", runId).exit()).isEqualTo(1);
        assertThat(ok("tasks", "logs", runId, "b").out()).contains("try 2/2", "broken").doesNotContain("fixed");
        JsonNode run = show(runId);
        assertThat(run.get("spansVersions").asBoolean()).isFalse();
        assertThat(run.get("versionsRun")).hasSize(1);
        assertThat(ok("runs", "show", runId).out()).doesNotContain("span");
    }

    /** For each selection: a fresh failed run, its dry run, then the clear; both list the same tasks. */
    @Test
    void everySelectionsDryRunListsExactlyWhatTheClearThenResets() throws Exception {
        Path file = dag("sel", "exit 1");
        Map<String, List<String>> expected = new LinkedHashMap<>();
        expected.put("b", List.of("b"));
        expected.put("b --downstream", List.of("b", "c"));
        expected.put("c --upstream", List.of("a", "b", "c"));
        expected.put("--only-failed", List.of("b", "c"));
        expected.put("a --downstream --only-failed", List.of("b", "c"));
        expected.put("-t ^[ad]$", List.of("a", "d"));
        expected.put("--task-regex b -d", List.of("b", "c"));
        expected.put("--only-running", List.of());
        int day = 1;
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            day++;
            String date = "2024-02-%02d".formatted(day);
            String runId = "sel.manual__" + date + "T00:00:00Z";
            assertThat(sluice.run("run", file.toString(), "--date", date).exit()).isEqualTo(1);
            List<String> args = new ArrayList<>(List.of("tasks", "clear", runId));
            args.addAll(Arrays.asList(e.getKey().split(" ")));
            Map<String, JsonNode> before = tasks(show(runId));

            List<String> dry = new ArrayList<>(args);
            dry.add("--dry-run");
            Sluice.Result wouldBe = ok(dry.toArray(String[]::new));
            assertThat(tasks(show(runId))).as("a dry run changes nothing").allSatisfy((id, t) ->
                    assertThat(t.get("state").asText()).isEqualTo(before.get(id).get("state").asText()));
            List<String> listed = listed(wouldBe.out(), runId + ": would clear ");

            Sluice.Result did = ok(args.toArray(String[]::new));
            List<String> cleared = listed(did.out(), runId + ": cleared ");
            assertThat(listed).as(e.getKey() + "\n" + wouldBe + "\n" + did).isEqualTo(cleared)
                    .isEqualTo(e.getValue());
            Map<String, JsonNode> after = tasks(show(runId));
            for (String id : List.of("a", "b", "c", "d")) {
                String state = after.get(id).get("state").asText();
                if (cleared.contains(id)) {
                    // reset, and queued at once when its upstream tasks are done: it runs on the next resume
                    assertThat(state).as(e.getKey() + ": " + id).isIn("none", "scheduled", "queued");
                    assertThat(state).as(e.getKey() + ": " + id).isNotEqualTo(before.get(id).get("state").asText());
                } else {
                    assertThat(state).as(e.getKey() + ": " + id).isEqualTo(before.get(id).get("state").asText());
                }
            }
        }
    }

    @Test
    void aDateRangeOverRunsClearsInEachRunOfTheDagInIt() throws Exception {
        Path file = dag("ranged", "exit 1");
        for (String date : List.of("2024-03-01", "2024-03-02", "2024-03-03")) {
            assertThat(sluice.run("run", file.toString(), "--date", date).exit()).isEqualTo(1);
        }
        String[] args = {"tasks", "clear", "--dag", "ranged", "--start-date", "2024-03-02", "--end-date",
            "2024-03-03", "--only-failed", "--pinned"};
        List<String> dry = new ArrayList<>(Arrays.asList(args));
        dry.add("--dry-run");
        Sluice.Result wouldBe = ok(dry.toArray(String[]::new));
        assertThat(wouldBe.out()).contains("ranged.manual__2024-03-02T00:00:00Z: would clear b, c",
                "ranged.manual__2024-03-03T00:00:00Z: would clear b, c", "would clear 4 task(s) in 2 run(s)")
                .doesNotContain("2024-03-01");
        Sluice.Result did = ok(args);
        assertThat(did.out()).contains("ranged.manual__2024-03-02T00:00:00Z: cleared b, c",
                "ranged.manual__2024-03-03T00:00:00Z: cleared b, c", "cleared 4 task(s) in 2 run(s)");
        assertThat(tasks(show("ranged.manual__2024-03-01T00:00:00Z")).get("b").get("state").asText())
                .isEqualTo("failed");
        assertThat(tasks(show("ranged.manual__2024-03-02T00:00:00Z")).get("b").get("state").asText())
                .isIn("none", "scheduled", "queued");
    }

    @Test
    void backfillRerunsFailedTasksOrResetsRunsOnlyWhenAsked() throws Exception {
        Path marker = dir.resolve("fixed");
        Path file = dag("bf", "[ -f " + marker + " ]");
        Sluice.Result first = sluice.run("backfill", file.toString(), "--from", "2024-01-01", "--to", "2024-01-02");
        assertThat(first.exit()).as(first.toString()).isEqualTo(1);
        assertThat(first.out()).contains("creating 2 new runs", "2 created, 0 re-run, 0 untouched");
        Files.createFile(marker);

        Sluice.Result again = sluice.run("backfill", file.toString(), "--from", "2024-01-01", "--to", "2024-01-02");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.out()).contains("0 created, 0 re-run, 2 untouched",
                "2 existing run(s) failed and were left as they are", "--rerun-failed-tasks", "--reset-dagruns");
        assertThat(count("b")).isEqualTo(2);

        Sluice.Result dry = ok("backfill", file.toString(), "--from", "2024-01-01", "--to", "2024-01-02",
                "--rerun-failed-tasks", "--dry-run");
        assertThat(dry.out()).contains("would re-run 2 existing runs",
                "would re-run bf.backfill__2024-01-01T00:00:00Z: b, c");
        assertThat(count("b")).isEqualTo(2);
        JsonNode plan = JSON.readTree(ok("backfill", file.toString(), "--from", "2024-01-01", "--to", "2024-01-03",
                "--reset-dagruns", "--dry-run", "--json").out());
        assertThat(plan.get("create")).extracting(JsonNode::asText).containsExactly("bf.backfill__2024-01-03T00:00:00Z");
        assertThat(plan.get("rerun").get("bf.backfill__2024-01-01T00:00:00Z")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(plan.get("untouched")).isEmpty();
        assertThat(count("a")).as("a dry run runs nothing").isEqualTo(2);

        Sluice.Result rerun = ok("backfill", file.toString(), "--from", "2024-01-01", "--to", "2024-01-02",
                "--rerun-failed-tasks");
        assertThat(rerun.out()).contains("re-running 2 existing runs", "0 created, 2 re-run, 0 untouched",
                "all 2 runs succeeded");
        assertThat(List.of(count("a"), count("b"), count("c"), count("d"))).containsExactly(2, 4, 2, 2);

        Sluice.Result reset = ok("backfill", file.toString(), "--from", "2024-01-01", "--to", "2024-01-03",
                "--reset-dagruns", "--json");
        JsonNode summary = JSON.readTree(reset.out().lines().filter(l -> l.startsWith("{")).findFirst()
                .orElseThrow());
        assertThat(summary.get("created").asInt()).isEqualTo(1);
        assertThat(summary.get("rerun").asInt()).isEqualTo(2);
        assertThat(summary.get("untouched").asInt()).isZero();
        assertThat(List.of(count("a"), count("b"), count("c"), count("d"))).containsExactly(5, 7, 5, 5);
    }

    @Test
    void markingATaskSuccessLetsItsDownstreamRunAndMarkingARunSetsItsState() throws Exception {
        Path file = dag("marks", "exit 1");
        assertThat(sluice.run("run", file.toString(), "--date", "2024-01-02").exit()).isEqualTo(1);
        String runId = "marks.manual__2024-01-02T00:00:00Z";
        // as in Airflow, marking b success leaves c upstream_failed; clearing c afterwards lets it run
        Sluice.Result marked = ok("tasks", "mark", runId, "b", "--state", "success");
        assertThat(marked.out()).contains("marked success: b in " + runId);
        assertThat(tasks(show(runId)).get("c").get("state").asText()).isEqualTo("upstream_failed");
        ok("tasks", "clear", runId, "c", "--pinned");
        assertThat(ok("runs", "resume", runId).out()).contains("success");
        assertThat(count("b")).isEqualTo(1);
        assertThat(count("c")).isEqualTo(1);
        assertThat(show(runId).get("state").asText()).isEqualTo("success");

        ok("tasks", "mark", runId, "a", "--state", "failed", "--downstream");
        JsonNode failed = show(runId);
        assertThat(failed.get("state").asText()).isEqualTo("failed");
        assertThat(tasks(failed).values()).allSatisfy(t -> assertThat(t.get("state").asText()).isEqualTo("failed"));

        assertThat(ok("runs", "mark", runId, "--state", "success").out()).contains("marked " + runId + " success");
        JsonNode success = show(runId);
        assertThat(success.get("state").asText()).isEqualTo("success");
        assertThat(tasks(success).values()).allSatisfy(t -> assertThat(t.get("state").asText()).isEqualTo("success"));
        assertThat(count("a")).as("marking runs nothing").isEqualTo(1);

        Sluice.Result bad = sluice.run("runs", "mark", runId, "--state", "running");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--state must be success or failed");
    }

    private static List<String> listed(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .map(l -> {
                    String rest = l.substring(prefix.length());
                    int paren = rest.indexOf(" (");
                    return Arrays.asList((paren < 0 ? rest : rest.substring(0, paren)).split(", "));
                })
                .orElse(List.of());
    }
}
