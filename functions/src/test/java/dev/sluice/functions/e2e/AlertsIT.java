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
    static final List<String> SEVERITIES = List.of("critical", "warning", "info");
    static final Map<String, String> severityQueues = new java.util.LinkedHashMap<>();
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
        StringBuilder topics = new StringBuilder();
        for (String severity : SEVERITIES) {
            String arn = clients.sns().createTopic(b -> b.name(AwsEndpointExtension.uniqueName(severity)))
                    .topicArn();
            String q = clients.sqs().createQueue(b -> b.queueName(AwsEndpointExtension.uniqueName(severity + "-q")))
                    .queueUrl();
            String qArn = clients.sqs().getQueueAttributes(b -> b.queueUrl(q)
                    .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
            clients.sns().subscribe(b -> b.topicArn(arn).protocol("sqs").endpoint(qArn));
            severityQueues.put(severity, q);
            topics.append(topics.isEmpty() ? "" : ",").append(severity).append('=').append(arn);
        }
        stack = new DevStack(AWS, DevStack.options(), Map.of(Env.ALERT_TOPIC_ARN, topic,
                Env.ALERT_TOPICS, topics.toString(), Env.STACK_NAME, "sluice-e2e", Env.STAGE, "test"), CLOCK);
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
        List<Received> alerts = receive(Duration.ofSeconds(8)).stream()
                .filter(a -> a.dagId().equals("alerting") || a.dagId().equals("slow_sla")).toList();

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
        assertThat(alerts).hasSize(3); // (the other test's DAG alerts this topic too: run_failed)
    }

    @Test
    void callbacksAndAlertsRunOnceInTheCommandRunnerWithTheirContext() throws Exception {
        Path out = gates.resolve("callbacks.txt");
        List<String> posts = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer hook = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/hook", ex -> {
            posts.add(new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        hook.start();
        try {
            String url = "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook";
            stack.putDag("callbacks.yaml", """
                    dag_id: callbacks
                    tags: [severity:critical]
                    default_args: {owner: data-team}
                    on_failure: 'echo "run|$SLUICE_EVENT|$SLUICE_RUN_ID|$SLUICE_TASK_ID" >> OUT'
                    alerts:
                      - when: [failed]
                        to: [sns, "webhook:URL", "webhook:http://127.0.0.1:1/down"]
                      - when: [retry]
                        severity: info
                        to: ["sns"]
                      - when: [success]
                        severity: warning
                        to: ["sns:warning"]
                    tasks:
                      - task_id: ok
                        command: 'true'
                        on_execute: 'echo "execute|{{ task_id }}|$SLUICE_TRY_NUMBER" >> OUT'
                        on_success: 'handler:dev.sluice.functions.e2e.RecordingCallback'
                      - task_id: bad_callback
                        command: 'true'
                        on_success: 'echo failing >&2; exit 7'
                      - task_id: flaky
                        upstream: [ok, bad_callback]
                        command: 'exit 3'
                        retries: 1
                        retry_delay: 0s
                        on_retry: 'echo "retry|{{ error }}|$SLUICE_TRY_NUMBER/$SLUICE_MAX_TRIES|$SLUICE_LOG" >> OUT'
                        on_failure: 'echo "failure|$SLUICE_ERROR|$SLUICE_OWNER|$SLUICE_TAGS" >> OUT'
                    """.replace("OUT", out.toString()).replace("URL", url));
            String runId = "callbacks.manual__e2e";
            stack.sendMessage(DevEndToEndIT.trigger("callbacks", runId, null));
            assertThat(stack.awaitFinished(runId, Duration.ofSeconds(60)).state()).isEqualTo(RunState.FAILED);
            List<dev.sluice.engine.Effect> effects = awaitEffectsEnded(runId, Duration.ofSeconds(60));

            // Each callback once, with the documented context.
            List<String> lines = Files.readAllLines(out);
            assertThat(lines).filteredOn(l -> l.startsWith("execute|")).containsExactly("execute|ok|1");
            assertThat(lines).filteredOn(l -> l.startsWith("retry|")).singleElement().satisfies(l -> {
                assertThat(l).startsWith("retry|the command exited with 3|1/2|https://");
                assertThat(l).contains("logs-insights", "sluice-e2e*2FCommandRunnerFunction", "flaky");
            });
            assertThat(lines).filteredOn(l -> l.startsWith("failure|"))
                    .containsExactly("failure|the command exited with 3|data-team|severity:critical");
            assertThat(lines).filteredOn(l -> l.startsWith("run|"))
                    .containsExactly("run|run_failed|" + runId + "|");
            assertThat(lines).hasSize(4);
            assertThat(RecordingCallback.CALLS).singleElement().satisfies(c -> {
                assertThat(c.event()).isEqualTo("success");
                assertThat(c.dagId()).isEqualTo("callbacks");
                assertThat(c.taskId()).isEqualTo("ok");
                assertThat(c.runId()).isEqualTo(runId);
                assertThat(c.tryNumber()).isEqualTo(1);
                assertThat(c.owner()).isEqualTo("data-team");
                assertThat(c.tags()).containsExactly("severity:critical");
                assertThat(c.log()).contains("logs-insights", "CommandRunnerFunction");
            });

            // A failing callback is recorded as failed and changes no state.
            assertThat(stack.instance(runId, "bad_callback").state()).isEqualTo(TaskState.SUCCESS);
            assertThat(stack.instance(runId, "ok").state()).isEqualTo(TaskState.SUCCESS);
            assertThat(effects).filteredOn(e -> e.task() != null && e.task().taskId().equals("bad_callback")
                    && e.kind() == dev.sluice.engine.Effect.Kind.SUCCESS).singleElement().satisfies(e -> {
                assertThat(e.state()).isEqualTo(dev.sluice.engine.Effect.State.FAILED);
                assertThat(e.detail()).contains("on_success", "exited with 7");
            });
            // The down webhook fails the failure effect (logged, recorded); the live one got the alert.
            assertThat(effects).filteredOn(e -> e.kind() == dev.sluice.engine.Effect.Kind.FAILURE).singleElement()
                    .satisfies(e -> assertThat(e.detail()).contains("webhook:http://127.0.0.1:1/down"));
            assertThat(posts).singleElement().satisfies(p -> {
                JsonNode n = Json.read(p);
                assertThat(n.path("text").asText()).startsWith("[critical] callbacks.flaky failed (try 2/2)");
                assertThat(n.path("task_id").asText()).isEqualTo("flaky");
                assertThat(n.path("severity").asText()).isEqualTo("critical");
            });

            // SNS: each alert on its severity's topic.
            Map<String, List<Received>> bySeverity = new java.util.LinkedHashMap<>();
            for (String severity : SEVERITIES) {
                bySeverity.put(severity, receive(severityQueues.get(severity), Duration.ofSeconds(3)));
            }
            assertThat(bySeverity.get("critical")).singleElement().satisfies(a -> {
                assertThat(a.kind()).isEqualTo("failure");
                assertThat(a.dagId()).isEqualTo("callbacks");
                assertThat(Json.read(a.body()).path("task_id").asText()).isEqualTo("flaky");
            });
            assertThat(bySeverity.get("info")).singleElement()
                    .satisfies(a -> assertThat(a.kind()).isEqualTo("retry"));
            assertThat(bySeverity.get("warning")).extracting(a -> Json.read(a.body()).path("task_id").asText())
                    .containsExactlyInAnyOrder("ok", "bad_callback");

            // A duplicate delivery of the same completions, and a second invocation of an effect, run nothing again.
            stack.sendMessage("{\"type\":\"completion\",\"dagId\":\"callbacks\",\"dagVersion\":\""
                    + stack.store().run(runId).orElseThrow().dagVersion() + "\",\"runId\":\"" + runId
                    + "\",\"taskId\":\"flaky\",\"mapIndex\":-1,\"tryNumber\":2,\"status\":\"failed\","
                    + "\"error\":\"the command exited with 3\",\"retryable\":true}");
            stack.sendMessage("{\"type\":\"completion\",\"dagId\":\"callbacks\",\"dagVersion\":\""
                    + stack.store().run(runId).orElseThrow().dagVersion() + "\",\"runId\":\"" + runId
                    + "\",\"taskId\":\"ok\",\"mapIndex\":-1,\"tryNumber\":1,\"status\":\"success\"}");
            var failure = effects.stream().filter(e -> e.kind() == dev.sluice.engine.Effect.Kind.FAILURE)
                    .findFirst().orElseThrow();
            String again = stack.host.functions().effectRuntime().handle(new dev.sluice.functions.message
                    .EffectInvocation("v", failure.withState(dev.sluice.engine.Effect.State.PENDING, null),
                    new dev.sluice.api.CallbackContext("failure", "callbacks", "flaky", -1, runId, null, 2, 2,
                            "x", null, List.of(), null, null), null), null);
            assertThat(again).contains("ignored");
            Map<String, Integer> more = new java.util.LinkedHashMap<>();
            for (String severity : SEVERITIES) {
                more.put(severity, receive(severityQueues.get(severity), Duration.ofSeconds(3)).size());
            }
            assertThat(more).containsOnly(Map.entry("critical", 0), Map.entry("warning", 0), Map.entry("info", 0));
            assertThat(Files.readAllLines(out)).isEqualTo(lines);
            assertThat(RecordingCallback.CALLS).hasSize(1);
            assertThat(posts).hasSize(1);
            assertThat(stack.store().effects(runId)).isEqualTo(effects);
        } finally {
            hook.stop(0);
        }
    }

    @Test
    void devCreateMakesTheStackTopicAndOnePerSeverityOnceAndNamesThemForTheFunctions() {
        var clients = AWS.clients();
        String queue = clients.sqs().createQueue(b -> b.queueName(AwsEndpointExtension.uniqueName("devq")))
                .queueUrl();
        Map<String, String> env = dev.sluice.functions.devhost.DevResources.ensureAlertTopics(clients, queue);
        assertThat(dev.sluice.functions.devhost.DevResources.ensureAlertTopics(clients, queue)).isEqualTo(env);
        Env.Config config = Env.from(env::get);
        assertThat(config.alertTopics()).containsOnlyKeys("critical", "warning", "info");
        String name = queue.substring(queue.lastIndexOf('/') + 1);
        assertThat(config.alertTopics().get("critical")).endsWith(":" + name + "-alerts-critical");
        assertThat(config.alertTopicArn()).endsWith(":" + name + "-alerts");
        List<String> topics = clients.sns().listTopics().topics().stream()
                .map(software.amazon.awssdk.services.sns.model.Topic::topicArn).toList();
        assertThat(topics).contains(config.alertTopicArn()).containsAll(config.alertTopics().values());
    }

    /** The run's effects once none is pending or running (the command runner ran them all). */
    private static List<dev.sluice.engine.Effect> awaitEffectsEnded(String runId, Duration timeout)
            throws InterruptedException {
        Instant until = Instant.now().plus(timeout);
        List<dev.sluice.engine.Effect> effects = stack.store().effects(runId);
        while (Instant.now().isBefore(until)) {
            effects = stack.store().effects(runId);
            if (!effects.isEmpty() && effects.stream().noneMatch(e -> e.hasWork()
                    && (e.state() == dev.sluice.engine.Effect.State.PENDING
                    || e.state() == dev.sluice.engine.Effect.State.RUNNING))) {
                return effects;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("effects of " + runId + " still pending after " + timeout + ": " + effects);
    }

    /** Everything that arrives on the subscribed queue within {@code window}, parsed from SNS's envelope. */
    private static List<Received> receive(Duration window) {
        return receive(alertQueue, window);
    }

    private static List<Received> receive(String queue, Duration window) {
        String alertQueue = queue;
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
