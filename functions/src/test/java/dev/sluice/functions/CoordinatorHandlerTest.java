package dev.sluice.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Json;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.model.TaskKind;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.Messages;
import dev.sluice.functions.message.TaskRef;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.support.Fixtures;
import dev.sluice.functions.support.TestCoordinator;
import dev.sluice.schedule.RunIds;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The coordinator handler fed the real Lambda event JSON (src/test/resources/events) and variants built from it. */
class CoordinatorHandlerTest {
    static final String LAKE = """
            dag_id: lake
            trigger:
              s3: {bucket: example-data-lake, key: "raw/{{ ds }}/data_*.parquet"}
            tasks:
              - {task_id: load, handler: com.example.Load, retries: 2, retry_delay: 30s}
              - {task_id: report, upstream: [load], command: "echo {{ conf.key }}"}
            """;
    static final String DAILY = """
            dag_id: daily
            schedule: "@daily"
            start_date: 2024-01-01
            catchup: true
            max_active_runs: 2
            tasks:
              - {task_id: a, handler: com.example.A}
            """;
    static final Instant NOW = Instant.parse("2024-03-05T02:01:00Z");

    TestCoordinator t;

    @BeforeEach
    void setUp() {
        t = new TestCoordinator(NOW);
        t.dags.put("dags/lake.yaml", LAKE).put("dags/daily.yaml", DAILY);
    }

    @Test
    void schedulerTickStartsDueRunsUpToMaxActiveRuns() {
        String response = t.invoke("{\"source\":\"sluice.tick\"}");

        assertThat(response).isEqualTo("{}");
        List<DagRun> runs = t.store.runs("daily", 10);
        assertThat(runs).extracting(DagRun::runId).containsExactlyInAnyOrder(
                RunIds.scheduled("daily", Instant.parse("2024-01-01T00:00:00Z")),
                RunIds.scheduled("daily", Instant.parse("2024-01-02T00:00:00Z")));
        assertThat(t.dispatcher.invocations).hasSize(2)
                .allSatisfy(i -> assertThat(i.function()).isEqualTo("task-fn"));
        assertThat(t.logs()).contains("\"event\":\"run_created\"", "\"RunsStarted\":1.0");
    }

    @Test
    void aRepeatedTickCreatesNothingNew() {
        t.invoke("{\"source\":\"sluice.tick\"}");
        t.invoke("{\"source\":\"sluice.tick\"}");

        assertThat(t.store.runs("daily", 10)).hasSize(2);
        assertThat(t.dispatcher.invocations).hasSize(2);
    }

    @Test
    void aScheduledEventRuleAlsoTicks() {
        t.invoke(Fixtures.event("scheduled-event.json"));

        assertThat(t.store.runs("daily", 10)).hasSize(2);
    }

    @Test
    void objectCreatedStartsOneRunWithTheDateFromTheKey() {
        t.invoke(Fixtures.event("s3-object-created-eventbridge.json"));

        String runId = RunIds.s3("lake", "example-data-lake", "raw/2024-03-05/data_0001.parquet",
                "00617F08299329D189");
        DagRun run = t.store.run(runId).orElseThrow();
        assertThat(run.state()).isEqualTo(RunState.RUNNING);
        assertThat(run.logicalDate()).isEqualTo(Instant.parse("2024-03-05T00:00:00Z"));
        assertThat(Json.toJava(run.confJson())).isEqualTo(Map.of("bucket", "example-data-lake",
                "key", "raw/2024-03-05/data_0001.parquet"));
        assertThat(t.dispatcher.invocations).singleElement().satisfies(i -> {
            assertThat(i.invocation().task().taskId()).isEqualTo("load");
            assertThat(i.invocation().task().tryNumber()).isEqualTo(1);
            assertThat(i.invocation().maxTries()).isEqualTo(3);
            assertThat(i.invocation().nextRetryDelaySeconds()).isEqualTo(30L);
            assertThat(i.invocation().ds()).isEqualTo("2024-03-05");
            assertThat(i.invocation().kind()).isEqualTo(new TaskKind.Handler("com.example.Load"));
            assertThat(i.invocation().target()).isEqualTo("com.example.Load");
        });
    }

