package dev.sluice.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cli.local.Workspace;
import dev.sluice.cli.store.SqliteStateStore;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.RunType;
import dev.sluice.kernel.DecisionLoop;
import dev.sluice.model.Dag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tasks test} against a real stored run (and nothing recorded afterwards), and {@code db clean} (its dry run
 * lists exactly what it then removes; a running run and its files are kept), through the real CLI.
 */
class EverydayCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RUN1 = "it_cmds.manual__2024-01-01T00:00:00Z";
    private static final String RUN2 = "it_cmds.manual__2024-01-02T00:00:00Z";
    private static final String RUNNING = "it_cmds.manual__2024-01-03T00:00:00Z";

    @TempDir
    Path dir;

    private Path home;
    private Sluice sluice;
    private Path dag;

    @BeforeEach
    void setUp() throws Exception {
        home = dir.resolve("home");
        sluice = new Sluice(home, dir);
        dag = dir.resolve("it_cmds.yaml");
        Files.writeString(dag, """
                dag_id: it_cmds
                tasks:
                  - task_id: produce
                    command: |-
                      echo '{"rows": 41}'
                  - task_id: consume
                    upstream: [produce]
                    command: echo got {{ outputs.produce.rows }} rows
                """);
    }

    private Sluice.Result ok(String... args) throws Exception {
        Sluice.Result r = sluice.run(args);
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    private List<Path> files(Path root) throws Exception {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.sorted().toList();
        }
    }

    @Test
    void tasksTestReadsTheUpstreamOutputOfAStoredRunAndRecordsNothing() throws Exception {
        ok("run", dag.toString(), "--date", "2024-01-01");
        String runsBefore = ok("runs", "list", "--json").out();
        String runBefore = ok("runs", "show", RUN1, "--json").out();
        List<Path> filesBefore = files(home);

        Sluice.Result r = ok("tasks", "test", "it_cmds", "consume", "--path", dir.toString(), "--upstream-from", RUN1);

        assertThat(r.out()).contains("got 41 rows").contains("result: success, output \"got 41 rows\"");
        assertThat(r.err()).contains("testing consume of it_cmds (run " + RUN1);
        assertThat(ok("runs", "list", "--json").out()).isEqualTo(runsBefore);
        assertThat(ok("runs", "show", RUN1, "--json").out()).isEqualTo(runBefore);
        assertThat(files(home)).isEqualTo(filesBefore);

        Sluice.Result render = ok("tasks", "render", "it_cmds", "consume", "--path", dir.toString(),
                "--upstream-from", RUN1);
        assertThat(render.out()).contains("  SLUICE_V_1=\"41\"").contains("upstream outputs:\n  produce: {\"rows\":41}")
                .contains("SLUICE_RUN_ID=\"" + RUN1 + "\"");
        assertThat(ok("runs", "list", "--json").out()).isEqualTo(runsBefore);

        Sluice.Result unknown = sluice.run("tasks", "test", "it_cmds", "consume", "--path", dir.toString(),
                "--upstream-from", "it_cmds.manual__1999-01-01T00:00:00Z");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err().lines().toList()).singleElement().asString()
                .startsWith("error: no run it_cmds.manual__1999-01-01T00:00:00Z in ");
    }

    /** A run of the DAG that was created and never finished: running, with an old logical date. */
    private void createRunningRun() {
        Dag d = Workspace.loadDag(dag);
        Instant at = Instant.parse("2024-01-03T00:00:00Z");
        try (SqliteStateStore store = SqliteStateStore.open(home.resolve("sluice.db"))) {
            DecisionLoop.builder(store).clock(() -> at).random(new Random(1)).sleeper(x -> { }).build()
                    .run(new Engine(d), RUNNING, new Event.RunRequested(RUNNING, RunType.MANUAL, at, at, at, null,
                            null));
            assertThat(store.run(RUNNING).orElseThrow().state().isTerminal()).isFalse();
        }
    }

    private static List<String> runIds(String runsListJson) throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode r : JSON.readTree(runsListJson)) {
            ids.add(r.get("runId").asText());
        }
        return ids;
    }

    /** The run ids in the first column of {@code db clean}'s table. */
    private static List<String> listed(String out) {
        return out.lines().skip(1).takeWhile(l -> l.startsWith("it_cmds.")).map(l -> l.split("\\s+")[0]).toList();
    }

    @Test
    void dbCleanRemovesExactlyWhatItsDryRunListsAndNeverARunningRun() throws Exception {
        ok("run", dag.toString(), "--date", "2024-01-01");
        ok("run", dag.toString(), "--date", "2024-01-02");
        createRunningRun();
        Path logs1 = home.resolve("logs/it_cmds/it_cmds.manual__2024-01-01T00_00_00Z");
        Path logs2 = home.resolve("logs/it_cmds/it_cmds.manual__2024-01-02T00_00_00Z");
        assertThat(logs1).isDirectory();
        assertThat(logs2).isDirectory();
        String runningBefore = ok("runs", "show", RUNNING, "--json").out();

        Sluice.Result dry = ok("db", "clean", "--older-than", "0s", "--dry-run");
        assertThat(listed(dry.out())).containsExactly(RUN1, RUN2);
        assertThat(dry.out()).contains("would remove 2 runs, 4 task instances, 2 log folders");
        assertThat(runIds(ok("runs", "list", "--json").out())).containsExactlyInAnyOrder(RUN1, RUN2, RUNNING);
        assertThat(logs1).isDirectory();

        Sluice.Result refused = sluice.run("db", "clean", "--older-than", "0s");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).startsWith("error: not on a terminal: add --yes to remove 2 runs");
        assertThat(runIds(ok("runs", "list", "--json").out())).hasSize(3);

        Sluice.Result clean = ok("db", "clean", "--older-than", "0s", "--yes");
        assertThat(listed(clean.out())).isEqualTo(listed(dry.out()));
        assertThat(clean.out()).contains("removed 2 runs, 4 task instances, 2 log folders");

        assertThat(runIds(ok("runs", "list", "--json").out())).containsExactly(RUNNING);
        assertThat(ok("runs", "show", RUNNING, "--json").out()).isEqualTo(runningBefore);
        assertThat(logs1).doesNotExist();
        assertThat(logs2).doesNotExist();
        assertThat(sluice.run("tasks", "logs", RUN1, "produce").exit()).isEqualTo(2);

        assertThat(ok("db", "clean", "--older-than", "0s", "--dry-run").out())
                .startsWith("no run ended before ").contains("nothing to remove");
        Sluice.Result bad = sluice.run("db", "clean", "--older-than", "soon");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err().lines().toList()).singleElement().asString().startsWith("error: --older-than: ");
        Sluice.Result stack = sluice.run("db", "clean", "--older-than", "30d", "--stack", "prod");
        assertThat(stack.exit()).isEqualTo(2);
        assertThat(stack.err()).isEqualTo("error: db clean works on the local database only; a deployment's runs"
                + " expire by DynamoDB TTL PayloadRetentionDays + 1 days after their last write (stack parameter,"
                + " default 400), see docs/deploy.md, section Retention\n");
    }
}
