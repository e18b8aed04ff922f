package dev.sluice.functions.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.DagRun;
import dev.sluice.functions.WorkBudget;
import dev.sluice.functions.dispatch.DeadLetterRedrive;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.Messages;
import dev.sluice.functions.message.TaskRef;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.functions.support.Recorders;
import dev.sluice.functions.support.RunsOutContext;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Throttling cannot lose a completion: a completion that reached the coordinator's DLQ (5 throttled receives) is
 * sent back by the next tick and the run finishes; a message that keeps coming back stays in the DLQ after
 * {@link DeadLetterRedrive#DEFAULT_MAX_REDRIVES} automatic redrives; one tick moves only what its budget allows.
 */
class DeadLetterRedriveIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    @Test
    void aCompletionInTheDeadLetterQueueIsSentBackByTheNextTickAndTheRunFinishes() throws Exception {
        Recorders.RecordingDispatcher dispatched = new Recorders.RecordingDispatcher();
        try (DevStack stack = new DevStack(AWS, DevStack.options().withDispatcher(inner -> dispatched), Map.of(),
                Clock.systemUTC(), true)) {
            assertThat(stack.deadLetterQueueUrl).isNotNull();
            stack.putDag("one.yaml", "dag_id: one\ntasks:\n  - {task_id: a, command: 'true'}\n");
            stack.host.start();
            String runId = "one.manual__dlq";
            stack.sendMessage("{\"type\":\"trigger\",\"dagId\":\"one\",\"runId\":\"" + runId + "\"}");
            TaskRef a = awaitDispatched(dispatched, "a", Duration.ofSeconds(30));

            // The task's completion as the task runtime sends it, dead-lettered as after 5 throttled receives.
            String completion = Messages.write(new CoordinatorMessage.Completion(a,
                    new TaskResult.Succeeded("{\"done\":true}")));
            stack.clients.sqs().sendMessage(b -> b.queueUrl(stack.deadLetterQueueUrl).messageBody(completion));
            assertThat(stack.store().run(runId).orElseThrow().state()).isEqualTo(RunState.RUNNING);

            stack.host.tick();

            DagRun run = stack.awaitFinished(runId, Duration.ofSeconds(60));
            assertThat(run.state()).isEqualTo(RunState.SUCCESS);
            assertThat(stack.instance(runId, "a").state()).isEqualTo(TaskState.SUCCESS);
            assertThat(stack.instance(runId, "a").outputJson()).isEqualTo("{\"done\":true}");
            assertThat(visible(stack.clients, stack.deadLetterQueueUrl)).isZero();
        }
    }

    @Test
    void aMessageThatKeepsComingBackStaysInTheDeadLetterQueueAfterItsRedrives() {
        AwsClients c = AWS.clients();
        String queue = c.sqs().createQueue(b -> b.queueName(AwsEndpointExtension.uniqueName("q"))).queueUrl();
        String dlq = c.sqs().createQueue(b -> b.queueName(AwsEndpointExtension.uniqueName("q-dlq"))).queueUrl();
        DeadLetterRedrive redrive = new DeadLetterRedrive(c.sqs(), dlq, queue, () -> null,
                DeadLetterRedrive.DEFAULT_MAX_REDRIVES, quietLog());
        c.sqs().sendMessage(b -> b.queueUrl(dlq).messageBody("{\"type\":\"poison\"}"));

        for (int round = 1; round <= DeadLetterRedrive.DEFAULT_MAX_REDRIVES; round++) {
            assertThat(redrive.redrive(WorkBudget.unlimited())).isEqualTo(new DeadLetterRedrive.Result(1, 0));
            Message back = receiveOne(c, queue);
            assertThat(back.body()).isEqualTo("{\"type\":\"poison\"}");
            assertThat(back.messageAttributes().get(DeadLetterRedrive.ATTRIBUTE).stringValue())
                    .isEqualTo(Integer.toString(round));
            // It fails 5 more times; SQS moves it to the DLQ with its message attributes.
            c.sqs().sendMessage(b -> b.queueUrl(dlq).messageBody(back.body())
                    .messageAttributes(back.messageAttributes()));
            c.sqs().deleteMessage(b -> b.queueUrl(queue).receiptHandle(back.receiptHandle()));
        }

        assertThat(redrive.redrive(WorkBudget.unlimited())).isEqualTo(new DeadLetterRedrive.Result(0, 1));
        assertThat(c.sqs().receiveMessage(b -> b.queueUrl(queue).waitTimeSeconds(0)).messages()).isEmpty();
        Message kept = receiveOne(c, dlq); // visible again once its short hiding is over
        assertThat(kept.messageAttributes().get(DeadLetterRedrive.ATTRIBUTE).stringValue())
                .isEqualTo(Integer.toString(DeadLetterRedrive.DEFAULT_MAX_REDRIVES));
    }

    @Test
    void oneTickMovesOnlyWhatItsBudgetAllows() {
        AwsClients c = AWS.clients();
        String queue = c.sqs().createQueue(b -> b.queueName(AwsEndpointExtension.uniqueName("b"))).queueUrl();
        String dlq = c.sqs().createQueue(b -> b.queueName(AwsEndpointExtension.uniqueName("b-dlq"))).queueUrl();
        for (int i = 0; i < 5; i++) {
            String body = "{\"n\":" + i + "}";
            c.sqs().sendMessage(b -> b.queueUrl(dlq).messageBody(body)
                    .messageAttributes(Map.of(DeadLetterRedrive.ATTRIBUTE, MessageAttributeValue.builder()
                            .dataType("Number").stringValue("1").build())));
        }
        DeadLetterRedrive redrive = new DeadLetterRedrive(c.sqs(), dlq, queue, () -> null,
                DeadLetterRedrive.DEFAULT_MAX_REDRIVES, quietLog());
        // The budget reads the time at its start and before each unit: 2 units start, then the time is short.
        WorkBudget budget = WorkBudget.of(new RunsOutContext(3), Duration.ofSeconds(10));

        assertThat(redrive.redrive(budget).redriven()).isEqualTo(2);
        assertThat(budget.units()).isEqualTo(2);
        // The rest of the batch it had received is hidden for a few seconds, then the next tick moves it.
        int rest = 0;
        Instant until = Instant.now().plusSeconds(20);
        while (rest < 3 && Instant.now().isBefore(until)) {
            rest += redrive.redrive(WorkBudget.unlimited()).redriven();
        }
        assertThat(rest).isEqualTo(3);
        List<Message> all = new java.util.ArrayList<>();
        while (all.size() < 5 && Instant.now().isBefore(until)) {
            all.addAll(c.sqs().receiveMessage(b -> b.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .messageAttributeNames(DeadLetterRedrive.ATTRIBUTE)).messages());
        }
        assertThat(all).hasSize(5).allSatisfy(m -> assertThat(m.messageAttributes()
                .get(DeadLetterRedrive.ATTRIBUTE).stringValue()).isEqualTo("2"));
    }

    private static JsonLog quietLog() {
        return new JsonLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC());
    }

    private static Message receiveOne(AwsClients c, String queue) {
        Instant until = Instant.now().plusSeconds(20);
        while (Instant.now().isBefore(until)) {
            List<Message> got = c.sqs().receiveMessage(b -> b.queueUrl(queue).waitTimeSeconds(1)
                    .messageAttributeNames("All")).messages();
            if (!got.isEmpty()) {
                return got.get(0);
            }
        }
        throw new AssertionError("no message in " + queue);
    }

    private static int visible(AwsClients c, String queue) {
        return Integer.parseInt(c.sqs().getQueueAttributes(b -> b.queueUrl(queue).attributeNamesWithStrings(
                "ApproximateNumberOfMessages")).attributesAsStrings().get("ApproximateNumberOfMessages"));
    }

    private static TaskRef awaitDispatched(Recorders.RecordingDispatcher d, String taskId, Duration timeout)
            throws InterruptedException {
        Instant until = Instant.now().plus(timeout);
        while (Instant.now().isBefore(until)) {
            synchronized (d.invocations) {
                for (var i : d.invocations) {
                    if (i.invocation().task().taskId().equals(taskId)) {
                        return i.invocation().task();
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(taskId + " was never dispatched");
    }
}
