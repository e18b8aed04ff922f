package dev.sluice.functions.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.Json;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.message.TaskRef;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.model.TaskKind;
import dev.sluice.infra.DispatchException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a {@code function:} try's request is built and how the function's answer becomes the try's result. */
class FunctionWorkTest {
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final JsonLog log = new JsonLog(new PrintStream(logged, true, StandardCharsets.UTF_8), Clock.systemUTC());
    private final List<String> requests = new ArrayList<>();

    private static TaskInvocation invocation(int mapIndex, String itemJson, String paramsJson) {
        TaskRef ref = new TaskRef("d", "v1", "d.manual__1", "call", mapIndex, 2);
        return TaskInvocation.builder().task(ref).maxTries(3).kind(new TaskKind.Function("sluice-task-x"))
                .logicalDate(Instant.parse("2024-06-01T00:00:00Z"))
                .dataInterval(Instant.parse("2024-06-01T00:00:00Z"), Instant.parse("2024-06-02T00:00:00Z"))
                .ds("2024-06-01").paramsJson(paramsJson).upstreamOutputsJson("{}").itemJson(itemJson)
                .confJson("{\"who\":\"ops\"}").dispatchedAt(Instant.now())
                .build();
    }

    private TaskResult run(TaskInvocation inv, FunctionInvoker invoker) {
        Object item = inv.itemJson() == null ? null : Json.toJava(inv.itemJson());
        @SuppressWarnings("unchecked")
        Map<String, Object> params = (Map<String, Object>) Json.toJava(inv.paramsJson());
        LambdaTaskContext ctx = new LambdaTaskContext(inv, item, params, () -> Map.of("up", List.of(1, 2)), log);
        return new FunctionWork(() -> (fn, payload, timeout) -> {
            requests.add(payload);
            return invoker.invoke(fn, payload, timeout);
        }).run(inv, ctx, Duration.ofSeconds(5), log);
    }

    @Test
    void theFunctionReceivesTheTrysContextAndItsJsonAnswerIsTheOutput() {
        TaskResult r = run(invocation(1, "\"b\"", "{\"region\":\"eu\"}"),
                (fn, p, t) -> new FunctionInvoker.Response("{\"rows\": 3}", null));

        assertThat(r).isEqualTo(new TaskResult.Succeeded("{\"rows\": 3}"));
        assertThat(Json.toJava(requests.get(0))).isEqualTo(Json.toJava("""
                {"dag_id":"d","run_id":"d.manual__1","task_id":"call","map_index":1,"try_number":2,"max_tries":3,
                 "logical_date":"2024-06-01T00:00:00Z","data_interval_start":"2024-06-01T00:00:00Z",
                 "data_interval_end":"2024-06-02T00:00:00Z","ds":"2024-06-01","params":{"region":"eu"},
                 "conf":{"who":"ops"},"upstream_outputs":{"up":[1,2]},"item":"b"}"""));
    }

    @Test
    void answersThatAreNotJsonBecomeStringsAndEmptyOnesNoOutput() {
        assertThat(FunctionWork.output("done")).isEqualTo("\"done\"");
        assertThat(FunctionWork.output("")).isNull();
        assertThat(FunctionWork.output("null")).isNull();
        assertThat(FunctionWork.output("[1,2]")).isEqualTo("[1,2]");
    }

    @Test
    void aFunctionErrorIsRetryableUnlessItsTypeSaysNonRetryableAndSkipTaskSkips() {
        FunctionInvoker.Response boom = new FunctionInvoker.Response(
                "{\"errorMessage\":\"boom\",\"errorType\":\"java.lang.IllegalStateException\"}", "Unhandled");
        FunctionInvoker.Response fatal = new FunctionInvoker.Response(
                "{\"errorMessage\":\"bad input\",\"errorType\":\"NonRetryableTaskException\"}", "Handled");
        FunctionInvoker.Response javaFatal = new FunctionInvoker.Response(
                "{\"errorMessage\":\"bad\",\"errorType\":\"dev.sluice.api.NonRetryableTaskException\"}", "Unhandled");
        FunctionInvoker.Response skip = new FunctionInvoker.Response(
                "{\"errorMessage\":\"no data today\",\"errorType\":\"SkipTask\"}", "Unhandled");
        FunctionInvoker.Response opaque = new FunctionInvoker.Response("Task timed out", "Unhandled");

        assertThat(FunctionWork.result("f", boom, log)).isEqualTo(new TaskResult.Failed(
                "function f failed (Unhandled) java.lang.IllegalStateException: boom", true));
        assertThat(FunctionWork.result("f", fatal, log)).isInstanceOfSatisfying(TaskResult.Failed.class,
                f -> assertThat(f.retryable()).isFalse());
        assertThat(FunctionWork.result("f", javaFatal, log)).isInstanceOfSatisfying(TaskResult.Failed.class,
                f -> assertThat(f.retryable()).isFalse());
        assertThat(FunctionWork.result("f", skip, log)).isEqualTo(new TaskResult.Skipped("no data today"));
        assertThat(FunctionWork.result("f", opaque, log)).isEqualTo(new TaskResult.Failed(
                "function f failed (Unhandled): Task timed out", true));
    }

    @Test
    void aRequestAboveLambdasSixMegabyteLimitIsRefusedWithoutCallingAndNotRetried() {
        String huge = Json.write(Map.of("blob", "x".repeat(FunctionWork.MAX_REQUEST_BYTES)));

        TaskResult r = run(invocation(-1, null, huge), (fn, p, t) -> {
            throw new AssertionError("not invoked");
        });

        assertThat(r).isInstanceOfSatisfying(TaskResult.Failed.class, f -> {
            assertThat(f.retryable()).isFalse();
            assertThat(f.error()).contains("sluice-task-x", "6291456-byte limit", "by reference");
        });
        assertThat(requests).isEmpty();
    }

    @Test
    void anInvokeThatFailsSaysWhetherToRetryAndASlowFunctionTimesOut() {
        TaskResult missing = run(invocation(-1, null, "{}"), (fn, p, t) -> {
            throw new DispatchException("invoking " + fn + ": ResourceNotFoundException: Function not found", false,
                    null);
        });
        TaskResult throttled = run(invocation(-1, null, "{}"), (fn, p, t) -> {
            throw new DispatchException("invoking " + fn + ": throttled", true, null);
        });
        TaskInvocation inv = invocation(-1, null, "{}");
        LambdaTaskContext ctx = new LambdaTaskContext(inv, null, Map.of(), Map::of, log);
        TaskResult slow = new FunctionWork(() -> (fn, p, t) -> {
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new FunctionInvoker.Response("1", null);
        }).run(inv, ctx, Duration.ofMillis(200), log);

        assertThat(missing).isEqualTo(new TaskResult.Failed("could not invoke function sluice-task-x: invoking "
                + "sluice-task-x: ResourceNotFoundException: Function not found", false));
        assertThat(throttled).isInstanceOfSatisfying(TaskResult.Failed.class, f -> assertThat(f.retryable()).isTrue());
        assertThat(slow).isInstanceOfSatisfying(TaskResult.TimedOut.class,
                t -> assertThat(t.reason()).contains("did not answer within", "may still be running"));
    }
}
