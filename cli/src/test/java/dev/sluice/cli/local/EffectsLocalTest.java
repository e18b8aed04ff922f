package dev.sluice.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.cli.exec.LocalTaskExecutor;
import dev.sluice.engine.Effect;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.model.Dag;
import dev.sluice.spec.DagLoader;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.store.StateStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Callbacks and alerts in the local runtime: real shell commands, a real SQLite store, a loopback webhook. */
class EffectsLocalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<String> printed = new CopyOnWriteArrayList<>();

    private Dag dag(String yaml) {
        DagLoader.LoadResult r = DagLoader.loadString(yaml.replace("DIR", dir.toString()), "t.yaml");
        assertThat(r.errors()).isEmpty();
        return r.dag();
    }

    private StateStore store() {
        return Workspace.at(dir.resolve("home")).openStore();
    }

    private LocalRunner runner(StateStore store, Dag dag, Duration callbackTimeout) {
        Path home = dir.resolve("home");
        return new LocalRunner(store, dag, new LocalTaskExecutor(List.of()),
                new LocalRunner.Options(2, true, home.resolve("logs"), home.resolve("alerts.jsonl"), callbackTimeout),
                new LocalRunner.Listener() {
                    @Override
                    public void taskChanged(TaskInstance before, TaskInstance after, Instant at) {
                    }

                    @Override
                    public void alerted(String message) {
                        printed.add(message);
                    }
                });
    }

    private String run(StateStore store, Dag dag, Duration callbackTimeout) {
        String runId = dag.dagId() + ".manual__1";
        Instant now = Instant.now();
        runner(store, dag, callbackTimeout).execute(runId, new Event.RunRequested(runId, RunType.MANUAL, now, now,
                now, null, "v1"));
        return runId;
    }

    private List<String> lines(String file) throws IOException {
        Path p = dir.resolve(file);
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    private static Map<String, TaskState> states(StateStore store, String runId) {
        return store.instances(runId).stream().collect(Collectors.toMap(TaskInstance::taskId, TaskInstance::state));
    }

    private static final String CB = "'echo \"$SLUICE_EVENT {{ task_id }} $SLUICE_TRY_NUMBER/$SLUICE_MAX_TRIES "
            + "$SLUICE_OWNER {{ dag_id }}\" >> DIR/cb.txt'";

    @Test
    void eachCallbackKindRunsOnceWithItsContext() throws IOException {
        Dag dag = dag("""
                dag_id: cbs
                default_args: {owner: ana, on_execute: CB, on_retry: CB, on_success: CB, on_failure: CB}
                on_success: CB
                on_failure: CB
                tasks:
                  - task_id: flaky
                    command: 'test -f DIR/marker || { touch DIR/marker; echo first >&2; exit 3; }'
                    retries: 1
                    retry_delay: 1
                  - {task_id: after, command: 'true', upstream: [flaky]}
                """.replace("CB", CB));
        try (StateStore store = store()) {
            String runId = run(store, dag, Duration.ofSeconds(20));
            assertThat(store.run(runId).orElseThrow().state()).isEqualTo(RunState.SUCCESS);
            assertThat(lines("cb.txt")).containsExactlyInAnyOrder(
                    "execute flaky 1/2 ana cbs", "retry flaky 1/2 ana cbs", "execute flaky 2/2 ana cbs",
                    "success flaky 2/2 ana cbs", "execute after 1/1 ana cbs", "success after 1/1 ana cbs",
                    "run_succeeded  0/0 ana cbs");
            assertThat(store.effects(runId)).hasSize(7).allMatch(e -> e.state() == Effect.State.DONE);
            // Resuming the finished run runs nothing again.
            runner(store, dag, Duration.ofSeconds(20)).execute(runId);
            assertThat(lines("cb.txt")).hasSize(7);
        }
    }

    @Test
    void theErrorAndTheLogReachAFailureCallbackAsDataNotShellText() throws IOException {
        Dag dag = dag("""
                dag_id: errs
                tasks:
                  - task_id: bad
                    command: 'echo "x; touch DIR/pwned" >&2; exit 4'
                    on_failure: 'printf "%s|%s\\n" "{{ error }}" "$SLUICE_LOG" >> DIR/err.txt'
                """);
        try (StateStore store = store()) {
            run(store, dag, Duration.ofSeconds(20));
            assertThat(lines("err.txt")).singleElement().satisfies(l -> {
                assertThat(l).startsWith("exit code 4: x; touch ").contains("pwned|");
                assertThat(l).endsWith("/bad/1.log");
            });
            assertThat(dir.resolve("pwned")).doesNotExist();
        }
    }

    @Test
    void aFailingOrHangingCallbackIsLoggedAndChangesNoState() {
        Dag dag = dag("""
                dag_id: badcb
                tasks:
                  - {task_id: ok, command: 'true', on_success: 'exit 5'}
                  - {task_id: broken, command: 'exit 2', on_failure: 'sleep 60'}
                  - {task_id: h, command: 'true', on_success: 'handler:com.example.Missing'}
                """);
        try (StateStore store = store()) {
            String runId = run(store, dag, Duration.ofSeconds(1));
            assertThat(states(store, runId)).containsEntry("ok", TaskState.SUCCESS)
                    .containsEntry("broken", TaskState.FAILED).containsEntry("h", TaskState.SUCCESS);
            assertThat(store.run(runId).orElseThrow().state()).isEqualTo(RunState.FAILED);
            Map<String, Effect> byTask = store.effects(runId).stream()
                    .collect(Collectors.toMap(e -> e.task().taskId(), e -> e));
            assertThat(byTask.values()).allMatch(e -> e.state() == Effect.State.FAILED);
            assertThat(byTask.get("ok").detail()).contains("exit code 5");
            assertThat(byTask.get("broken").detail()).contains("timed out after PT1S");
            assertThat(byTask.get("h").detail()).contains("com.example.Missing not found");
            assertThat(printed).anyMatch(m -> m.contains("timed out") && m.contains("state is unchanged"));
        }
    }

    @Test
    void alertsGoToALoopbackWebhookAndADownOneIsLoggedWithoutHarm() throws IOException {
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        int down;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            down = s.getLocalPort();
        }
        try (StateStore store = store()) {
            Dag dag = dag("""
                    dag_id: hooks
                    tags: [severity:critical]
                    alerts:
                      - when: [failed]
                        to: ["webhook:http://127.0.0.1:%d/hook", "webhook:http://127.0.0.1:%d/hook"]
                    tasks:
                      - {task_id: bad, command: 'exit 9'}
                      - {task_id: fine, command: 'true'}
                    """.formatted(server.getAddress().getPort(), down));
            String runId = run(store, dag, Duration.ofSeconds(5));
            assertThat(states(store, runId)).containsEntry("bad", TaskState.FAILED)
                    .containsEntry("fine", TaskState.SUCCESS);
            assertThat(bodies).singleElement().satisfies(b -> {
                JsonNode n = JSON.readTree(b);
                assertThat(n.get("text").asText()).startsWith("[critical] hooks.bad failed (try 1/1): exit code 9");
                assertThat(n.get("severity").asText()).isEqualTo("critical");
                assertThat(n.get("run_id").asText()).isEqualTo(runId);
            });
            Effect e = store.effects(runId).get(0);
            assertThat(e.state()).isEqualTo(Effect.State.FAILED);
            assertThat(e.detail()).contains(":" + down + "/hook failed after 3 attempts");
            List<String> alerts = Files.readAllLines(dir.resolve("home/alerts.jsonl"));
            assertThat(alerts).singleElement().satisfies(l -> assertThat(JSON.readTree(l).get("event").asText())
                    .isEqualTo("failure"));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aLateTaskMissesItsSlaOnceAndAPunctualOneNever() throws IOException {
        Dag dag = dag("""
                dag_id: slas
                tasks:
                  - {task_id: late, command: 'sleep 2', sla: 1s, on_sla_miss: 'echo "miss {{ task_id }}" >> DIR/sla.txt'}
                  - {task_id: punctual, command: 'true', sla: 1h, on_sla_miss: 'echo "miss {{ task_id }}" >> DIR/sla.txt'}
                """);
        try (StateStore store = store()) {
            String runId = run(store, dag, Duration.ofSeconds(20));
            assertThat(lines("sla.txt")).containsExactly("miss late");
            assertThat(store.effects(runId)).extracting(Effect::key).containsExactly(runId + "|late|-1|0|sla_miss");
            assertThat(printed).anyMatch(m -> m.contains("slas.late missed its SLA"));
        }
    }

    @Test
    void effectsLeftPendingByACrashRunOnceOnResume() throws IOException {
        Dag dag = dag("""
                dag_id: crash
                tasks:
                  - {task_id: a, command: 'true', on_failure: 'echo "failed {{ task_id }}" >> DIR/crash.txt'}
                """);
        String runId = "crash.manual__1";
        try (StateStore store = store()) {
            // A process decided and committed the failure, then died before running its callback.
            Engine engine = new Engine(dag);
            Random random = new Random(1);
            Instant now = Instant.now();
            for (Event ev : List.of(new Event.RunRequested(runId, RunType.MANUAL, now, now, now, null, "v1"),
                    new Event.TaskStarted(TaskKey.of("a"), 1), new Event.TaskFailed(TaskKey.of("a"), 1, "boom", false))) {
                store.apply(engine.decide(store.view(dag, runId), ev, now, random));
            }
            assertThat(store.effects(runId)).singleElement().satisfies(e ->
                    assertThat(e.state()).isEqualTo(Effect.State.PENDING));
            runner(store, dag, Duration.ofSeconds(20)).execute(runId);
            runner(store, dag, Duration.ofSeconds(20)).execute(runId);
            assertThat(lines("crash.txt")).containsExactly("failed a");
            assertThat(store.effects(runId).get(0).state()).isEqualTo(Effect.State.DONE);
        }
    }
}
