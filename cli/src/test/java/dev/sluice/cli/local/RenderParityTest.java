package dev.sluice.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.exec.Attempt;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineOptions;
import dev.sluice.engine.Event;
import dev.sluice.engine.Json;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskKey;
import dev.sluice.functions.InvocationBuilder;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.infra.PayloadStore;
import dev.sluice.model.Dag;
import dev.sluice.spec.DagLoader;
import dev.sluice.store.InMemoryStateStore;
import dev.sluice.template.TemplateRenderer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DAG renders the same locally and on AWS: the same try of the same command task, rendered by the local runner's
 * AttemptFactory and by the coordinator's InvocationBuilder, gives the same script and the same values, also when an
 * upstream output was offloaded on AWS (stored as a {@code {"$ref":"s3://..."}} reference) and kept inline locally.
 */
class RenderParityTest {
    private static final String DAG = """
            dag_id: parity
            timezone: Europe/Berlin
            params: {who: ops}
            tasks:
              - task_id: extract
                command: echo 1
              - task_id: big
                command: echo 2
              - task_id: load
                upstream: [extract, big]
                command: >-
                  echo {{ ds }} {{ params.who }} {{ outputs.extract.rows }} {{ outputs.big.names | length }}
                  {{ outputs.big.names[0] }} {{ conf.day }}
            """;
    private static final Instant NOW = Instant.parse("2024-03-04T23:30:00Z");
    private static final String EXTRACT = "{\"rows\":3}";
    private static final String BIG;
    private static final String BIG_URI = "s3://bucket/payloads/parity/big/1.json";

    static {
        StringBuilder names = new StringBuilder("{\"names\":[\"first it's quoted\"");
        for (int i = 0; i < 8000; i++) {
            names.append(",\"table_").append(i).append('"');
        }
        BIG = names.append("]}").toString();
    }

    @TempDir
    Path logs;

    private final Dag dag = DagLoader.loadString(DAG, "parity.yaml").dag();

    /** Runs the DAG's upstream tasks in {@code store}, recording {@code bigOutput} for big; returns load's try. */
    private Dispatch runUpTo(InMemoryStateStore store, String bigOutput) {
        Engine engine = new Engine(dag, EngineOptions.builder().maxDispatchesPerDecision(25).build());
        Random random = new Random(7);
        store.apply(engine.decide(store.view(dag, "manual__p"), new Event.RunRequested("manual__p", RunType.MANUAL,
                NOW, NOW, NOW, "{\"day\":\"monday\"}", "v1"), NOW, random));
        Decision last = null;
        for (Map.Entry<String, String> done : Map.of("extract", EXTRACT, "big", bigOutput).entrySet()) {
            TaskKey k = TaskKey.of(done.getKey());
            store.apply(engine.decide(store.view(dag, "manual__p"), new Event.TaskStarted(k, 1), NOW, random));
            Decision d = engine.decide(store.view(dag, "manual__p"), new Event.TaskSucceeded(k, 1, done.getValue()),
                    NOW, random);
            store.apply(d);
            if (!d.dispatches().isEmpty()) {
                last = d;
            }
        }
        assertThat(last).as("load is dispatched once both upstream tasks succeeded").isNotNull();
        List<Dispatch> load = last.dispatches().stream().filter(x -> x.task().taskId().equals("load")).toList();
        assertThat(load).hasSize(1);
        return load.get(0);
    }

    @Test
    void aCommandRendersTheSameLocallyAndOnAwsWithAnOffloadedOutput() {
        InMemoryStateStore local = new InMemoryStateStore();
        Dispatch localTry = runUpTo(local, BIG);
        DagRun localRun = local.run("manual__p").orElseThrow();
        Attempt attempt = new AttemptFactory(dag, local, logs, new TemplateRenderer()).build(localRun, localTry);
        String localCommand = attempt.command();
        Map<String, String> localValues = new HashMap<>(attempt.env());
        localValues.keySet().removeIf(name -> !name.startsWith("SLUICE_V_"));

        InMemoryStateStore cloud = new InMemoryStateStore();
        Dispatch cloudTry = runUpTo(cloud, PayloadStore.reference(BIG_URI));
        DagRun cloudRun = cloud.run("manual__p").orElseThrow();
        Map<String, String> s3 = new HashMap<>(Map.of(BIG_URI, BIG));
        InvocationBuilder builder = new InvocationBuilder(new TemplateRenderer(), null, json -> {
            String uri = PayloadStore.referenceUri(json);
            return uri == null ? json : s3.get(uri);
        });
        TaskInvocation inv = builder.build(dag, "v1", cloudRun, cloudTry,
                cloud.view(dag, "manual__p")::instance, NOW);

        assertThat(inv.target()).isEqualTo(localCommand);
        assertThat(inv.commandValues()).isEqualTo(localValues);
        // the values travel beside the script, never in it
        assertThat(String.join(" ", localValues.values()))
                .contains("2024-03-05", "ops", "3", "8001", "monday").contains("quoted");
        // the invocation itself stays small: the offloaded output travels as its reference
        assertThat(Json.toJava(inv.upstreamOutputsJson()))
                .isEqualTo(Map.of("extract", Map.of("rows", 3), "big", Map.of("$ref", BIG_URI)));
    }

    @Test
    void theCoordinatorNeverReadsASecretAndSaysSo() {
        Dag secretDag = DagLoader.loadString("""
                dag_id: parity
                tasks:
                  - {task_id: extract, command: echo 1}
                  - {task_id: big, command: echo 2}
                  - {task_id: load, upstream: [extract, big], command: 'echo {{ conn.api.password }}'}
                """, "parity.yaml").dag();
        InMemoryStateStore cloud = new InMemoryStateStore();
        Dispatch cloudTry = runUpTo(cloud, BIG);
        DagRun cloudRun = cloud.run("manual__p").orElseThrow();
        InvocationBuilder builder = new InvocationBuilder(new TemplateRenderer(), null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder.build(secretDag, "v1", cloudRun, cloudTry,
                        cloud.view(dag, "manual__p")::instance, NOW))
                .isInstanceOf(dev.sluice.template.TemplateException.class)
                .hasMessageContaining("variables and connections (var, conn) are not available on AWS yet");
    }
}
