package dev.sluice.functions.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Json;
import dev.sluice.engine.TaskInstance;
import dev.sluice.functions.devhost.DevHost;
import dev.sluice.functions.dispatch.Dispatcher;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.support.Fixtures;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.schedule.RunIds;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * End to end through {@code sluice dev}'s machinery against the endpoint AwsEndpointExtension resolves (moto here):
 * DynamoDB store, SQS coordinator queue polled as the Lambda event source, S3 DAG folder, task functions invoked
 * in-process with the invocation JSON.
 */
class DevEndToEndIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    record Dispatched(Instant at, TaskInvocation invocation) {
    }

    static final List<Dispatched> DISPATCHED = Collections.synchronizedList(new ArrayList<>());
    static DevStack stack;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        DevHost.Options o = DevStack.options().withDispatcher(inner -> (Dispatcher) (fn, json) -> {
            DISPATCHED.add(new Dispatched(Instant.now(), TaskInvocation.parse(json)));
            inner.invoke(fn, json);
        });
        stack = new DevStack(AWS, o);
        stack.host.start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    static String trigger(String dagId, String runId, String confJson) {
        return "{\"type\":\"trigger\",\"dagId\":\"" + dagId + "\",\"runId\":\"" + runId + "\""
                + (confJson == null ? "" : ",\"conf\":" + confJson) + "}";
    }

    @Test
    void theWarehouseExampleRunsToSuccess() throws Exception {
        Path file = Path.of("../examples/warehouse.yaml");
        assertThat(file).as("the warehouse example DAG").exists();
        String text = Files.readString(file).replace("simulate_ms: 20", "simulate_ms: 1, work_dir: \""
                + tmp.resolve("warehouse") + "\"");
        stack.putDag("warehouse.yaml", text);
        String runId = "data_warehouse_pipeline.manual__e2e";

        stack.sendMessage(trigger("data_warehouse_pipeline", runId, null));

        DagRun run = stack.awaitFinished(runId, Duration.ofSeconds(90));
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(stack.store().instances(runId)).allSatisfy(t -> assertThat(t.state()).isEqualTo(TaskState.SUCCESS));
        assertThat(stack.instance(runId, "extract_sources.extract_external_apis").tryNumber()).isEqualTo(2);
        assertThat(stack.instance(runId, "load_to_staging").outputJson()).contains("\"rows\"");
    }

    @Test
    void theDynamicTablesExampleReadsItsForeachFileFromTheBucketAndItsVersionPinsIt() throws Exception {
        Path file = Path.of("../examples/dynamic_tables.yaml");
        Path tables = Path.of("../examples/config/tables.yaml");
        stack.putDag("dynamic_tables.yaml", Files.readString(file)); // what 'sluice dev --dags examples' uploads
        stack.putDag("config/tables.yaml", Files.readString(tables));
        String runId = "dynamic_table_pipeline.manual__e2e";

        stack.sendMessage(trigger("dynamic_table_pipeline", runId, null));

        DagRun run = stack.awaitFinished(runId, Duration.ofSeconds(90));
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(stack.store().instances(runId)).extracting(TaskInstance::taskId).contains("extract_orders",
                "transform_customers", "load_products", "report").hasSize(11);
        assertThat(stack.instance(runId, "report").outputJson()).isEqualTo("\"120 40 15\"");
        // the run's version holds the table list it was built from, whatever the bucket holds later
        stack.putDag("config/tables.yaml", Files.readString(tables) + "- {name: extra, rows: 1}\n");
        var record = dev.sluice.spec.DagVersionRecord.parse(
                stack.store().dagVersion("dynamic_table_pipeline", run.dagVersion()).orElseThrow());
        assertThat(record.files()).containsEntry("config/tables.yaml", Files.readString(tables));
        assertThat(record.load(dev.sluice.spec.SpecFiles.none()).dag().taskIds()).hasSize(11);
    }

    @Test
    void aTaskThatFailsTwiceThenSucceedsEndsWithTryThreeAfterItsPolicysDelays() throws Exception {
        Path counter = tmp.resolve("flaky-count");
        stack.putDag("flaky.yaml", """
                dag_id: flaky
                tasks:
                  - task_id: flaky
                    retries: 3
                    retry_delay: 2s
                    command: 'n=$(cat %s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s; echo try $n; [ $n -ge 3 ]'
                """.formatted(counter, counter));
        String runId = "flaky.manual__e2e";

        stack.sendMessage(trigger("flaky", runId, null));

        DagRun run = stack.awaitFinished(runId, Duration.ofSeconds(60));
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(stack.instance(runId, "flaky").tryNumber()).isEqualTo(3);
        List<Dispatched> tries = dispatchesOf(runId, "flaky");
        assertThat(tries).extracting(d -> d.invocation().task().tryNumber()).containsExactly(1, 2, 3);
        assertThat(tries).allSatisfy(d -> assertThat(d.invocation().maxTries()).isEqualTo(4));
        assertThat(tries.get(0).invocation().nextRetryDelaySeconds()).isEqualTo(2L);
        assertThat(Json.read(tries.get(0).invocation().retryJson()).get("retryDelay").asText()).isEqualTo("PT2S");
        for (int i = 1; i < tries.size(); i++) {
            Duration gap = Duration.between(tries.get(i - 1).at(), tries.get(i).at());
            assertThat(gap).as("time between try %d and %d", i, i + 1)
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(2)).isLessThan(Duration.ofSeconds(60)); // no tick: only the delayed timer message can start the next try
        }
    }

    @Test
    void aTaskThatAlwaysFailsEndsFailedAfterMaxTriesWithTheRightDownstreamStates() throws Exception {
        stack.putDag("doomed.yaml", """
                dag_id: doomed
                tasks:
                  - {task_id: broken, command: "echo nope >&2; exit 3", retries: 1, retry_delay: 1s}
                  - {task_id: after, upstream: [broken], command: "echo never"}
                  - {task_id: cleanup, upstream: [broken], trigger_rule: one_failed, command: "echo cleaning"}
                """);
        String runId = "doomed.manual__e2e";

        stack.sendMessage(trigger("doomed", runId, null));

        DagRun run = stack.awaitFinished(runId, Duration.ofSeconds(60));
        assertThat(run.state()).isEqualTo(RunState.FAILED); // a leaf (after) ended upstream_failed
        var broken = stack.instance(runId, "broken");
        assertThat(broken.state()).isEqualTo(TaskState.FAILED);
        assertThat(broken.tryNumber()).isEqualTo(2);
        assertThat(broken.error()).contains("exited with 3");
        assertThat(stack.instance(runId, "after").state()).isEqualTo(TaskState.UPSTREAM_FAILED);
        assertThat(stack.instance(runId, "cleanup").state()).isEqualTo(TaskState.SUCCESS);
        assertThat(dispatchesOf(runId, "after")).isEmpty();
        assertThat(dispatchesOf(runId, "broken")).hasSize(2);
    }

    @Test
    void aFilePutIntoTheBucketTriggersExactlyOneRunEvenWhenTheEventComesTwice() throws Exception {
        stack.putDag("arrivals.yaml", """
                dag_id: arrivals
                trigger:
                  s3: {bucket: %s, key: "incoming/{{ ds }}/*.csv"}
                tasks:
                  - {task_id: ingest, command: "echo ingesting {{ conf.key }} for {{ ds }}"}
                """.formatted(stack.bucket));
        String key = "incoming/2024-05-01/orders 1.csv";
        var put = stack.clients.s3().putObject(b -> b.bucket(stack.bucket).key(key), RequestBody.fromString("a,b\n"));
        ObjectNode event = Fixtures.tree("s3-object-created-eventbridge.json");
        ObjectNode detail = (ObjectNode) event.get("detail");
        ((ObjectNode) detail.get("bucket")).put("name", stack.bucket);
        ObjectNode object = (ObjectNode) detail.get("object");
        object.put("key", "incoming/2024-05-01/orders+1.csv"); // S3 URL-encodes keys in events
        object.put("etag", put.eTag().replace("\"", ""));
        object.put("sequencer", "0065F2A1B2C3D4E5F6");

        stack.host.invoke(event.toString());
        stack.host.invoke(event.toString());

        String runId = RunIds.s3("arrivals", stack.bucket, key, "0065F2A1B2C3D4E5F6");
        DagRun run = stack.awaitFinished(runId, Duration.ofSeconds(60));
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(run.logicalDate()).isEqualTo(Instant.parse("2024-05-01T00:00:00Z"));
        assertThat(stack.store().runs("arrivals", 10)).hasSize(1);
        assertThat(dispatchesOf(runId, "ingest")).hasSize(1);
        assertThat(stack.instance(runId, "ingest").outputJson())
                .isEqualTo("\"ingesting incoming/2024-05-01/orders 1.csv for 2024-05-01\"");
    }

    @Test
    void anExternalSqsTriggerStartsARunWithItsConf() throws Exception {
        stack.putDag("hello.yaml", """
                dag_id: hello
                params: {greeting: hi}
                tasks:
                  - {task_id: greet, command: "echo {{ params.greeting }} {{ conf.who }}"}
                """);
        stack.sendMessage("{\"type\":\"trigger\",\"dagId\":\"hello\",\"conf\":{\"who\":\"ops\",\"greeting\":\"hello\"}}");

        DagRun run = awaitAnyRun("hello", Duration.ofSeconds(60));
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(run.runId()).startsWith("hello.manual__");
        assertThat(Json.toJava(run.confJson())).isEqualTo(Map.of("who", "ops", "greeting", "hello"));
        assertThat(stack.instance(run.runId(), "greet").outputJson()).isEqualTo("\"hello ops\"");
    }

    private DagRun awaitAnyRun(String dagId, Duration timeout) throws InterruptedException {
        Instant until = Instant.now().plus(timeout);
        while (Instant.now().isBefore(until)) {
            List<DagRun> runs = stack.store().runs(dagId, 5);
            if (!runs.isEmpty()) {
                return stack.awaitFinished(runs.get(0).runId(), Duration.between(Instant.now(), until));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no run of " + dagId + " within " + timeout);
    }

    private static List<Dispatched> dispatchesOf(String runId, String taskId) {
        synchronized (DISPATCHED) {
            return DISPATCHED.stream().filter(d -> d.invocation().task().runId().equals(runId)
                    && d.invocation().task().taskId().equals(taskId)).toList();
        }
    }


    /** {@code sluice backfill --stack} and {@code sluice tasks clear --stack} send these two messages. */
    @Test
    void backfillTriggersAndClearMessagesActOnTheDeployment() throws Exception {
        Path counter = tmp.resolve("redo-count");
        stack.putDag("redo.yaml", """
                dag_id: redo
                schedule: "@daily"
                start_date: 2024-01-01
                tasks:
                  - {task_id: work, command: 'echo x >> %s; echo {{ ds }}'}
                """.formatted(counter));
        String runId = "redo.backfill__2024-01-02T00:00:00Z";
        stack.sendMessage("{\"type\":\"trigger\",\"dagId\":\"redo\",\"runId\":\"" + runId
                + "\",\"logicalDate\":\"2024-01-02T00:00:00Z\"}");
        DagRun run = stack.awaitFinished(runId, Duration.ofSeconds(60));
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(run.type()).isEqualTo(dev.sluice.engine.RunType.BACKFILL);
        assertThat(run.dataIntervalEnd()).isEqualTo(Instant.parse("2024-01-03T00:00:00Z"));
        assertThat(stack.instance(runId, "work").outputJson()).isEqualTo("\"2024-01-02\"");
        assertThat(Files.readAllLines(counter)).hasSize(1);

        stack.sendMessage("{\"type\":\"clear\",\"runId\":\"" + runId + "\",\"taskIds\":[\"work\"],"
                + "\"downstream\":true}");
        long deadline = System.currentTimeMillis() + 60_000;
        while (Files.readAllLines(counter).size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertThat(Files.readAllLines(counter)).hasSize(2);
        DagRun again = stack.awaitFinished(runId, Duration.ofSeconds(60));
        assertThat(again.state()).isEqualTo(RunState.SUCCESS);
        assertThat(stack.instance(runId, "work").tryNumber()).isEqualTo(2);
    }
}
