package dev.sluice.functions.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * depends_on_past through the AWS runtime (sluice dev's host on the test endpoint): three runs with a failure in the
 * middle; the waiting task of the third run starts when the second run's task is cleared and succeeds, by the
 * coordinator's nudge (a continue message to the next run), with no tick.
 */
class PastDependencyIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    static DevStack stack;
    @TempDir
    static Path flags;

    @BeforeAll
    static void start() {
        stack = new DevStack(AWS, DevStack.options());
        stack.host.start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static String trigger(String runId, String logicalDate) {
        return "{\"type\":\"trigger\",\"dagId\":\"dp_aws\",\"runId\":\"" + runId + "\",\"logicalDate\":\""
                + logicalDate + "\"}";
    }

    @Test
    void dependsOnPastAcrossThreeRunsWithAFailureInTheMiddle() throws Exception {
        stack.putDag("dp_aws.yaml", """
                dag_id: dp_aws
                tasks:
                  - {task_id: extract, command: "echo extract"}
                  - {task_id: load, upstream: extract, depends_on_past: true, command: 'test ! -f FLAGS/fail-{{ ds }}'}
                """.replace("FLAGS", flags.toString()));
        String r1 = "dp_aws.manual__2024-01-01";
        String r2 = "dp_aws.manual__2024-01-02";
        String r3 = "dp_aws.manual__2024-01-03";
        stack.sendMessage(trigger(r1, "2024-01-01T00:00:00Z"));
        assertThat(stack.awaitFinished(r1, Duration.ofSeconds(60)).state()).isEqualTo(RunState.SUCCESS);
        Files.createFile(flags.resolve("fail-2024-01-02"));
        stack.sendMessage(trigger(r2, "2024-01-02T00:00:00Z"));
        assertThat(stack.awaitFinished(r2, Duration.ofSeconds(60)).state()).isEqualTo(RunState.FAILED);

        stack.sendMessage(trigger(r3, "2024-01-03T00:00:00Z"));
        stack.awaitState(r3, "extract", TaskState.SUCCESS, Duration.ofSeconds(60));
        var waiting = stack.awaitState(r3, "load", TaskState.SCHEDULED, Duration.ofSeconds(60));
        assertThat(waiting.error()).isEqualTo("depends_on_past: waits for task load in run " + r2
                + " (it is failed)");
        assertThat(stack.store().run(r3).orElseThrow().state()).isEqualTo(RunState.RUNNING);

        Files.delete(flags.resolve("fail-2024-01-02"));
        stack.sendMessage("{\"type\":\"clear\",\"runId\":\"" + r2 + "\",\"taskIds\":[\"load\"],\"downstream\":false}");
        stack.awaitState(r2, "load", TaskState.SUCCESS, Duration.ofSeconds(60));
        assertThat(stack.awaitFinished(r2, Duration.ofSeconds(60)).state()).isEqualTo(RunState.SUCCESS);
        assertThat(stack.awaitFinished(r3, Duration.ofSeconds(60)).state()).isEqualTo(RunState.SUCCESS);
        assertThat(stack.instance(r3, "load").error()).isNull();
    }
}
