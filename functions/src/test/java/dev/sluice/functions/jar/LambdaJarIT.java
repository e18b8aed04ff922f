package dev.sluice.functions.jar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Json;
import dev.sluice.engine.TaskInstance;
import dev.sluice.functions.Env;
import dev.sluice.functions.devhost.DevResources;
import dev.sluice.functions.jar.LambdaServiceStandIn.SyncAnswer;
import dev.sluice.functions.support.Fixtures;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.PayloadStore;
import dev.sluice.infra.store.DynamoDbStateStore;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.schedule.RunIds;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.template.TemplateValues;
import dev.sluice.template.TemplateYaml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The Lambda jar ({@code target/sluice-functions.jar}, shrunk by ProGuard, see functions/lambda-jar.pro) is complete:
 * every function of template.yaml runs in a fresh JVM whose class path is that jar and {@link LambdaRuntimeStandIn}
 * only, with the Handler and environment the template gives it, and handles real event JSON against the
 * integration tests' AWS endpoint (moto here). A class or method the shrinking dropped and some path needs fails
 * that path's event, and the test with it.
 *
 * <p>The test plays the parts of AWS around the functions: the SQS event source mapping (coordinator queue ->
 * coordinator batches, partial batch responses honoured), Lambda's asynchronous invoke (the coordinator's dispatches
 * are delivered to the function they name, see {@link LambdaServiceStandIn}; the answers to synchronous invokes of
 * {@code function:} tasks too), EventBridge (S3 Object Created, ticks) and the on-call subscriber of the alert
 * topic. It covers each role: the coordinator (SQS triggers and completions, duplicates, S3 events in both shapes,
 * ticks, alerts to SNS, offloaded outputs read back from S3), the command runner (templated commands, outputs
 * offloaded to S3, {@code function:} tasks and a Lambda service error), and every task function of the template
 * (the warehouse example).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LambdaJarIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    /** Issue 4's limit on the deployment artifact of a function. */
    static final long MAX_JAR_BYTES = 20_000_000;
    /** The jar under test; {@code -Dsluice.lambdaJar=PATH} tries another build of it. */
    static final Path JAR = Path.of(System.getProperty("sluice.lambdaJar", "target/sluice-functions.jar"));
    static final Path WORK = Path.of("target/lambda-jar-it");
    static final String STACK = "sluice-jar-it";
    static final TemplateValues TEMPLATE_VALUES = new TemplateValues(Map.of("AWS::StackName", STACK));

    static AwsClients clients;
    static String table;
    static String bucket;
    static String queueUrl;
    static String queueArn;
    static String topicArn;
    static String oncallQueue;
    static DynamoDbStateStore store;
    static LambdaServiceStandIn lambda;
    static List<Path> classPath;
    static Map<String, JsonNode> functions;
    static final Map<String, FunctionProcess> running = new LinkedHashMap<>();
    static final List<String> handlerErrors = Collections.synchronizedList(new ArrayList<>());
    static Path tmp;

    @BeforeAll
    static void start() throws IOException {
        assertThat(JAR).as("the Lambda jar: run the package phase first").exists();
        classPath = List.of(FunctionProcess.standInFolder(WORK), JAR.toAbsolutePath());
        functions = templateFunctions();
        tmp = Files.createTempDirectory("lambda-jar-it");

        clients = AWS.clients();
        table = AWS.tableName();
        bucket = AwsEndpointExtension.uniqueName("sluice-jar");
        queueUrl = DevResources.ensure(clients, table, bucket, AwsEndpointExtension.uniqueName("coordinator"), 30);
        queueArn = clients.sqs().getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        topicArn = clients.sns().createTopic(b -> b.name(AwsEndpointExtension.uniqueName("alerts"))).topicArn();
        oncallQueue = clients.sqs().createQueue(b -> b.queueName(AwsEndpointExtension.uniqueName("oncall")))
                .queueUrl();
        String oncallArn = clients.sqs().getQueueAttributes(b -> b.queueUrl(oncallQueue)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        clients.sns().subscribe(b -> b.topicArn(topicArn).protocol("sqs").endpoint(oncallArn));
        store = DynamoDbStateStore.create(clients.dynamoDb(), table,
                new PayloadStore(clients.s3(), bucket, Env.DEFAULT_PAYLOAD_THRESHOLD_BYTES), Clock.systemUTC());
        lambda = new LambdaServiceStandIn(AWS.endpoint(), LambdaJarIT::answerSync);

        // Every DAG is in the bucket before the coordinator first lists the folder.
        String warehouse = Files.readString(Path.of("../examples/warehouse.yaml"))
                .replace("schedule: \"0 2 * * *\"\n", "")   // only the test's own trigger starts a run
                .replace("simulate_ms: 20", "simulate_ms: 1, work_dir: \"" + tmp.resolve("warehouse") + "\"");
        assertThat(warehouse).as("examples/warehouse.yaml, edited for the test").doesNotContain("schedule:")
                .contains("simulate_ms: 1,");
        putDag("warehouse.yaml", warehouse);
        putDag("jar_commands.yaml", COMMANDS_DAG);
        putDag("jar_landing.yaml", LANDING_DAG.replace("BUCKET", bucket));
        putDag("jar_hourly.yaml", HOURLY_DAG);
    }

    @AfterAll
    static void stop() {
        System.err.println("[lambda-jar] " + JAR + ": " + sizeOf(JAR) + " bytes");
        running.values().forEach(p -> System.err.println("[lambda-jar] " + p.name() + ": init done " + p.initMs()
                + " ms after JVM start, first event handled at " + p.firstEventMs() + " ms"));
        running.values().forEach(FunctionProcess::close);
        if (lambda != null) {
            lambda.close();
        }
    }

    // ------------------------------------------------------------------ the jar

    @Test
    @Order(1)
    void theJarIsAtMost20MbAndHoldsEveryClassItsServiceFilesName() throws IOException {
        assertThat(sizeOf(JAR)).as("%s (issue 4: at most 20 MB)", JAR).isLessThanOrEqualTo(MAX_JAR_BYTES);
        List<String> missing = new ArrayList<>();
        try (ZipFile z = new ZipFile(JAR.toFile())) {
            Set<String> classes = new TreeSet<>();
            z.stream().filter(e -> e.getName().endsWith(".class"))
                    .forEach(e -> classes.add(e.getName().replace('/', '.').replaceAll("\\.class$", "")));
            List<String> lists = z.stream().map(e -> e.getName())
                    .filter(n -> (n.startsWith("META-INF/services/") && !n.endsWith("/"))
                            || n.endsWith("/execution.interceptors")).toList();
            assertThat(lists).as("service and interceptor lists").isNotEmpty();
            for (String list : lists) {
                String text = new String(z.getInputStream(z.getEntry(list)).readAllBytes(), StandardCharsets.UTF_8);
                text.lines().map(l -> l.replaceAll("#.*", "").strip()).filter(l -> !l.isEmpty())
                        .filter(cls -> !classes.contains(cls)).forEach(cls -> missing.add(list + ": " + cls));
            }
        }
        assertThat(missing).as("classes named in the jar's service lists but not in the jar").isEmpty();
    }

    @Test
    @Order(2)
    void everyClassOfTheJarLinksAsItDoesInTheShadedJarBeforeShrinking() throws Exception {
        Path shaded = Path.of("target/sluice-functions-all.jar");
        assertThat(shaded).as("the shaded jar ProGuard reads").exists();
        Map<String, String> before = linkFailures(shaded);
        Map<String, String> after = linkFailures(JAR);
        Map<String, String> introduced = new TreeMap<>(after);
        introduced.keySet().removeAll(before.keySet());
        assertThat(introduced).as("classes that link in the shaded jar but not in %s", JAR).isEmpty();
    }

    /** Class -> error, for each class of {@code jar} that does not link in a JVM with only that jar. */
    static Map<String, String> linkFailures(Path jar) throws IOException, InterruptedException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:off",
                "-cp", FunctionProcess.standInFolder(WORK) + java.io.File.pathSeparator + jar.toAbsolutePath(),
                JarLinkCheck.class.getName(), jar.toAbsolutePath().toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(p.waitFor()).as("%s", lines).isZero();
        assertThat(lines).as("the check's output").anyMatch(l -> l.startsWith("CHECKED "));
        Map<String, String> failures = new TreeMap<>();
        lines.stream().filter(l -> l.startsWith("FAIL ")).forEach(l -> {
            String rest = l.substring("FAIL ".length());
            failures.put(rest.substring(0, rest.indexOf(' ')), rest.substring(rest.indexOf(' ') + 1));
        });
        System.err.println("[lambda-jar] " + jar + ": " + lines.get(lines.size() - 1) + ", " + failures.size()
                + " do not link (absent optional dependencies)");
        return failures;
    }

    // ------------------------------------------------------------------ task functions (the warehouse example)

    @Test
    @Order(3)
    void everyTaskFunctionOfTheTemplateRunsTheWarehouseExample() {
        String runId = "data_warehouse_pipeline.manual__jar";
        String trigger = "{\"type\":\"trigger\",\"dagId\":\"data_warehouse_pipeline\",\"runId\":\"" + runId + "\"}";
        send(trigger);
        send(trigger);   // SQS delivers at least once: the second is the same run

        DagRun run = pumpUntilFinished(runId, Duration.ofMinutes(5));

        assertThat(handlerErrors).isEmpty();
        assertThat(run.state()).as(describe(runId)).isEqualTo(RunState.SUCCESS);
        assertThat(store.instances(runId)).allSatisfy(t -> assertThat(t.state()).as(t.taskId())
                .isEqualTo(TaskState.SUCCESS));
        Set<String> taskFunctions = new TreeSet<>();
        functions.forEach((name, fn) -> {
            if (fn.path("Properties").path("Environment").path("Variables").has(Env.TASK_CLASS)) {
                taskFunctions.add(name);
            }
        });
        assertThat(taskFunctions).hasSize(9);
        assertThat(running.keySet()).containsAll(taskFunctions).contains("CoordinatorFunction");
    }

    // ------------------------------------------------------------------ the command runner

    static final String COMMANDS_DAG = """
            dag_id: jar_commands
            params: {greeting: hello}
            default_args: {email: oncall@example.com, email_on_failure: true}
            alerts:
              - {when: [failed], severity: critical, to: [sns]}
            tasks:
              - task_id: shout
                on_success: 'echo "callback of {{ task_id }}: $SLUICE_EVENT"'
                command: "echo '{\\"msg\\": \\"{{ params.greeting | upper }}\\", \\"ds\\": \\"{{ ds }}\\"}'"
              - task_id: big
                upstream: [shout]
                command: >-
                  awk 'BEGIN { pad = sprintf("%7000s", ""); gsub(/ /, "x", pad); printf "[";
                  for (i = 0; i < 10; i++) printf "%s\\"item-%d-%s\\"", (i ? "," : ""), i, pad; print "]" }'
              - {task_id: per_item, upstream: [big], expand_from: big, command: "echo {{ item | length }}"}
              - {task_id: call, upstream: [shout], function: sluice-task-echo}
              - {task_id: broken, upstream: [shout], function: sluice-task-missing}
            """;

    static SyncAnswer answerSync(String function, String payload) {
        return switch (function) {
            case "sluice-task-echo" -> SyncAnswer.ok(payload);
            default -> SyncAnswer.serviceError(404, "ResourceNotFoundException",
                    "Function not found: arn:aws:lambda:us-east-1:123456789012:function:" + function);
        };
    }

    @Test
    @Order(4)
    void theCommandRunnerRunsTemplatedCommandsOffloadsOutputsAndInvokesFunctions() throws Exception {
        String runId = "jar_commands.manual__jar";
        send("{\"type\":\"trigger\",\"dagId\":\"jar_commands\",\"runId\":\"" + runId + "\"}");

        DagRun run = pumpUntilFinished(runId, Duration.ofMinutes(3));

        assertThat(handlerErrors).isEmpty();
        assertThat(running).containsKey("CommandRunnerFunction");
        TaskInstance shout = instance(runId, "shout");
        assertThat(shout.state()).as(describe(runId)).isEqualTo(TaskState.SUCCESS);
        assertThat(Json.read(shout.outputJson()).path("msg").asText()).as("rendered by Jinjava").isEqualTo("HELLO");

        TaskInstance big = instance(runId, "big");
        assertThat(big.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(PayloadStore.referenceUri(big.outputJson())).as("a 70 KB output is offloaded to S3")
                .startsWith("s3://" + bucket + "/payloads/");
        assertThat(instance(runId, "per_item").mapCount()).as("expanded over the offloaded list").isEqualTo(10);
        assertThat(store.instances(runId).stream().filter(t -> t.taskId().equals("per_item") && t.mapIndex() >= 0))
                .hasSize(10).allSatisfy(t -> {
                    assertThat(t.state()).isEqualTo(TaskState.SUCCESS);
                    assertThat(t.outputJson()).isEqualTo("7007");
                });

        TaskInstance call = instance(runId, "call");
        assertThat(call.state()).isEqualTo(TaskState.SUCCESS);
        JsonNode sent = Json.read(call.outputJson());
        assertThat(sent.path("task_id").asText()).isEqualTo("call");
        assertThat(sent.path("upstream_outputs").path("shout").path("msg").asText()).isEqualTo("HELLO");

        TaskInstance broken = instance(runId, "broken");
        assertThat(broken.state()).isEqualTo(TaskState.FAILED);
        assertThat(broken.error()).contains("sluice-task-missing", "ResourceNotFound");
        assertThat(run.state()).isEqualTo(RunState.FAILED);

        List<String> subjects = alertSubjects(Duration.ofSeconds(5));
        assertThat(subjects).as("alerts on the topic").anySatisfy(s -> assertThat(s)
                .contains("Run failed: jar_commands " + runId));
        // effects run in the command runner process: the critical alert of the final failure, the shout callback
        assertThat(subjects).as("the alerts: route, sent by the command runner").anySatisfy(s -> assertThat(s)
                .startsWith("[sluice] [critical] jar_commands.broken failed (try 1/1)"));
        assertThat(store.effects(runId)).filteredOn(e -> e.task() != null && e.task().taskId().equals("shout"))
                .singleElement().satisfies(e -> assertThat(e.state()).isEqualTo(dev.sluice.engine.Effect.State.DONE));
    }

    // ------------------------------------------------------------------ coordinator: S3 events and ticks

    static final String LANDING_DAG = """
            dag_id: jar_landing
            trigger:
              s3: {bucket: BUCKET, key: "landing/*.csv"}
            tasks:
              - {task_id: validate, command: "echo '{\\"key\\": \\"{{ conf.key }}\\"}'"}
            """;

    static final String HOURLY_DAG = """
            dag_id: jar_hourly
            schedule: "@hourly"
            start_date: 2024-01-01
            catchup: false
            tasks:
              - {task_id: check, handler: dev.sluice.examples.warehouse.CheckSources, params: {simulate_ms: 1}}
            """;

    @Test
    @Order(5)
    void theCoordinatorStartsRunsFromS3EventsInBothShapesAndFromTheTick() {
        FunctionProcess coordinator = function("CoordinatorFunction");
        clients.s3().putObject(b -> b.bucket(bucket).key("landing/a.csv"), RequestBody.fromString("a"));
        clients.s3().putObject(b -> b.bucket(bucket).key("landing/b.csv"), RequestBody.fromString("b"));

        ObjectNode eventBridge = Fixtures.tree("s3-object-created-eventbridge.json");
        ((ObjectNode) eventBridge.path("detail").path("bucket")).put("name", bucket);
        ((ObjectNode) eventBridge.path("detail").path("object")).put("key", "landing/a.csv");
        eventBridge.putArray("resources").add("arn:aws:s3:::" + bucket);
        String notification = Fixtures.event("s3-put-notification.template.json")
                .replace("{{{region}}}", "us-east-1").replace("{{{partition}}}", "aws")
                .replace("{{{bucket}}}", bucket).replace("{{{key}}}", "landing/b.csv");

        for (String event : List.of(eventBridge.toString(), compact(notification), "{\"source\":\"sluice.tick\"}",
                compact(Fixtures.event("scheduled-event.json")))) {
            FunctionProcess.Result r = coordinator.invoke(event, Duration.ofMinutes(2));
            assertThat(r.ok()).as("%s:\n%s", event, r.body()).isTrue();
            assertThat(r.body()).as(event).isEqualTo("{}");
        }

        List<DagRun> landing = store.runs("jar_landing", 10);
        assertThat(landing).as("one run per object").hasSize(2);
        Set<String> keys = new TreeSet<>();
        for (DagRun r : landing) {
            assertThat(RunIds.kindOf(r.runId())).isEqualTo(RunIds.Kind.S3);
            assertThat(pumpUntilFinished(r.runId(), Duration.ofMinutes(2)).state()).isEqualTo(RunState.SUCCESS);
            keys.add(Json.read(instance(r.runId(), "validate").outputJson()).path("key").asText());
        }
        assertThat(keys).containsExactly("landing/a.csv", "landing/b.csv");

        List<DagRun> hourly = store.runs("jar_hourly", 10);
        assertThat(hourly).as("the tick started the latest hourly interval, once for two ticks").hasSize(1);
        assertThat(pumpUntilFinished(hourly.get(0).runId(), Duration.ofMinutes(2)).state())
                .isEqualTo(RunState.SUCCESS);
        assertThat(handlerErrors).isEmpty();
    }

    // ------------------------------------------------------------------ AWS's part

    /**
     * Delivers what AWS would until the run is finished: the coordinator's asynchronous invokes to the functions
     * they name, and the coordinator queue's messages to the coordinator in batches of up to 10.
     */
    static DagRun pumpUntilFinished(String runId, Duration timeout) {
        pumpUntil(() -> store.run(runId).map(r -> r.state().isTerminal()).orElse(false), timeout, runId);
        return store.run(runId).orElseThrow();
    }

    static void pumpUntil(BooleanSupplier done, Duration timeout, String what) {
        Instant until = Instant.now().plus(timeout);
        while (Instant.now().isBefore(until)) {
            try {
                LambdaServiceStandIn.Invocation inv = lambda.nextAsync(Duration.ZERO);
                if (inv != null) {
                    FunctionProcess.Result r = function(inv.function()).invoke(inv.payload(), Duration.ofMinutes(2));
                    if (!r.ok()) {
                        handlerErrors.add(inv.function() + ": " + r.body());
                    }
                    continue;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            List<Message> batch = clients.sqs().receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .visibilityTimeout(5).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            if (!batch.isEmpty()) {
                deliver(batch);
                continue;
            }
            if (done.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        throw new AssertionError(what + " did not finish within " + timeout + ": " + describe(what)
                + "; handler errors: " + handlerErrors);
    }

    /** One SQS batch to the coordinator, as the event source mapping with ReportBatchItemFailures does it. */
    static void deliver(List<Message> batch) {
        ObjectNode event = Json.MAPPER.createObjectNode();
        var records = event.putArray("Records");
        for (Message m : batch) {
            ObjectNode r = records.addObject();
            r.put("messageId", m.messageId());
            r.put("receiptHandle", m.receiptHandle());
            r.put("body", m.body());
            ObjectNode attrs = r.putObject("attributes");
            m.attributes().forEach((k, v) -> attrs.put(k.toString(), v));
            r.putObject("messageAttributes");
            r.put("md5OfBody", m.md5OfBody());
            r.put("eventSource", "aws:sqs");
            r.put("eventSourceARN", queueArn);
            r.put("awsRegion", "us-east-1");
        }
        FunctionProcess.Result r = function("CoordinatorFunction").invoke(event.toString(), Duration.ofMinutes(2));
        if (!r.ok()) {
            handlerErrors.add("CoordinatorFunction: " + r.body());
            return;   // the whole batch comes back after its visibility timeout
        }
        Set<String> failed = new TreeSet<>();
        Json.read(r.body()).path("batchItemFailures").forEach(f -> failed.add(f.path("itemIdentifier").asText()));
        for (Message m : batch) {
            if (!failed.contains(m.messageId())) {
                clients.sqs().deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        }
    }

    /** The function of that name (template.yaml's logical id), started on its first event like a cold container. */
    static synchronized FunctionProcess function(String invoked) {
        String name = logicalId(invoked);
        FunctionProcess p = running.get(name);
        if (p == null) {
            JsonNode fn = functions.get(name);
            assertThat(fn).as("a function named %s in template.yaml", name).isNotNull();
            List<String> flags = new ArrayList<>(FunctionProcess.LAMBDA_JVM_FLAGS);
            flags.add("-Xmx512m");
            p = FunctionProcess.start(name, classPath, fn.path("Properties").path("Handler").asText(),
                    environment(name, fn), flags, WORK.resolve(name + ".log"), Duration.ofMinutes(2));
            running.put(name, p);
        }
        return p;
    }

    /** The function's environment as Lambda would set it from template.yaml, against this test's resources. */
    static Map<String, String> environment(String name, JsonNode fn) {
        JsonNode template = TemplateYaml.read(Path.of("../template.yaml"));
        Map<String, String> refs = Map.of("StageName", "test", "StateTable", table, "DataBucket", bucket,
                "CoordinatorQueue", queueUrl, "AlertTopic", topicArn, "AWS::StackName", STACK,
                "CommandRunnerFunction.Alias", "CommandRunnerFunction");
        Map<String, String> env = new TreeMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        env.put("LANG", "C.UTF-8");
        env.put("TZ", "UTC");
        env.put("HOME", tmp.toString());
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put(AwsClients.ENDPOINT_ENV, lambda.uri().toString());
        JsonNode timeout = fn.path("Properties").path("Timeout");
        env.put("AWS_LAMBDA_FUNCTION_TIMEOUT", timeout.isMissingNode()
                ? template.path("Globals").path("Function").path("Timeout").asText() : timeout.asText());
        List<JsonNode> sources = List.of(template.path("Globals").path("Function").path("Environment")
                .path("Variables"), fn.path("Properties").path("Environment").path("Variables"));
        for (JsonNode vars : sources) {
            vars.fields().forEachRemaining(e -> {
                JsonNode v = e.getValue();
                String value;
                if (e.getKey().equals(Env.HANDLER_FUNCTION_PATTERN)) {
                    value = TEMPLATE_VALUES.string(v);   // routes by name, as deployed
                } else if (e.getKey().equals(Env.DLQ_URL)) {
                    value = "";   // no dead-letter queue here: the tick's redrive is off (DeadLetterRedriveIT tests it)
                } else if (e.getKey().equals(Env.ALERT_TOPICS)) {
                    value = "critical=" + topicArn + ",warning=" + topicArn + ",info=" + topicArn; // one subscriber
                } else if (v.isValueNode()) {
                    value = v.asText();
                } else if (v.has("Ref") && refs.containsKey(v.path("Ref").asText())) {
                    value = refs.get(v.path("Ref").asText());
                } else if (v.has("Ref") && template.path("Parameters").has(v.path("Ref").asText())) {
                    // a stack parameter: its default, as a deployment without overrides has it
                    value = template.path("Parameters").path(v.path("Ref").asText()).path("Default").asText();
                } else {
                    throw new AssertionError(name + ": no test value for " + e.getKey() + " = " + v);
                }
                env.put(e.getKey(), value);
            });
        }
        return env;
    }

    /**
     * The template's logical id of the function that an invocation names: a task function's FunctionName (evaluated
     * as CloudFormation would for {@link TemplateValues#STACK_ID}), or the logical id itself for the functions whose
     * names this test chooses.
     */
    static String logicalId(String invoked) {
        for (Map.Entry<String, JsonNode> e : functions.entrySet()) {
            JsonNode name = e.getValue().path("Properties").path("FunctionName");
            if (!name.isMissingNode() && TEMPLATE_VALUES.string(name).equals(invoked)) {
                return e.getKey();
            }
        }
        return invoked;
    }

    static Map<String, JsonNode> templateFunctions() {
        Map<String, JsonNode> out = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = TemplateYaml.read(Path.of("../template.yaml")).path("Resources")
                .fields();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getValue().path("Type").asText().equals("AWS::Serverless::Function")) {
                out.put(e.getKey(), e.getValue());
            }
        }
        assertThat(out).as("template.yaml functions").containsKeys("CoordinatorFunction", "CommandRunnerFunction");
        return out;
    }

    static void putDag(String file, String text) {
        clients.s3().putObject(b -> b.bucket(bucket).key(Env.DEFAULT_DAGS_PREFIX + file),
                RequestBody.fromString(text));
    }

    static void send(String body) {
        clients.sqs().sendMessage(b -> b.queueUrl(queueUrl).messageBody(body));
    }

    static TaskInstance instance(String runId, String taskId) {
        return store.instances(runId).stream().filter(t -> t.taskId().equals(taskId) && t.mapIndex() < 0)
                .findFirst().orElseThrow(() -> new AssertionError("no instance " + taskId + " in " + describe(runId)));
    }

    static String describe(String runId) {
        return runId + " is " + store.run(runId).map(r -> r.state().airflowName()).orElse("missing") + ", tasks "
                + store.instances(runId).stream().map(t -> t.taskId() + (t.mapIndex() >= 0 ? "[" + t.mapIndex() + "]"
                : "") + "=" + t.state().airflowName() + (t.error() == null ? "" : " (" + t.error() + ")")).toList();
    }

    /** Subjects of what arrives on the on-call queue (subscribed to the alert topic) within {@code window}. */
    static List<String> alertSubjects(Duration window) {
        List<String> out = new ArrayList<>();
        Instant until = Instant.now().plus(window);
        while (Instant.now().isBefore(until)) {
            for (Message m : clients.sqs().receiveMessage(b -> b.queueUrl(oncallQueue).maxNumberOfMessages(10)
                    .waitTimeSeconds(1)).messages()) {
                out.add(Json.read(m.body()).path("Subject").asText());
                clients.sqs().deleteMessage(b -> b.queueUrl(oncallQueue).receiptHandle(m.receiptHandle()));
            }
        }
        return out;
    }

    static String compact(String json) {
        return Json.read(json).toString();
    }

    static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }
}