    @Test
    void aRedeliveredObjectCreatedEventStartsNothingNew() {
        t.invoke(Fixtures.event("s3-object-created-eventbridge.json"));
        t.invoke(Fixtures.event("s3-object-created-eventbridge.json"));

        assertThat(t.store.runs("lake", 10)).hasSize(1);
        assertThat(t.dispatcher.invocations).hasSize(1);
        assertThat(t.logs()).contains("already exists");
    }

    @Test
    void aNewWriteOfTheSameKeyIsANewRun() {
        t.invoke(Fixtures.event("s3-object-created-eventbridge.json"));
        ObjectNode again = Fixtures.tree("s3-object-created-eventbridge.json");
        ((ObjectNode) again.get("detail").get("object")).put("sequencer", "00617F0829932AAAAA");
        t.invoke(again.toString());

        assertThat(t.store.runs("lake", 10)).hasSize(2);
    }

    @Test
    void urlEncodedKeysAreDecoded() {
        ObjectNode e = Fixtures.tree("s3-object-created-eventbridge.json");
        ((ObjectNode) e.get("detail").get("object")).put("key", "raw/2024-03-05/data_my+file%3A1.parquet");
        t.invoke(e.toString());

        DagRun run = t.store.runs("lake", 10).get(0);
        assertThat(Json.toJava(run.confJson())).isEqualTo(Map.of("bucket", "example-data-lake",
                "key", "raw/2024-03-05/data_my file:1.parquet"));
    }

    @Test
    void aClassicS3NotificationWorksToo() {
        String e = Fixtures.event("s3-put-notification.template.json").replace("{{{region}}}", "us-east-1")
                .replace("{{{bucket}}}", "example-data-lake").replace("{{{partition}}}", "aws")
                .replace("{{{key}}}", "raw/2024-03-06/data_7.parquet");
        t.invoke(e);

        assertThat(t.store.runs("lake", 10)).singleElement()
                .satisfies(r -> assertThat(r.logicalDate()).isEqualTo(Instant.parse("2024-03-06T00:00:00Z")));
    }

    @Test
    void anObjectNoTriggerMatchesIsIgnored() {
        ObjectNode e = Fixtures.tree("s3-object-created-eventbridge.json");
        ((ObjectNode) e.get("detail").get("object")).put("key", "other/2024-03-05/x.csv");
        t.invoke(e.toString());

        assertThat(t.store.runs(null, 10)).isEmpty();
        assertThat(t.logs()).contains("s3_object_ignored");
    }

    @Test
    void anUnknownDetailTypeIsLoggedAndIgnored() {
        ObjectNode e = Fixtures.tree("s3-object-created-eventbridge.json");
        e.put("detail-type", "Object Deleted");
        String response = t.invoke(e.toString());

        assertThat(response).contains("ignored");
        assertThat(t.store.runs(null, 10)).isEmpty();
        assertThat(t.logs()).contains("\"event\":\"event_unknown\"", "Object Deleted");
    }

    @Test
    void theSampleSqsBodyIsNotACoordinatorMessageAndIsReportedAsFailed() {
        String response = t.invoke(Fixtures.event("sqs-event.json"));

        assertThat(Json.read(response).get("batchItemFailures")).hasSize(1);
        assertThat(Json.read(response).get("batchItemFailures").get(0).get("itemIdentifier").asText())
                .isEqualTo("d9144555-9a4f-4ec3-99a0-34ce359b4b54");
        assertThat(t.logs()).contains("message_malformed", "missing field 'type'");
    }

    @Test
    void badMessagesFailAloneAndWriteNothing() {
        String trigger = "{\"type\":\"trigger\",\"dagId\":\"lake\",\"conf\":{\"x\":1},\"runId\":\"lake.manual__1\"}";
        String response = t.invoke(Fixtures.sqsBatch("not json", trigger, "{\"type\":\"completion\",\"dagId\":\"lake\"}",
                "{\"type\":\"bogus\"}", "{\"type\":\"trigger\",\"dagId\":\"nope\"}"));

        JsonNode failures = Json.read(response).get("batchItemFailures");
        assertThat(failures).extracting(f -> f.get("itemIdentifier").asText()).containsExactly("m0", "m2", "m3", "m4");
        assertThat(t.store.runs(null, 10)).extracting(DagRun::runId).containsExactly("lake.manual__1");
        assertThat(Json.toJava(t.store.run("lake.manual__1").orElseThrow().confJson())).isEqualTo(Map.of("x", 1));
        assertThat(t.logs()).contains("not JSON", "unknown message type 'bogus'", "unknown DAG 'nope'");
    }

