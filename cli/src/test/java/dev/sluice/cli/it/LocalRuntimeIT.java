package dev.sluice.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local runtime as a user drives it: the real CLI in its own process, examples, crashes, bad input. */
class LocalRuntimeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Sluice sluice;

    @BeforeEach
    void setUp() {
        sluice = new Sluice(dir.resolve("home"), dir);
    }

    private static Map<String, JsonNode> tasks(JsonNode run) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode t : run.get("tasks")) {
            int mi = t.get("mapIndex").asInt();
            out.put(mi < 0 ? t.get("taskId").asText() : t.get("taskId").asText() + "[" + mi + "]", t);
        }
        return out;
    }

    private JsonNode runJson(String... args) throws Exception {
        Sluice.Result r = sluice.run(args);
        JsonNode node = JSON.readTree(r.out());
        assertThat(r.out().strip().lines().count()).as("stdout holds exactly one JSON object\n%s", r).isEqualTo(1);
        return node;
    }

    @Test
    void warehouseExampleSucceedsWithTheFlakyExtractRetried() throws Exception {
        JsonNode run = runJson("run", Sluice.example("warehouse.yaml").toString(), "--date", "2024-01-05", "--json");
        assertThat(run.get("state").asText()).isEqualTo("success");
        assertThat(run.get("runId").asText()).isEqualTo("data_warehouse_pipeline.manual__2024-01-05T00:00:00Z");
        Map<String, JsonNode> t = tasks(run);
        assertThat(t).hasSize(9);
        assertThat(t.values()).allSatisfy(x -> assertThat(x.get("state").asText()).isEqualTo("success"));
        assertThat(t.get("extract_sources.extract_external_apis").get("tryNumber").asInt()).isEqualTo(2);
        assertThat(t.get("load_to_staging").get("output").get("rows").asInt()).isEqualTo(75);
        assertThat(t.get("check_source_availability").get("mapIndex").asInt()).isEqualTo(-1);
        assertThat(t.get("run_dbt_models").get("startedAt").asText()).isNotBlank();
    }

    @Test
    void dynamicTablesExampleStampsOutAChainPerConfiguredTable() throws Exception {
        JsonNode run = runJson("run", Sluice.example("dynamic_tables.yaml").toString(), "--json");
        assertThat(run.get("state").asText()).isEqualTo("success");
        Map<String, JsonNode> t = tasks(run);
        assertThat(t).containsKeys("extract_orders", "transform_customers", "load_products", "report");
        assertThat(t.get("load_orders").get("output").asInt()).isEqualTo(120);
        assertThat(t.get("report").get("output").asText()).isEqualTo("120 40 15");
    }

    @Test
    void branchingExampleFollowsTheWeekdayOrWeekendPathAndConverges() throws Exception {
        JsonNode saturday = runJson("run", Sluice.example("branching.yaml").toString(), "--date", "2024-01-06",
                "--json");
        Map<String, JsonNode> s = tasks(saturday);
        assertThat(s.get("weekend_processing").get("state").asText()).isEqualTo("success");
        assertThat(s.get("weekday_processing").get("state").asText()).isEqualTo("skipped");
        assertThat(s.get("continue_processing").get("state").asText()).isEqualTo("success");
        JsonNode monday = runJson("run", Sluice.example("branching.yaml").toString(), "--date", "2024-01-08",
                "--json");
        Map<String, JsonNode> m = tasks(monday);
        assertThat(m.get("weekday_processing").get("state").asText()).isEqualTo("success");
        assertThat(m.get("weekend_processing").get("state").asText()).isEqualTo("skipped");
        assertThat(monday.get("state").asText()).isEqualTo("success");
    }

    @Test
    void fanoutExampleMapsOverTheUpstreamOutput() throws Exception {
        JsonNode run = runJson("run", Sluice.example("fanout.yaml").toString(), "--conf", "{\"partitions\": 4}",
                "--json");
        assertThat(run.get("state").asText()).isEqualTo("success");
        Map<String, JsonNode> t = tasks(run);
        assertThat(t).containsKeys("process_partition[0]", "process_partition[3]").doesNotContainKey(
                "process_partition[4]");
        assertThat(t.get("process_partition[2]").get("output").get("partition").asText()).isEqualTo("part-02");
        assertThat(t.get("summarize").get("output").asText()).isEqualTo("4 partitions processed");
    }

    /**
     * A DAG whose tasks count their executions in files, so re-runs are visible. The slow task waits up to
     * {@code slowSeconds} for its {@link #gate} file: a resumed run keeps the DAG version it started with, so a test
     * opens the gate, rather than editing the file, to let it finish at once.
     */
    private Path countingDag(String dagId, String slowTask, int slowSeconds) throws IOException {
        Path counts = dir.resolve("counts");
        Files.createDirectories(counts);
        StringBuilder y = new StringBuilder("dag_id: " + dagId + "\ntasks:\n");
        String prev = null;
        for (String t : List.of("a", "b", "c", "d")) {
            String sleep = t.equals(slowTask) ? "echo x >> " + counts.resolve(t + ".started") + "; for i in $(seq "
                    + slowSeconds * 10 + "); do [ -f " + gate(dagId) + " ] && break; sleep 0.1; done; " : "";
            y.append("  - task_id: ").append(t).append('\n');
            if (prev != null) {
                y.append("    upstream: [").append(prev).append("]\n");
            }
            y.append("    command: '").append(sleep).append("echo x >> ").append(counts.resolve(t)).append("'\n");
            prev = t;
        }
        Path f = dir.resolve(dagId + ".yaml");
        Files.writeString(f, y.toString());
        return f;
    }

    private Path gate(String dagId) {
        return dir.resolve("gate-" + dagId);
    }

    private int count(String task) throws IOException {
        Path f = dir.resolve("counts").resolve(task);
        return Files.exists(f) ? Files.readAllLines(f).size() : 0;
    }

    /** Waits until {@code task}'s command has finished {@code n} times (its count file has n lines). */
    private void waitFor(String task, int n, long timeoutMs) throws Exception {
        await("task " + task + " to run " + n + " time(s)", () -> count(task) >= n, timeoutMs);
    }

    /** Waits until the slow task's command has started (it writes a marker before it waits on its gate). */
    private void waitUntilStarted(String task, long timeoutMs) throws Exception {
        await("task " + task + " to start", () -> count(task + ".started") >= 1, timeoutMs);
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /**
     * The one bounded poll of these tests: checks an observable condition (a file the task wrote, a state in the
     * database) every 20 ms until it holds, and fails naming what it waited for after {@code timeoutMs}. No test
     * sleeps for a fixed time to "let something happen".
     */
    static void await(String what, Condition condition, long timeoutMs) throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.holds()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    @Test
    void killMinusNineThenResumeDoesNotRerunFinishedTasks() throws Exception {
        Path dag = countingDag("crashy", "c", 30);
        Process p = sluice.start(dir.resolve("o1"), dir.resolve("e1"), "run", dag.toString(), "--date",
                "2024-02-01");
        waitFor("b", 1, 60_000);
        waitUntilStarted("c", 60_000); // c is waiting on its gate now
        p.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String runId = "crashy.manual__2024-02-01T00:00:00Z";
        Sluice.Result show = sluice.run("runs", "show", runId, "--json");
        JsonNode before = JSON.readTree(show.out());
        assertThat(tasks(before).get("b").get("state").asText()).isEqualTo("success");
        Files.createFile(gate("crashy")); // c finishes at once when the resume runs it again
        Sluice.Result resumed = sluice.run("runs", "resume", runId, "--json");
        assertThat(resumed.exit()).as(resumed.toString()).isEqualTo(0);
        JsonNode after = JSON.readTree(resumed.out());
        assertThat(after.get("state").asText()).isEqualTo("success");
        assertThat(count("a")).isEqualTo(1);
        assertThat(count("b")).isEqualTo(1);
        assertThat(count("d")).isEqualTo(1);
        // c was cut off by the crash and ran again under the same try number (rescheduled, not a retry).
        assertThat(tasks(after).get("c").get("tryNumber").asInt()).isEqualTo(1);
    }

    @Test
    void ctrlCMarksTheRunInterruptedAndResumeFinishesIt() throws Exception {
        Path dag = countingDag("interrupted", "b", 30);
        Path err = dir.resolve("e2");
        Process p = sluice.start(dir.resolve("o2"), err, "run", dag.toString(), "--date", "2024-03-01");
        waitFor("a", 1, 60_000);
        waitUntilStarted("b", 60_000);
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(130);
        String runId = "interrupted.manual__2024-03-01T00:00:00Z";
        assertThat(Files.readString(err)).contains("interrupted", "./sluice runs resume " + runId);
        JsonNode mid = JSON.readTree(sluice.run("runs", "show", runId, "--json").out());
        assertThat(tasks(mid).get("a").get("state").asText()).isEqualTo("success");
        assertThat(tasks(mid).get("b").get("state").asText()).isEqualTo("up_for_reschedule");
        assertThat(count("b")).isZero(); // the sleeping command was killed before it wrote
        Files.createFile(gate("interrupted")); // b finishes at once when the resume runs it again
        Sluice.Result resumed = sluice.run("runs", "resume", runId);
        assertThat(resumed.exit()).as(resumed.toString()).isEqualTo(0);
        assertThat(count("a")).isEqualTo(1);
        assertThat(count("b")).isEqualTo(1);
        assertThat(count("d")).isEqualTo(1);
    }

    @Test
    void clearThenResumeRerunsExactlyTheClearedTasks() throws Exception {
        Path dag = countingDag("clearable", "none", 0);
        assertThat(sluice.run("run", dag.toString(), "--date", "2024-04-01").exit()).isZero();
        String runId = "clearable.manual__2024-04-01T00:00:00Z";
        Sluice.Result cleared = sluice.run("tasks", "clear", runId, "c", "--downstream");
        assertThat(cleared.exit()).as(cleared.toString()).isZero();
        assertThat(cleared.out()).contains("c", "d", "runs resume");
        assertThat(sluice.run("runs", "resume", runId).exit()).isZero();
        assertThat(count("a")).isEqualTo(1);
        assertThat(count("b")).isEqualTo(1);
        assertThat(count("c")).isEqualTo(2);
        assertThat(count("d")).isEqualTo(2);
        Sluice.Result logs = sluice.run("tasks", "logs", runId, "c", "--try", "2");
        assertThat(logs.exit()).as(logs.toString()).isZero();
        assertThat(logs.out()).contains("exit code 0");
    }

    @Test
    void backfillCreatesOneRunPerIntervalAndIsIdempotent() throws Exception {
        Path dag = dir.resolve("daily.yaml");
        Files.writeString(dag, "dag_id: daily\nschedule: '@daily'\nstart_date: 2024-01-01\nmax_active_runs: 2\n"
                + "tasks:\n  - {task_id: t, command: 'echo {{ ds }}'}\n");
        JsonNode first = runJson("backfill", dag.toString(), "--from", "2024-01-01", "--to", "2024-01-03", "--json");
        assertThat(first.get("runs")).hasSize(3);
        assertThat(first.get("runs")).allSatisfy(r -> {
            assertThat(r.get("state").asText()).isEqualTo("success");
            assertThat(r.get("created").asBoolean()).isTrue();
        });
        assertThat(first.get("runs").get(0).get("runId").asText()).isEqualTo("daily.backfill__2024-01-01T00:00:00Z");
        JsonNode second = runJson("backfill", dag.toString(), "--from", "2024-01-01", "--to", "2024-01-03", "--json");
        assertThat(second.get("runs")).allSatisfy(r -> assertThat(r.get("created").asBoolean()).isFalse());
        Sluice.Result list = sluice.run("runs", "list", "--dag", "daily", "--json");
        assertThat(JSON.readTree(list.out())).hasSize(3);
    }

    @Test
    void schedulerStartsExactlyOneRunPerArrivedFile() throws Exception {
        Path watch = dir.resolve("s3");
        Path file = watch.resolve("data-lake/raw/2024-01-05/data_1.csv");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "a,b\n");
        Files.createDirectories(watch.resolve("data-lake/raw/2024-01-05/other.txt").getParent());
        Files.writeString(watch.resolve("data-lake/raw/2024-01-05/other.txt"), "ignored");
        Sluice.Result once = sluice.run("scheduler", Sluice.example("file_trigger.yaml").toString(), "--watch",
                watch.toString(), "--once");
        assertThat(once.exit()).as(once.toString()).isZero();
        Sluice.Result again = sluice.run("scheduler", Sluice.example("file_trigger.yaml").toString(), "--watch",
                watch.toString(), "--once");
        assertThat(again.exit()).isZero();
        JsonNode runs = JSON.readTree(sluice.run("runs", "list", "--dag", "file_arrival_pipeline", "--json").out());
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0).get("state").asText()).isEqualTo("success");
        assertThat(runs.get(0).get("logicalDate").asText()).isEqualTo("2024-01-05T00:00:00Z");
        JsonNode run = JSON.readTree(sluice.run("runs", "show", runs.get(0).get("runId").asText(), "--json").out());
        assertThat(tasks(run).get("load_file").get("output").asText()).isEqualTo("loaded raw/2024-01-05/data_1.csv");
    }

    @Test
    void badInputGetsAClearMessageAndExitCodeTwo() throws Exception {
        Sluice.Result missing = sluice.run("run", "nope.yaml");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.yaml").doesNotContain("Exception", "\tat ");

        Path malformed = dir.resolve("bad.yaml");
        Files.writeString(malformed, "dag_id: x\ntasks:\n  - {task_id: a, command: [oops\n");
        Sluice.Result m = sluice.run("run", malformed.toString());
        assertThat(m.exit()).isEqualTo(2);
        assertThat(m.err()).containsPattern("bad.yaml:\\d+:\\d+").doesNotContain("\tat ");

        Path invalid = dir.resolve("invalid.yaml");
        Files.writeString(invalid, "dag_id: x\ntasks:\n  - {task_id: a, command: x, upstream: [b]}\n"
                + "  - {task_id: b, command: x, upstream: [a]}\n  - {task_id: c, command: x, upstream: [extarct]}\n"
                + "  - {task_id: extract, command: x, retires: 2}\n");
        Sluice.Result v = sluice.run("run", invalid.toString());
        assertThat(v.exit()).isEqualTo(2);
        assertThat(v.err()).contains("extarct", "did you mean 'extract'", "retires", "did you mean 'retries'");

        Sluice.Result conf = sluice.run("run", Sluice.example("branching.yaml").toString(), "--conf", "[1,2]");
        assertThat(conf.exit()).isEqualTo(2);
        assertThat(conf.err()).contains("--conf must be a JSON object");

        Sluice.Result usage = sluice.run("run");
        assertThat(usage.exit()).isEqualTo(2);
        Sluice.Result unknownRun = sluice.run("runs", "show", "no_such.manual__2024-01-01T00:00:00Z");
        assertThat(unknownRun.exit()).isEqualTo(2);
        assertThat(unknownRun.err()).contains("no run");
    }

    @Test
    void aCorruptDatabaseIsReportedAndNeverOverwritten() throws Exception {
        Path home = dir.resolve("home");
        Files.createDirectories(home);
        Path db = home.resolve("sluice.db");
        Files.writeString(db, "this is not a database, but someone's notes\n".repeat(100));
        byte[] before = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(db));
        Sluice.Result r = sluice.run("run", Sluice.example("branching.yaml").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("sluice.db", "not a Sluice database or is corrupt");
        byte[] after = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(db));
        assertThat(HexFormat.of().formatHex(after)).isEqualTo(HexFormat.of().formatHex(before));
    }

    @Test
    void aMissingHandlerClassOrCommandFailsOnlyThatTask() throws Exception {
        Path dag = dir.resolve("broken.yaml");
        Files.writeString(dag, "dag_id: broken\ntasks:\n"
                + "  - {task_id: ok, command: 'echo fine'}\n"
                + "  - {task_id: no_class, handler: com.example.DoesNotExist}\n"
                + "  - {task_id: no_command, command: 'definitely-not-a-command-xyz'}\n"
                + "  - {task_id: after, upstream: [ok], command: 'echo after'}\n");
        Sluice.Result r = sluice.run("run", dag.toString(), "--json");
        assertThat(r.exit()).isEqualTo(1);
        Map<String, JsonNode> t = tasks(JSON.readTree(r.out()));
        assertThat(t.get("ok").get("state").asText()).isEqualTo("success");
        assertThat(t.get("after").get("state").asText()).isEqualTo("success");
        assertThat(t.get("no_class").get("state").asText()).isEqualTo("failed");
        assertThat(t.get("no_command").get("state").asText()).isEqualTo("failed");
        Sluice.Result grid = sluice.run("runs", "show", JSON.readTree(r.out()).get("runId").asText());
        assertThat(grid.out()).contains("no_class", "failed");
        Sluice.Result log = sluice.run("tasks", "logs", JSON.readTree(r.out()).get("runId").asText(), "no_class");
        assertThat(log.out()).contains("com.example.DoesNotExist", "not found");
        Sluice.Result log2 = sluice.run("tasks", "logs", JSON.readTree(r.out()).get("runId").asText(), "no_command");
        assertThat(log2.out()).contains("not found");
    }

    @Test
    void twoRunsAtOnceShareTheDatabaseSafely() throws Exception {
        Path a = countingDag("first", "none", 0);
        Path b = dir.resolve("second.yaml");
        Files.writeString(b, Files.readString(a).replace("dag_id: first", "dag_id: second")
                .replace(dir.resolve("counts").toString(), dir.resolve("counts2").toString()));
        Files.createDirectories(dir.resolve("counts2"));
        Process p1 = sluice.start(dir.resolve("o3"), dir.resolve("e3"), "run", a.toString());
        Process p2 = sluice.start(dir.resolve("o4"), dir.resolve("e4"), "run", b.toString());
        assertThat(p1.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p2.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p1.exitValue()).as(Files.readString(dir.resolve("e3"))).isZero();
        assertThat(p2.exitValue()).as(Files.readString(dir.resolve("e4"))).isZero();
        JsonNode runs = JSON.readTree(sluice.run("runs", "list", "--json").out());
        assertThat(runs).hasSize(2);
        assertThat(runs).allSatisfy(r -> assertThat(r.get("state").asText()).isEqualTo("success"));
    }

    @Test
    void humanOutputHasProgressLinesAndASummaryGrid() throws Exception {
        Sluice.Result r = sluice.run("run", Sluice.example("branching.yaml").toString(), "--date", "2024-01-06");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).containsPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\s+choose_processing_path\\s+try 1/1\\s+success")
                .contains("task", "state", "tries", "duration")
                .contains("weekday_processing", "skipped")
                .doesNotContain("\u001b["); // no colour when stdout is not a terminal
        assertThat(new String(r.out().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
                .contains("success in");
    }

    @Test
    void anOpenCircuitBreakerDefersTasksUntilAProbeSucceeds() throws Exception {
        Path dag = dir.resolve("breaker.yaml");
        Files.writeString(dag, "dag_id: guarded\nmax_active_tasks: 1\ntasks:\n"
                + "  - {task_id: first, command: 'exit 1', priority_weight: 10,\n"
                + "     circuit_breaker: {name: partner_api, failure_threshold: 1, recovery_timeout: 2s}}\n"
                + "  - {task_id: second, command: 'echo ok',\n"
                + "     circuit_breaker: {name: partner_api, failure_threshold: 1, recovery_timeout: 2s}}\n");
        Sluice.Result r = sluice.run("run", dag.toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("up_for_reschedule", "circuit breaker partner_api is open");
        Map<String, JsonNode> t = tasks(JSON.readTree(sluice.run("runs", "show",
                JSON.readTree(sluice.run("runs", "list", "--json").out()).get(0).get("runId").asText(), "--json")
                .out()));
        assertThat(t.get("second").get("state").asText()).isEqualTo("success");
        assertThat(t.get("second").get("tryNumber").asInt()).isEqualTo(1); // deferral used no try
        JsonNode breakers = JSON.readTree(sluice.run("breakers", "list", "--json").out());
        assertThat(breakers.get(0).get("name").asText()).isEqualTo("partner_api");
        assertThat(breakers.get(0).get("state").asText()).isEqualTo("closed");
        assertThat(sluice.run("breakers", "reset", "partner_api").exit()).isZero();
        Sluice.Result unknown = sluice.run("breakers", "reset", "partner_apj");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("did you mean 'partner_api'");
    }

    @Test
    void schedulerFiresMissedIntervalsWithCatchupAndNothingTwice() throws Exception {
        java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
        Path dag = dir.resolve("cron.yaml");
        Files.writeString(dag, "dag_id: nightly\nschedule: '@daily'\nstart_date: " + today.minusDays(3)
                + "\ncatchup: true\nmax_active_runs: 5\ntasks:\n  - {task_id: t, command: 'echo {{ ds }}'}\n");
        Sluice.Result once = sluice.run("scheduler", dag.toString(), "--once");
        assertThat(once.exit()).as(once.toString()).isZero();
        JsonNode runs = JSON.readTree(sluice.run("runs", "list", "--dag", "nightly", "--json").out());
        // Intervals [d-3, d-2), [d-2, d-1), [d-1, d) are complete; today's is not.
        assertThat(runs).hasSize(3);
        assertThat(runs).allSatisfy(r -> assertThat(r.get("state").asText()).isEqualTo("success"));
        assertThat(runs.get(0).get("runId").asText())
                .isEqualTo("nightly.scheduled__" + today.minusDays(1) + "T00:00:00Z");
        assertThat(sluice.run("scheduler", dag.toString(), "--once").exit()).isZero();
        assertThat(JSON.readTree(sluice.run("runs", "list", "--dag", "nightly", "--json").out())).hasSize(3);
    }

    @Test
    void expandFromATemplateMapsOverTheParamsOrTheConfAndANonListFailsTheTask() throws Exception {
        Path dag = dir.resolve("tables.yaml");
        Files.writeString(dag, "dag_id: tables\nparams: {tables: [orders, customers]}\ntasks:\n"
                + "  - {task_id: per_table, expand: \"{{ params.tables }}\", command: 'echo table-{{ item }}'}\n");
        assertThat(sluice.run("validate", dag.toString()).exit()).isZero();

        JsonNode run = runJson("run", dag.toString(), "--json");
        assertThat(run.get("state").asText()).isEqualTo("success");
        Map<String, JsonNode> t = tasks(run);
        assertThat(t).containsKeys("per_table[0]", "per_table[1]").doesNotContainKey("per_table[2]");
        String runId = run.get("runId").asText();
        assertThat(sluice.run("tasks", "logs", runId, "per_table", "--map-index", "1").out()).contains("table-customers");

        JsonNode fromConf = runJson("run", dag.toString(), "--conf", "{\"tables\": [\"a\", \"b\", \"c\"]}", "--json");
        assertThat(tasks(fromConf)).containsKey("per_table[2]");

        Sluice.Result bad = sluice.run("run", dag.toString(), "--conf", "{\"tables\": \"orders\"}", "--json");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.out() + bad.err()).contains("must render to a list (a JSON array), got 'orders'");
    }

    @Test
    void aMisspelledTemplateNameFailsValidateAtItsColumn() throws Exception {
        Path dag = dir.resolve("typo.yaml");
        Files.writeString(dag, "dag_id: typo\ntasks:\n  - {task_id: t, command: \"echo {{ ds_nodsh }}\"}\n");
        Sluice.Result r = sluice.run("validate", dag.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.out() + r.err()).contains(dag + ":3:36: error: command: undefined name 'ds_nodsh' "
                + "(did you mean 'ds_nodash'?)");
    }

    @Test
    void everyIdThatValidatesCanRunAndTasksNeverShareALogFile() throws Exception {
        String dagId = "d".repeat(250);
        Path dag = dir.resolve("long.yaml");
        Files.writeString(dag, "dag_id: " + dagId + "\ntasks:\n"
                + "  - {task_id: a, expand: [x, y], command: 'echo mapped-{{ item }}'}\n"
                + "  - {task_id: a.0, command: 'echo plain'}\n");
        assertThat(sluice.run("validate", dag.toString()).exit()).isZero();

        Sluice.Result r = sluice.run("run", dag.toString(), "--json");

        assertThat(r.exit()).as(r.toString()).isZero();
        String runId = JSON.readTree(r.out()).get("runId").asText();
        Sluice.Result mapped = sluice.run("tasks", "logs", runId, "a", "--map-index", "0");
        Sluice.Result plain = sluice.run("tasks", "logs", runId, "a.0");
        assertThat(mapped.out()).contains("mapped-x").doesNotContain("plain");
        assertThat(plain.out()).contains("plain").doesNotContain("mapped-");
    }

    @Test
    void manualRunsStartedInTheSameSecondAreSeparateRuns() throws Exception {
        Path dag = dir.resolve("quick.yaml");
        Files.writeString(dag, "dag_id: quick\ntasks:\n  - {task_id: t, command: 'echo ok'}\n");
        List<Process> started = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            started.add(sluice.start(dir.resolve("q" + i + ".out"), dir.resolve("q" + i + ".err"), "run",
                    dag.toString()));
        }
        for (int i = 0; i < 4; i++) {
            assertThat(started.get(i).waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(started.get(i).exitValue()).as(Files.readString(dir.resolve("q" + i + ".err"))).isZero();
        }

        JsonNode runs = JSON.readTree(sluice.run("runs", "list", "--dag", "quick", "--json").out());
        assertThat(runs).hasSize(4);
        assertThat(runs).allSatisfy(x -> assertThat(x.get("runId").asText()).matches(
                "quick\\.manual__\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{6})?Z"));
    }

    @Test
    void terminalEscapesFromATaskAreShownNotObeyed() throws Exception {
        Path dag = dir.resolve("ansi.yaml");
        Files.writeString(dag, "dag_id: ansi\ntasks:\n  - {task_id: t, command: \"printf '\\\\033[2J\\\\033[Hgone\\\\n' >&2;"
                + " exit 3\"}\n");

        Sluice.Result r = sluice.run("run", dag.toString());

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).doesNotContain("\u001b").contains("\\x1b[2J", "gone");
        String runId = JSON.readTree(sluice.run("runs", "list", "--json").out()).get(0).get("runId").asText();
        Sluice.Result show = sluice.run("runs", "show", runId);
        assertThat(show.out()).doesNotContain("\u001b").contains("\\x1b[2J");
    }

    @Test
    void aBadSluiceHomeGetsOneClearSentence() throws Exception {
        Path file = Files.writeString(dir.resolve("home-file"), "x");
        Sluice.Result r = new Sluice(file, dir).run("runs", "list");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).contains("is a file, not a folder").doesNotContain("Exception").hasLineCount(1);
    }
}
