package dev.sluice.functions.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.NonRetryableTaskException;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Json;
import dev.sluice.engine.TaskInstance;
import dev.sluice.functions.devhost.DevHost;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code function:} tasks end to end: the coordinator dispatches them to the command runner, which claims the try,
 * invokes the named Lambda function synchronously and reports its answer. The functions are hosted in the process
 * the way {@code sluice dev} hosts task functions (no emulator runs function code without Docker), so every test
 * runs on every endpoint: an echoing function shows exactly what a function receives, others give errors and
 * retries; a name that is not hosted goes through the SDK to Lambda at the endpoint, which answers "not found".
 */
class FunctionTaskIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    static DevStack stack;

    /** Fails its first try, answers on the second. */
    static final RequestStreamHandler FLAKY = (in, out, ctx) -> {
        JsonNode req = Json.read(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        if (req.path("try_number").asInt() < 2) {
            throw new IllegalStateException("warehouse busy, try again");
        }
        out.write(("{\"ok\":true,\"try\":" + req.path("try_number").asInt() + "}").getBytes(StandardCharsets.UTF_8));
    };

    /** Answers every invoke with the request it got, as moto's Docker-less Lambda does. */
    static final RequestStreamHandler ECHO = (in, out, ctx) -> out.write(in.readAllBytes());

    static final String ECHO_ARN = "arn:aws:lambda:us-east-1:123456789012:function:sluice-task-echo";

    static final RequestStreamHandler FATAL = (in, out, ctx) -> {
        throw new NonRetryableTaskException("bad input: no such table");
    };

    @BeforeAll
    static void start() {
        DevHost.Options o = DevStack.options().withLambda("sluice-task-flaky", FLAKY)
                .withLambda("sluice-task-fatal", FATAL).withLambda("sluice-task-echo", ECHO)
                .withLambda(ECHO_ARN, ECHO);
        stack = new DevStack(AWS, o);
        stack.host.start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aFunctionTaskInvokesTheNamedLambdaWithTheTrysContextAndItsAnswerIsTheOutput() throws Exception {
        stack.putDag("fn_echo.yaml", """
                dag_id: fn_echo
                params: {region: eu}
                tasks:
                  - {task_id: produce, command: "echo '{\\"rows\\": 3}'"}
                  - {task_id: call, upstream: [produce], function: sluice-task-echo, params: {mode: full}}
                  - {task_id: per_item, upstream: [call], expand: [a, b],
                     function: "arn:aws:lambda:us-east-1:123456789012:function:sluice-task-echo"}
                """);
        String runId = "fn_echo.manual__e2e";

        stack.sendMessage(DevEndToEndIT.trigger("fn_echo", runId, "{\"who\":\"ops\"}"));

        DagRun run = stack.awaitFinished(runId, Duration.ofSeconds(60));
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        TaskInstance call = stack.instance(runId, "call");
        assertThat(call.tryNumber()).isEqualTo(1);
        JsonNode sent = Json.read(call.outputJson());
        assertThat(sent.path("dag_id").asText()).isEqualTo("fn_echo");
        assertThat(sent.path("run_id").asText()).isEqualTo(runId);
        assertThat(sent.path("task_id").asText()).isEqualTo("call");
        assertThat(sent.path("map_index").asInt()).isEqualTo(-1);
        assertThat(sent.path("try_number").asInt()).isEqualTo(1);
        assertThat(sent.path("max_tries").asInt()).isEqualTo(1);
        assertThat(sent.path("logical_date").asText()).isEqualTo(run.logicalDate().toString());
        assertThat(Json.toJava(sent.path("params").toString()))
                .isEqualTo(Map.of("region", "eu", "mode", "full", "who", "ops"));
        assertThat(Json.toJava(sent.path("conf").toString())).isEqualTo(Map.of("who", "ops"));
        assertThat(sent.path("upstream_outputs").path("produce").path("rows").asInt()).isEqualTo(3);
        assertThat(sent.has("item")).isFalse();

        TaskInstance second = stack.store().instances(runId).stream()
                .filter(t -> t.taskId().equals("per_item") && t.mapIndex() == 1).findFirst().orElseThrow();
        JsonNode mapped = Json.read(second.outputJson());
        assertThat(mapped.path("item").asText()).isEqualTo("b");
        assertThat(mapped.path("map_index").asInt()).isEqualTo(1);
        assertThat(mapped.path("upstream_outputs").path("call").path("task_id").asText()).isEqualTo("call");
    }

    @Test
    void functionErrorsAreRetriedUnlessNonRetryableAndAMissingFunctionFailsAtOnce() throws Exception {
        stack.putDag("fn_errors.yaml", """
                dag_id: fn_errors
                default_args: {retries: 1, retry_delay: 1s}
                tasks:
                  - {task_id: flaky, function: sluice-task-flaky}
                  - {task_id: fatal, function: sluice-task-fatal, retries: 3}
                  - {task_id: missing, function: sluice-task-missing, retries: 3}
                """);
        String runId = "fn_errors.manual__e2e";

        stack.sendMessage(DevEndToEndIT.trigger("fn_errors", runId, null));

        DagRun run = stack.awaitFinished(runId, Duration.ofSeconds(60));
        assertThat(run.state()).isEqualTo(RunState.FAILED);
        TaskInstance flaky = stack.instance(runId, "flaky");
        assertThat(flaky.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(flaky.tryNumber()).isEqualTo(2);
        assertThat(Json.toJava(flaky.outputJson())).isEqualTo(Map.of("ok", true, "try", 2));

        TaskInstance fatal = stack.instance(runId, "fatal");
        assertThat(fatal.state()).isEqualTo(TaskState.FAILED);
        assertThat(fatal.tryNumber()).as("not retried").isEqualTo(1);
        assertThat(fatal.error()).contains("function sluice-task-fatal failed (Unhandled)",
                "dev.sluice.api.NonRetryableTaskException", "bad input: no such table");

        TaskInstance missing = stack.instance(runId, "missing");
        assertThat(missing.state()).isEqualTo(TaskState.FAILED);
        assertThat(missing.tryNumber()).as("not retried").isEqualTo(1);
        assertThat(missing.error()).contains("could not invoke function sluice-task-missing", "ResourceNotFound");
    }
}