    @Test
    void aTriggerWithoutRunIdUsesTheSendTimeSoARedeliveryIsTheSameRun() {
        String trigger = "{\"type\":\"trigger\",\"dagId\":\"lake\"}";
        t.invoke(Fixtures.sqsBatch(trigger));
        t.invoke(Fixtures.sqsBatch(trigger));

        assertThat(t.store.runs("lake", 10)).extracting(DagRun::runId)
                .containsExactly(RunIds.manual("lake", Instant.ofEpochMilli(1601975706495L)));
    }

    @Test
    void completionsDriveTheRunAndDuplicatesChangeNothing() {
        t.invoke(Fixtures.event("s3-object-created-eventbridge.json"));
        TaskRef load = t.dispatcher.invocations.get(0).invocation().task();
        String done = Messages.write(new CoordinatorMessage.Completion(load,
                new TaskResult.Succeeded("{\"rows\":3}")));

        String response = t.invoke(Fixtures.sqsBatch(done, done));

        assertThat(Json.read(response).get("batchItemFailures")).isEmpty();
        assertThat(t.dispatcher.invocations).hasSize(2);
        var report = t.dispatcher.invocations.get(1).invocation();
        assertThat(report.task().taskId()).isEqualTo("report");
        assertThat(report.kindName()).isEqualTo("command");
        assertThat(report.target()).isEqualTo("echo \"${SLUICE_V_1}\"");
        assertThat(report.commandValues()).isEqualTo(Map.of("SLUICE_V_1", "raw/2024-03-05/data_0001.parquet"));
        assertThat(Json.toJava(report.upstreamOutputsJson())).isEqualTo(Map.of("load", Map.of("rows", 3)));
        TaskInstance ti = t.store.view(t.registry.pinned("lake", load.dagVersion()), load.runId())
                .instance(TaskKey.of("load"));
        assertThat(ti.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(t.logs()).contains("\"TaskSucceeded\":1.0");
    }

    @Test
    void anOnFailureDestinationRecordFailsTheTryRetryably() {
        t.invoke(Fixtures.event("s3-object-created-eventbridge.json"));
        var inv = t.dispatcher.invocations.get(0);
        ObjectNode record = Fixtures.tree("lambda-destination-on-failure.json");
        record.set("requestPayload", Json.read(inv.json()));

        String response = t.invoke(Fixtures.sqsBatch(record.toString()));

        assertThat(Json.read(response).get("batchItemFailures")).isEmpty();
        TaskInstance ti = t.store.instances(inv.invocation().task().runId()).stream()
                .filter(i -> i.taskId().equals("load")).findFirst().orElseThrow();
        assertThat(ti.state()).isEqualTo(TaskState.UP_FOR_RETRY);
        assertThat(ti.error()).contains("RetriesExhausted", "Failure from event, Success = false");
        // the retry delay (30 s) fits an SQS delay: a delayed timer message
        assertThat(t.queue.sent).anySatisfy(s -> {
            assertThat(s.message()).isInstanceOf(CoordinatorMessage.TimerDue.class);
            assertThat(s.delay()).hasSeconds(30);
        });
    }

    @Test
    void theSampleDestinationRecordIsNotAboutATaskAndIsReportedAsFailed() {
        String response = t.invoke(Fixtures.sqsBatch(Fixtures.event("lambda-destination-on-failure.json")));

        assertThat(Json.read(response).get("batchItemFailures")).hasSize(1);
        assertThat(t.logs()).contains("requestPayload is not a TaskInvocation");
    }

    @Test
    void anEmptyBatchAndNonObjectsAreHarmless() {
        assertThat(t.invoke("{\"Records\":[]}")).isEqualTo("{\"batchItemFailures\":[]}");
        assertThat(t.invoke("[1,2]")).contains("ignored");
        assertThat(t.invoke("not json")).contains("ignored");
    }
}
