package dev.sluice.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.sluice.engine.TaskInstance;
import dev.sluice.functions.Coordinator;
import dev.sluice.functions.Env;
import dev.sluice.functions.Functions;
import dev.sluice.functions.QueueHandler;
import dev.sluice.functions.devhost.DevResources;
import dev.sluice.functions.dispatch.Dispatcher;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.Messages;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.message.TaskRef;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.functions.obs.Metrics;
import dev.sluice.infra.AwsClients;
import dev.sluice.state.TaskState;
import dev.sluice.store.StateStore;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * {@code sluice dlq list} and {@code sluice dlq redrive} against the emulator, with a real coordinator over DynamoDB
 * and SQS: a completion that was already applied is put in the DLQ, redriven, and handled again by the coordinator's
 * queue handler. The run's state is unchanged and nothing new is dispatched.
 */
class DlqRedriveIT {
    static final String DAG = """
            dag_id: redrive
            tasks:
              - {task_id: a, handler: com.example.A}
              - {task_id: b, upstream: [a], handler: com.example.B}
            """;

    @Test
    void redrivingAnAppliedCompletionChangesNothing() {
        String endpoint = EmulatorEndpoint.get().toString();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String table = "sluice-dlq-" + suffix;
        String bucket = "sluice-dlq-" + suffix;
        try (AwsClients clients = AwsClients.create(Region.US_EAST_1, EmulatorEndpoint.get(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))) {
            String queue = DevResources.ensure(clients, table, bucket, "sluice-dlq-" + suffix, 30);
            String dlq = clients.sqs().createQueue(b -> b.queueName("sluice-dlq-" + suffix + "-dlq")).queueUrl();
            clients.s3().putObject(b -> b.bucket(bucket).key("dags/redrive.yaml"), RequestBody.fromString(DAG));
            Map<String, String> env = new HashMap<>();
            env.put(Env.TABLE, table);
            env.put(Env.BUCKET, bucket);
            env.put(Env.QUEUE_URL, queue);
            env.put(Env.HANDLER_FUNCTION_PATTERN, "task-fn");
            PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
            Functions functions = new Functions(Env.from(env::get), clients, Clock.systemUTC(),
                    new JsonLog(quiet, Clock.systemUTC()), new Metrics(quiet, Clock.systemUTC()),
                    UnaryOperator.identity());
            List<TaskInvocation> dispatched = Collections.synchronizedList(new ArrayList<>());
            Dispatcher recording = (function, payload) -> dispatched.add(TaskInvocation.parse(payload));
            Coordinator coordinator = functions.coordinator(recording, Coordinator.Settings.defaults());
            StateStore store = functions.store();

            String runId = "redrive.manual__dlq";
            coordinator.handle(new CoordinatorMessage.Trigger("redrive", null, runId, null), null);
            TaskRef a = dispatched.get(0).task();
            String done = Messages.write(new CoordinatorMessage.Completion(a, new TaskResult.Succeeded("{\"n\":1}")));
            coordinator.handle(Messages.parse(done), null); // applied once: a succeeds, b is dispatched
            assertThat(dispatched).extracting(i -> i.task().taskId()).containsExactly("a", "b");
            List<TaskInstance> before = store.instances(runId);
            assertThat(before).filteredOn(t -> t.taskId().equals("a")).singleElement()
                    .satisfies(t -> assertThat(t.state()).isEqualTo(TaskState.SUCCESS));

            clients.sqs().sendMessage(b -> b.queueUrl(dlq).messageBody(done));
            clients.sqs().sendMessage(b -> b.queueUrl(dlq).messageBody("{\"type\":\"bogus\"}"));
            drain(clients, queue); // the watchdogs the coordinator queued: not part of this test

            String list = sluice("dlq", "list", "--endpoint", endpoint, "--queue", dlq);
            assertThat(list).contains("Completion", "runId=" + runId, "task=a", "try=1", "malformed",
                    "unknown message type 'bogus'", "2 message(s)");
            String listAgain = sluice("dlq", "list", "--endpoint", endpoint, "--queue", dlq, "--json");
            assertThat(listAgain).contains("\"type\":\"Completion\"", "\"type\":\"malformed\"");

            String redrive = sluice("dlq", "redrive", "--endpoint", endpoint, "--queue", dlq, "--to", queue);
            assertThat(redrive).contains("2 message(s) sent back to " + queue);
            assertThat(sluice("dlq", "list", "--endpoint", endpoint, "--queue", dlq)).contains("is empty");

            List<Message> back = drain(clients, queue);
            assertThat(back).extracting(Message::body).containsExactlyInAnyOrder(done, "{\"type\":\"bogus\"}");
            SQSBatchResponse response = new QueueHandler(coordinator, new JsonLog(quiet, Clock.systemUTC()),
                    new Metrics(quiet, Clock.systemUTC())).handleRequest(sqsEvent(back), null);

            assertThat(response.getBatchItemFailures()).extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                    .containsExactly(back.stream().filter(m -> m.body().contains("bogus")).findFirst().orElseThrow()
                            .messageId()); // the poison one fails again, on its way back to the DLQ
            assertThat(store.instances(runId)).isEqualTo(before);
            assertThat(dispatched).extracting(i -> i.task().taskId()).containsExactly("a", "b");
        }
    }

    private static List<Message> drain(AwsClients clients, String queue) {
        List<Message> all = new ArrayList<>();
        for (int empty = 0; empty < 2; ) {
            List<Message> got = clients.sqs().receiveMessage(b -> b.queueUrl(queue).maxNumberOfMessages(10)
                    .waitTimeSeconds(0)).messages();
            if (got.isEmpty()) {
                empty++;
            }
            for (Message m : got) {
                all.add(m);
                clients.sqs().deleteMessage(b -> b.queueUrl(queue).receiptHandle(m.receiptHandle()));
            }
        }
        return all;
    }

    private static SQSEvent sqsEvent(List<Message> messages) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message m : messages) {
            SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
            r.setMessageId(m.messageId());
            r.setBody(m.body());
            r.setEventSource("aws:sqs");
            records.add(r);
        }
        SQSEvent e = new SQSEvent();
        e.setRecords(records);
        return e;
    }

    private static String sluice(String... args) {
        dev.sluice.cli.CliRunner.Result r = dev.sluice.cli.CliRunner.run(args);
        assertThat(r.exitCode()).as("sluice %s: %s", String.join(" ", args), r.err()).isZero();
        return r.out();
    }
}
