package dev.sluice.functions.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.engine.Timer;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The wire JSON of every coordinator message and of the task invocation, byte for byte as it was written before
 * the message list became one registry: messages already in flight (and in DLQs) must still read, and what is
 * written now must read the same in an older coordinator.
 */
class MessagesGoldenTest {
    private static final TaskRef REF = new TaskRef("d", "v1", "manual__2024-01-01T00:00:00Z", "load", -1, 2);
    private static final TaskRef MAPPED = new TaskRef("d", "v1", "manual__2024-01-01T00:00:00Z", "per_table", 3, 1);
    private static final String REF_JSON = "\"dagId\":\"d\",\"dagVersion\":\"v1\","
            + "\"runId\":\"manual__2024-01-01T00:00:00Z\","
            + "\"taskId\":\"load\",\"mapIndex\":-1,\"tryNumber\":2";
    private static final String MAPPED_JSON = "\"dagId\":\"d\",\"dagVersion\":\"v1\","
            + "\"runId\":\"manual__2024-01-01T00:00:00Z\",\"taskId\":\"per_table\",\"mapIndex\":3,\"tryNumber\":1";

    static Stream<Arguments> messages() {
        return Stream.of(
                golden(new CoordinatorMessage.Completion(REF, new TaskResult.Succeeded("{\"rows\":3}")),
                        "{\"type\":\"completion\"," + REF_JSON + ",\"status\":\"success\",\"output\":{\"rows\":3}}"),
                golden(new CoordinatorMessage.Completion(REF, new TaskResult.Succeeded(null)),
                        "{\"type\":\"completion\"," + REF_JSON + ",\"status\":\"success\"}"),
                golden(new CoordinatorMessage.Completion(MAPPED, new TaskResult.Failed("boom", false)),
                        "{\"type\":\"completion\"," + MAPPED_JSON
                                + ",\"status\":\"failed\",\"error\":\"boom\",\"retryable\":false}"),
                golden(new CoordinatorMessage.Completion(REF, new TaskResult.Skipped("dry run")),
                        "{\"type\":\"completion\"," + REF_JSON + ",\"status\":\"skipped\",\"reason\":\"dry run\"}"),
                golden(new CoordinatorMessage.Completion(REF, new TaskResult.Branched(List.of("a", "g.b"))),
                        "{\"type\":\"completion\"," + REF_JSON + ",\"status\":\"branch\",\"chosen\":[\"a\",\"g.b\"]}"),
                golden(new CoordinatorMessage.Completion(REF, new TaskResult.TimedOut("ran longer than PT1M")),
                        "{\"type\":\"completion\"," + REF_JSON
                                + ",\"status\":\"timed_out\",\"reason\":\"ran longer than PT1M\"}"),
                golden(new CoordinatorMessage.Completion(REF, new TaskResult.Rescheduled(
                                Instant.parse("2024-01-01T00:05:00Z"), "not yet")),
                        "{\"type\":\"completion\"," + REF_JSON
                                + ",\"status\":\"rescheduled\",\"until\":\"2024-01-01T00:05:00Z\","
                                + "\"reason\":\"not yet\"}"),
                golden(new CoordinatorMessage.TimerDue(REF, Timer.Kind.RETRY, Instant.parse("2024-01-01T00:00:05Z")),
                        "{\"type\":\"timer\"," + REF_JSON + ",\"kind\":\"retry\",\"fireAt\":\"2024-01-01T00:00:05Z\"}"),
                golden(new CoordinatorMessage.Watchdog(MAPPED), "{\"type\":\"watchdog\"," + MAPPED_JSON + "}"),
                golden(new CoordinatorMessage.Trigger("d", "{\"who\":\"ops\"}", "manual__x",
                                Instant.parse("2024-01-01T00:00:00Z")),
                        "{\"type\":\"trigger\",\"dagId\":\"d\",\"conf\":{\"who\":\"ops\"},\"runId\":\"manual__x\","
                                + "\"logicalDate\":\"2024-01-01T00:00:00Z\"}"),
                golden(new CoordinatorMessage.Trigger("d", "{}", null, null),
                        "{\"type\":\"trigger\",\"dagId\":\"d\",\"conf\":{}}"),
                golden(new CoordinatorMessage.Continue("d", "v1", "manual__x"),
                        "{\"type\":\"continue\",\"dagId\":\"d\",\"dagVersion\":\"v1\",\"runId\":\"manual__x\"}"),
                golden(new CoordinatorMessage.Tick(CoordinatorMessage.TickPhase.DAGS, "lake"),
                        "{\"type\":\"tick\",\"phase\":\"dags\",\"fromDagId\":\"lake\"}"),
                golden(new CoordinatorMessage.Tick(CoordinatorMessage.TickPhase.DAGS, null),
                        "{\"type\":\"tick\",\"phase\":\"dags\"}"),
                golden(new CoordinatorMessage.Tick(CoordinatorMessage.TickPhase.TIMERS, null),
                        "{\"type\":\"tick\",\"phase\":\"timers\"}"),
                golden(new CoordinatorMessage.Tick(CoordinatorMessage.TickPhase.OVERDUE, null),
                        "{\"type\":\"tick\",\"phase\":\"overdue\"}"),
                golden(new CoordinatorMessage.Clear("manual__x", List.of("load", "g"), true),
                        "{\"type\":\"clear\",\"runId\":\"manual__x\",\"taskIds\":[\"load\",\"g\"],"
                                + "\"downstream\":true}"),
                golden(new CoordinatorMessage.Clear("manual__x", List.of("load"), false, true),
                        "{\"type\":\"clear\",\"runId\":\"manual__x\",\"taskIds\":[\"load\"],"
                                + "\"downstream\":false,\"latestVersion\":true}"),
                golden(new CoordinatorMessage.Mark("manual__x", List.of("load"), "success"),
                        "{\"type\":\"mark\",\"runId\":\"manual__x\",\"taskIds\":[\"load\"],"
                                + "\"state\":\"success\"}"),
                golden(new CoordinatorMessage.Mark("manual__x", List.of(), "failed"),
                        "{\"type\":\"mark\",\"runId\":\"manual__x\",\"taskIds\":[],\"state\":\"failed\"}"),
                golden(new CoordinatorMessage.RunEffects("d", "v1", "manual__x", List.of("manual__x|load|-1|1|execute")),
                        "{\"type\":\"effects\",\"dagId\":\"d\",\"dagVersion\":\"v1\",\"runId\":\"manual__x\","
                                + "\"keys\":[\"manual__x|load|-1|1|execute\"]}"),
                golden(new CoordinatorMessage.InvokeFailed(REF, "RetriesExhausted", "out of memory"),
                        "{\"version\":\"1.0\",\"requestContext\":{\"condition\":\"RetriesExhausted\","
                                + "\"approximateInvokeCount\":1},\"requestPayload\":{" + REF_JSON + "},"
                                + "\"responsePayload\":{\"errorMessage\":\"out of memory\"}}"));
    }

