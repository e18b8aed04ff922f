package dev.sluice.functions.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Json;
import dev.sluice.functions.Env;
import dev.sluice.functions.support.ShiftedClock;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The coordinator's alerts reach the stack's SNS topic: an SQS queue subscribed to the topic (as an on-call tool
 * would be) receives exactly one alert per failed run, a task alert when the DAG asks for email_on_failure, and one
 * per missed SLA. Through sluice dev's machinery on the test endpoint (moto here), real SNS and SQS clients.
 */
class AlertsIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    static final ShiftedClock CLOCK = new ShiftedClock();
    static DevStack stack;
    static String alertQueue;
    @TempDir
    static Path gates;

    @BeforeAll
    static void start() {
        var clients = AWS.clients();
        String topic = clients.sns().createTopic(b -> b.name(AwsEndpointExtension.uniqueName("alerts"))).topicArn();
        alertQueue = clients.sqs().createQueue(b -> b.queueName(AwsEndpointExtension.uniqueName("oncall")))
                .queueUrl();
        String queueArn = clients.sqs().getQueueAttributes(b -> b.queueUrl(alertQueue)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        clients.sns().subscribe(b -> b.topicArn(topic).protocol("sqs").endpoint(queueArn));
        stack = new DevStack(AWS, DevStack.options(), Map.of(Env.ALERT_TOPIC_ARN, topic,
                Env.STACK_NAME, "sluice-e2e", Env.STAGE, "test"), CLOCK);
        stack.host.start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    record Received(String subject, String body, String kind, String dagId) {
    }

    @Test
    void aFailedRunAndAMissedSlaEachSendOneAlertThatSaysWhatHappenedAndWhatToRun() throws Exception {
        stack.putDag("alerting.yaml", """
                dag_id: alerting
                default_args: {email: oncall@example.com, email_on_failure: true}
                tasks:
                  - {task_id: broken, command: "echo 'disk full on /data' >&2; exit 3"}
                  - {task_id: after, upstream: [broken], command: "echo never"}
                """);
        Path gate = gates.resolve("slow-may-finish");
        stack.putDag("slow.yaml", """
                dag_id: slow_sla
                tasks:
                  - {task_id: slow, command: "while [ ! -f GATE ]; do sleep 0.05; done", sla: 1s}
                """.replace("GATE", gate.toString()));
        String failedRun = "alerting.manual__e2e";
        String slowRun = "slow_sla.manual__e2e";

        stack.sendMessage(DevEndToEndIT.trigger("alerting", failedRun, null));
        stack.sendMessage(DevEndToEndIT.trigger("slow_sla", slowRun, null));
        stack.awaitState(slowRun, "slow", TaskState.RUNNING, Duration.ofSeconds(60));
        CLOCK.advance(Duration.ofSeconds(2)); // past the 1 s SLA, without waiting for it
        stack.host.tick(); // fires the due SLA timer, as the EventBridge Scheduler tick does
        Files.createFile(gate); // the slow task may finish now

        assertThat(stack.awaitFinished(failedRun, Duration.ofSeconds(60)).state()).isEqualTo(RunState.FAILED);
        DagRun slow = stack.awaitFinished(slowRun, Duration.ofSeconds(60));
        assertThat(slow.state()).isEqualTo(RunState.SUCCESS);
        List<Received> alerts = receive(Duration.ofSeconds(8));

        assertThat(alerts.stream().filter(a -> a.kind().equals("run_failed")).toList()).singleElement()
                .satisfies(a -> {
                    assertThat(a.dagId()).isEqualTo("alerting");
                    assertThat(a.subject()).isEqualTo("[sluice test] Run failed: alerting " + failedRun);
                    assertThat(a.body()).contains("Run:          " + failedRun, "broken, try 1 of 1",
                            "the command exited with 3", "sluice dev runs " + failedRun + " --stack sluice-e2e");
                });
        assertThat(alerts.stream().filter(a -> a.kind().equals("task_failed")).toList()).singleElement()
                .satisfies(a -> assertThat(a.body()).contains("Task:         broken",
                        "sluice tasks clear " + failedRun + " broken --stack sluice-e2e"));
        assertThat(alerts.stream().filter(a -> a.kind().equals("sla_missed")).toList()).singleElement()
                .satisfies(a -> {
                    assertThat(a.dagId()).isEqualTo("slow_sla");
                    assertThat(a.subject()).isEqualTo("[sluice test] SLA missed: slow_sla.slow " + slowRun);
                    assertThat(a.body()).contains("Task:         slow", "SLA:          PT1S");
                });
        assertThat(alerts).hasSize(3);
    }

    /** Everything that arrives on the subscribed queue within {@code window}, parsed from SNS's envelope. */
    private static List<Received> receive(Duration window) {
        List<Received> out = new ArrayList<>();
        Instant until = Instant.now().plus(window);
        while (Instant.now().isBefore(until)) {
            List<Message> batch = AWS.clients().sqs().receiveMessage(b -> b.queueUrl(alertQueue)
                    .maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
            for (Message m : batch) {
                JsonNode n = Json.read(m.body());
                JsonNode attrs = n.path("MessageAttributes");
                out.add(new Received(n.path("Subject").asText(), n.path("Message").asText(),
                        attrs.path("alert").path("Value").asText(), attrs.path("dag_id").path("Value").asText()));
                AWS.clients().sqs().deleteMessage(b -> b.queueUrl(alertQueue).receiptHandle(m.receiptHandle()));
            }
        }
        return out;
    }
}
