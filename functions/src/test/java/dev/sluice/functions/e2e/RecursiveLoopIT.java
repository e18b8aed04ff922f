package dev.sluice.functions.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.DagRun;
import dev.sluice.functions.devhost.DevHost;
import dev.sluice.functions.devhost.DevResources;
import dev.sluice.functions.devhost.RecursiveLoop;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.template.TemplateYaml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A chain of more than 16 coordinator invocations under {@code sluice dev}, which stops a function's 17th invocation
 * in one chain as Lambda's recursive loop detection does unless the function's RecursiveLoop is Allow. The chain is a
 * DAG of 20 empty tasks in a line: each task's completion is one message the coordinator sends itself, so every level
 * is one more coordinator invocation in the chain that the trigger message started (21 in all).
 */
class RecursiveLoopIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    static final int LEVELS = 20;
    static final String LINE = "dag_id: line\ntasks:\n" + String.join("", IntStream.rangeClosed(1, LEVELS)
            .mapToObj(i -> "  - {task_id: l" + i + ", empty: true" + (i == 1 ? "" : ", upstream: [l" + (i - 1) + "]")
                    + "}\n").toList());
    static String trigger(String runId) {
        return "{\"type\":\"trigger\",\"dagId\":\"line\",\"runId\":\"" + runId + "\"}";
    }

    static Path template() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("template.yaml"))) {
            p = p.getParent();
        }
        return p.resolve("template.yaml");
    }

    @Test
    void aChainOfMoreThanSixteenCoordinatorInvocationsFinishesUnderTheTemplatesSetting() throws Exception {
        String runId = "line.manual__allowed";
        RecursiveLoop asDeployed = RecursiveLoop.fromTemplate(TemplateYaml.read(template()));
        try (DevStack stack = new DevStack(AWS, DevStack.options().withRecursiveLoop(asDeployed))) {
            DevResources.ensureDeadLetterQueue(stack.clients, stack.queueUrl);
            stack.putDag("line.yaml", LINE);
            stack.host.start();

            stack.sendMessage(trigger(runId));

            DagRun run = stack.awaitFinished(runId, Duration.ofSeconds(120));
            assertThat(run.state()).isEqualTo(RunState.SUCCESS);
            assertThat(stack.host.maxChainInvocations()).as("coordinator invocations in the one chain")
                    .isEqualTo(LEVELS + 1);
            assertThat(stack.host.recursionStops()).isZero();
        }
    }

    @Test
    void withoutRecursiveLoopAllowTheSeventeenthInvocationIsStoppedAndTheRunStalls() throws Exception {
        String runId = "line.manual__terminated";
        try (DevStack stack = new DevStack(AWS, DevStack.options().withRecursiveLoop(RecursiveLoop.terminate()))) {
            String dlq = DevResources.ensureDeadLetterQueue(stack.clients, stack.queueUrl);
            stack.putDag("line.yaml", LINE);
            stack.host.start();

            stack.sendMessage(trigger(runId));

            Message stopped = awaitOne(stack, dlq, Duration.ofSeconds(120));
            assertThat(stopped.body()).contains("\"type\":\"completion\"", "\"taskId\":\"l16\"");
            assertThat(stack.host.recursionStops()).isEqualTo(1);
            assertThat(stack.host.maxChainInvocations()).isEqualTo(RecursiveLoop.MAX_INVOCATIONS);
            assertThat(stack.store().run(runId).orElseThrow().state()).isEqualTo(RunState.RUNNING);
            assertThat(stack.instance(runId, "l15").state()).isEqualTo(TaskState.SUCCESS);
            assertThat(stack.instance(runId, "l16").state()).isEqualTo(TaskState.QUEUED);
            assertThat(stack.store().instances(runId)).noneMatch(t -> t.taskId().equals("l17"));
        }
    }

    private static Message awaitOne(DevStack stack, String queueUrl, Duration timeout) throws InterruptedException {
        Instant until = Instant.now().plus(timeout);
        while (Instant.now().isBefore(until)) {
            List<Message> m = stack.clients.sqs().receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(1))
                    .messages();
            if (!m.isEmpty()) {
                return m.get(0);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("nothing reached " + queueUrl + " within " + timeout);
    }
}