    private static Arguments golden(CoordinatorMessage m, String json) {
        return Arguments.of(m.getClass().getSimpleName() + " " + json, m, json);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void writesAndReadsTodaysJson(String name, CoordinatorMessage message, String json) {
        assertThat(Messages.write(message)).isEqualTo(json);
        assertThat(Messages.parse(json)).isEqualTo(message);
    }

    @org.junit.jupiter.api.Test
    void theTableCoversEveryMessageTypeAndStatus() {
        assertThat(messages().map(a -> a.get()[1].getClass().getName()).distinct())
                .containsExactlyInAnyOrderElementsOf(names(CoordinatorMessage.class.getPermittedSubclasses()));
        assertThat(messages().map(a -> a.get()[1])
                .filter(m -> m instanceof CoordinatorMessage.Completion)
                .map(m -> ((CoordinatorMessage.Completion) m).result().getClass().getName()).distinct())
                .containsExactlyInAnyOrderElementsOf(names(TaskResult.class.getPermittedSubclasses()));
    }

    private static List<String> names(Class<?>[] classes) {
        return Stream.of(classes).map(Class::getName).toList();
    }

    @org.junit.jupiter.api.Test
    void aTriggerWithoutConfIsWrittenWithAnEmptyOne() {
        assertThat(Messages.write(new CoordinatorMessage.Trigger("d", null, null, null)))
                .isEqualTo("{\"type\":\"trigger\",\"dagId\":\"d\",\"conf\":{}}");
    }

    @org.junit.jupiter.api.Test
    void aBareTickMessageIsAWholeTickAndABadPhaseFailsToRead() {
        assertThat(Messages.parse("{\"type\":\"tick\"}")).isEqualTo(CoordinatorMessage.Tick.whole());
        assertThatThrownBy(() -> Messages.parse("{\"type\":\"tick\",\"phase\":\"later\"}"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("unknown tick phase 'later'");
        assertThatThrownBy(() -> Messages.parse("{\"type\":\"tick\",\"phase\":\"timers\",\"fromDagId\":\"x\"}"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("fromDagId belongs to the dags phase only");
    }

    @org.junit.jupiter.api.Test
    void anUnknownTypeFailsToRead() {
        assertThatThrownBy(() -> Messages.parse("{\"type\":\"telepathy\",\"dagId\":\"d\"}"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("unknown message type 'telepathy'");
        assertThatThrownBy(() -> Messages.parse("{\"type\":\"completion\"," + REF_JSON + ",\"status\":\"meh\"}"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("unknown completion status 'meh'");
    }

    static final String INVOCATION = "{" + MAPPED_JSON + ",\"maxTries\":3,"
            + "\"retry\":{\"kind\":\"airflow\",\"retries\":2,\"retryDelay\":\"PT30S\",\"exponentialBackoff\":false},"
            + "\"nextRetryDelaySeconds\":30,\"deadline\":\"2024-01-01T01:00:00Z\","
            + "\"logicalDate\":\"2024-01-01T00:00:00Z\",\"dataIntervalStart\":\"2024-01-01T00:00:00Z\","
            + "\"dataIntervalEnd\":\"2024-01-02T00:00:00Z\",\"ds\":\"2024-01-01\",\"params\":{\"full\":false},"
            + "\"upstreamOutputs\":{\"extract\":{\"$ref\":\"s3://b/k.json\"}},\"item\":\"orders\","
            + "\"conf\":{\"who\":\"ops\"},\"kind\":\"handler\",\"handler\":\"com.example.Load\","
            + "\"dispatchedAt\":\"2024-01-01T00:00:01Z\"}";

    static Stream<String> invocations() {
        return Stream.of(INVOCATION,
                INVOCATION.replace("\"kind\":\"handler\",\"handler\":\"com.example.Load\"",
                        "\"kind\":\"command\",\"command\":\"echo 'orders'\""),
                INVOCATION.replace("\"kind\":\"handler\",\"handler\":\"com.example.Load\"",
                        "\"kind\":\"function\",\"function\":\"sluice-task-load\""),
                "{" + REF_JSON + ",\"maxTries\":1,\"logicalDate\":\"2024-01-01T00:00:00Z\",\"params\":{},"
                        + "\"upstreamOutputs\":{},\"kind\":\"command\",\"command\":\"true\"}");
    }

    @ParameterizedTest
    @MethodSource("invocations")
    void anInvocationReadsAndWritesTodaysJson(String json) {
        assertThat(TaskInvocation.parse(json).toJson()).isEqualTo(json);
    }

    @org.junit.jupiter.api.Test
    void anInvocationOfAnUnknownKindFailsToRead() {
        assertThatThrownBy(() -> TaskInvocation.parse(INVOCATION.replace("\"kind\":\"handler\"", "\"kind\":\"empty\"")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("'kind' must be handler, command or function, got 'empty'");
    }

    static final String EFFECT = "{\"type\":\"effect\",\"dagVersion\":\"v1\",\"effect\":{"
            + "\"key\":\"manual__2024-01-01T00:00:00Z|load|-1|2|failure\",\"runId\":\"manual__2024-01-01T00:00:00Z\","
            + "\"dagId\":\"d\",\"taskId\":\"load\",\"mapIndex\":-1,\"tryNumber\":2,\"maxTries\":2,"
            + "\"kind\":\"failure\",\"createdAt\":\"2024-01-01T00:01:00Z\",\"error\":\"boom\",\"dueAt\":null,"
            + "\"callback\":\"echo {{ task_id }}\",\"alerts\":[{\"severity\":\"critical\",\"to\":[\"sns\","
            + "\"webhook:http://127.0.0.1:9/h\"]}],\"state\":\"pending\",\"detail\":null},"
            + "\"context\":{\"event\":\"failure\",\"dagId\":\"d\",\"taskId\":\"load\",\"mapIndex\":-1,"
            + "\"runId\":\"manual__2024-01-01T00:00:00Z\",\"logicalDate\":\"2024-01-01T00:00:00Z\","
            + "\"tryNumber\":2,\"maxTries\":2,\"error\":\"boom\",\"log\":\"https://logs/x\","
            + "\"tags\":[\"severity:critical\"],\"owner\":\"data\",\"dueAt\":null}}";

    static Stream<String> effectInvocations() {
        return Stream.of(EFFECT,
                EFFECT.substring(0, EFFECT.length() - 1) + ",\"stackAlert\":{\"kind\":\"sla_missed\","
                        + "\"dagId\":\"d\",\"runId\":\"r\",\"taskId\":\"load\",\"state\":\"sla_missed\","
                        + "\"subject\":\"SLA missed\",\"body\":\"late\"}}");
    }

    @ParameterizedTest
    @MethodSource("effectInvocations")
    void anEffectInvocationReadsAndWritesTodaysJson(String json) {
        EffectInvocation inv = EffectInvocation.parse(json);
        assertThat(inv.toJson()).isEqualTo(json);
        assertThat(inv.effect().key()).isEqualTo("manual__2024-01-01T00:00:00Z|load|-1|2|failure");
        assertThat(inv.context().log()).isEqualTo("https://logs/x");
        assertThat(inv.effect().alerts()).singleElement().satisfies(a -> assertThat(a.to())
                .containsExactly("sns", "webhook:http://127.0.0.1:9/h"));
    }

    @org.junit.jupiter.api.Test
    void aTaskInvocationIsNotAnEffectInvocation() {
        assertThatThrownBy(() -> EffectInvocation.parse(INVOCATION))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("type must be 'effect'");
        assertThatThrownBy(() -> EffectInvocation.parse("{\"type\":\"effect\",\"dagVersion\":\"v1\"}"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("without 'effect' and 'context'");
    }
}
