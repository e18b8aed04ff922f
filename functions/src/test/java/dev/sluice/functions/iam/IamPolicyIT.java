package dev.sluice.functions.iam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Json;
import dev.sluice.functions.Coordinator;
import dev.sluice.functions.Env;
import dev.sluice.functions.devhost.DevHost;
import dev.sluice.functions.dispatch.Dispatcher;
import dev.sluice.functions.iam.PolicyCheck.Grant;
import dev.sluice.functions.iam.TemplatePolicies.Statement;
import dev.sluice.functions.support.SerializedWrites;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.TableLayout;
import dev.sluice.infra.store.DynamoDbStateStore;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.template.TemplateYaml;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * Each function runs under the IAM policy template.yaml gives it. A moto server of this test's own enforces IAM
 * ({@code INITIAL_NO_AUTH_ACTION_COUNT=3}: the first three requests create an admin user, every later one must be
 * signed by a known user and allowed by its policies). Each function of the template gets an IAM user whose inline
 * policy is its role's policy, resolved to the emulated resources, and {@code sluice dev}'s host runs every hosted
 * function with its own user's credentials; the warehouse example (all nine task functions), a command task and a
 * {@code function:} task then run to success.
 *
 * <p>moto judges actions for every service, and resources for S3 (bucket and object ARNs) and SQS (queue ARNs) only; it
 * authorizes a call by its operation name (TransactWriteItems, SendMessageBatch) where AWS uses the item actions. So
 * the policy given to moto adds those operation names next to the actions AWS checks, and uses Resource "*" for the
 * other services; every call is also recorded (action and resource as AWS authorizes them) and checked statically
 * against the template's statements. A grant no call used fails the test unless {@link #ONLY_AWS_USES} says why.
 */
class IamPolicyIT {
    static final Region REGION = Region.US_EAST_1;
    static final String STACK = "sluice-iam";
    static final Path ROOT = root();
    static final JsonNode TEMPLATE = TemplateYaml.read(ROOT.resolve("template.yaml"));

    /** Grants (function/Sid/action, "*" for any function) no test path can use, and why. */
    static final Map<String, String> ONLY_AWS_USES = Map.of(
            "*/Logs/logs:CreateLogStream", "Lambda itself writes the function's log streams",
            "*/Logs/logs:PutLogEvents", "Lambda itself writes the function's log events",
            "*/Traces/xray:PutTraceSegments", "the Lambda runtime sends X-Ray segments (Tracing: Active)",
            "*/Traces/xray:PutTelemetryRecords", "the Lambda runtime sends X-Ray telemetry (Tracing: Active)",
            "CoordinatorFunction/DeadLetters/sqs:SendMessage",
            "Lambda sends a tick or S3 event whose async invocation failed 3 times to the DeadLetterQueue");

    /** Why a grant no call used is still needed, or null. */
    static String whyUnused(Grant g) {
        String why = ONLY_AWS_USES.getOrDefault(g.key(), ONLY_AWS_USES.get("*/" + g.sid() + "/" + g.action()));
        boolean taskFunction = functionsOfTemplate().get(g.function()).path("Environment").path("Variables")
                .has(Env.TASK_CLASS);
        if (why == null && taskFunction && g.sid().equals("WritePayloads")) {
            why = "outputs above SLUICE_PAYLOAD_THRESHOLD_BYTES (at least 1 KB); no warehouse task class returns "
                    + "that much (the command runner's path here stores one through the same PayloadStore.put)";
        }
        return why;
    }

    static URI moto;
    static SdkHttpClient http;
    static IamQuery iam;
    static AwsClients admin;
    static String account;
    static String table;
    static String bucket;
    static String queueUrl;
    static String dlqUrl;
    static String topicArn;
    /** The alert topics per severity: template logical id -> emulated ARN. */
    static final Map<String, String> SEVERITY_TOPICS = new LinkedHashMap<>();
    static Map<String, List<Statement>> policies;
    static final Queue<IamCall> CALLS = CallRecorder.newLog();
    static final Map<String, CallRecorder> RECORDERS = new HashMap<>();
    static final Map<String, AwsClients> IDENTITIES = new HashMap<>();
    static DevHost host;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        moto = AwsEndpointExtension.startMotoWith(Map.of("INITIAL_NO_AUTH_ACTION_COUNT", "3"));
        http = AwsEndpointExtension.serializingHttpClient();
        // requests 1-3 (unauthenticated): the admin user
        IamQuery anonymous = new IamQuery(moto, http, "test", "test");
        anonymous.createUser("admin");
        anonymous.putUserPolicy("admin", "all", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":\"*\",\"Resource\":\"*\"}]}");
        IamQuery.AccessKey adminKey = anonymous.createAccessKey("admin");
        iam = anonymous.as(adminKey);
        admin = clients(adminKey, List.of());

        table = AwsEndpointExtension.uniqueName("sluice-iam");
        bucket = AwsEndpointExtension.uniqueName("sluice-iam");
        TableLayout.createTable(admin.dynamoDb(), table);
        admin.s3().createBucket(b -> b.bucket(bucket));
        queueUrl = admin.sqs().createQueue(b -> b.queueName(AwsEndpointExtension.uniqueName("coordinator"))
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "30"))).queueUrl();
        String queueArn = admin.sqs().getQueueAttributes(b -> b.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        account = queueArn.split(":")[4];
        topicArn = admin.sns().createTopic(b -> b.name(AwsEndpointExtension.uniqueName("alerts"))).topicArn();
        // the coordinator queue's DLQ, named as Emulated names it: the tick redrives it under the coordinator's policy
        dlqUrl = admin.sqs().createQueue(b -> b.queueName(queueName("CoordinatorDeadLetterQueue"))).queueUrl();
        for (String severity : List.of("Critical", "Warning", "Info")) {
            SEVERITY_TOPICS.put("Alert" + severity + "Topic", admin.sns().createTopic(b -> b.name(
                    AwsEndpointExtension.uniqueName("alerts-" + severity.toLowerCase(java.util.Locale.ROOT))))
                    .topicArn());
        }

        policies = TemplatePolicies.of(TEMPLATE, new Emulated());
        for (String fn : policies.keySet()) {
            String user = "fn-" + fn;
            iam.createUser(user);
            iam.putUserPolicy(user, "template", motoPolicy(policies.get(fn)));
            CallRecorder recorder = new CallRecorder(fn, REGION.id(), account, CALLS);
            RECORDERS.put(fn, recorder);
            IDENTITIES.put(fn, clients(iam.createAccessKey(user), List.of(recorder)));
        }

        Map<String, String> handlerFunctions = new LinkedHashMap<>();
        functionsOfTemplate().forEach((fn, props) -> {
            String taskClass = props.path("Environment").path("Variables").path(Env.TASK_CLASS).asText(null);
            if (taskClass != null) {
                handlerFunctions.put(taskClass, fn);
            }
        });
        Map<String, String> env = new HashMap<>();
        env.put(Env.TABLE, table);
        env.put(Env.BUCKET, bucket);
        env.put(Env.QUEUE_URL, queueUrl);
        env.put(Env.ALERT_TOPIC_ARN, topicArn);
        env.put(Env.ALERT_TOPICS, "critical=" + SEVERITY_TOPICS.get("AlertCriticalTopic") + ",warning="
                + SEVERITY_TOPICS.get("AlertWarningTopic") + ",info=" + SEVERITY_TOPICS.get("AlertInfoTopic"));
        env.put(Env.STACK_NAME, STACK);
        env.put(Env.DLQ_URL, dlqUrl);
        env.put(Env.PAYLOAD_THRESHOLD_BYTES, "1024"); // outputs, errors and upstream outputs go through S3
        RequestStreamHandler echo = (in, out, ctx) -> {
            RECORDERS.get("CommandRunnerFunction").invoked(lambdaArn("sluice-task-echo", null));
            out.write(in.readAllBytes());
        };
        DevHost.Options options = DevHost.Options.defaults().withTickInterval(Duration.ZERO).withPollers(2)
                .withWaitSeconds(0).withSettings(Coordinator.Settings.defaults())
                .withStore(SerializedWrites.always())
                .withHandlerFunctions(handlerFunctions)
                .withFunctionClients(name -> IDENTITIES.get(logicalId(name)))
                .withLambda("sluice-task-echo", echo)
                .withDispatcher(inner -> (Dispatcher) (fn, json) -> {
                    // the in-process invoker stands for Lambda's Invoke API: record what the coordinator would call
                    RECORDERS.get("CoordinatorFunction").invoked(aliasArn(logicalId(fn)));
                    inner.invoke(fn, json);
                });
        host = new DevHost(Env.from(env::get), admin, options);
        host.start();
    }

    @AfterAll
    static void stop() {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void everyFunctionRunsTheWarehouseUnderItsTemplatePolicyAndEveryGrantIsUsed() throws Exception {
        assertEnforcementIsOn();
        String text = Files.readString(ROOT.resolve("examples/warehouse.yaml"))
                .replace("simulate_ms: 20", "simulate_ms: 1, work_dir: \"" + tmp.resolve("warehouse") + "\"")
                .replace("  owner: data-team\n", "  owner: data-team\n  email_on_retry: true\n")
                // effects: the command runner claims them and publishes to the warning topic
                .replace("alerts:\n", "alerts:\n  - {when: [run_succeeded], severity: warning, to: [sns]}\n")
                + "  - {task_id: iam_command, upstream: [send_completion_notification], command: 'printf \"x%.0s\" $(seq 1 3000)'}\n"
                + "  - {task_id: iam_function, upstream: [iam_command], function: sluice-task-echo}\n"
                // a command renders an offloaded upstream output: the coordinator reads it back from S3
                + "  - {task_id: iam_render, upstream: [iam_command], command: 'echo {{ outputs.iam_command | length }}'}\n";
        putDag("warehouse.yaml", text);
        String runId = "data_warehouse_pipeline.manual__iam";
        // a dead-lettered duplicate of the run's trigger: the tick sends it back (Receive, Delete on the DLQ)
        admin.sqs().sendMessage(b -> b.queueUrl(dlqUrl).messageBody("{\"type\":\"trigger\",\"dagId\":"
                + "\"data_warehouse_pipeline\",\"runId\":\"" + runId + "\"}"));

        int before = CALLS.size();
        DagRun run = runToEnd("data_warehouse_pipeline", runId, Duration.ofSeconds(90));
        awaitEffectsEnded(runId, Duration.ofSeconds(30));
        // A final failure (the critical topic) and a late task's SLA miss (its notice to the stack's alert topic),
        // both published by the command runner.
        putDag("iam_alerts.yaml", """
                dag_id: iam_alerts
                alerts:
                  - {when: [failed], severity: critical, to: [sns]}
                tasks:
                  - {task_id: late, command: 'sleep 2', sla: 1s, on_sla_miss: 'true'}
                  - {task_id: broken, upstream: [late], command: 'exit 3'}
                """);
        assertThat(runToEnd("iam_alerts", "iam_alerts.manual__iam", Duration.ofSeconds(60)).state())
                .isEqualTo(RunState.FAILED);
        awaitEffectsEnded("iam_alerts.manual__iam", Duration.ofSeconds(30));

        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(adminStore().instances(runId)).hasSize(12)
                .allSatisfy(t -> assertThat(t.state()).isEqualTo(TaskState.SUCCESS));
        assertThat(adminStore().instances(runId).stream().filter(t -> t.taskId().equals("iam_render")).findFirst()
                .orElseThrow().outputJson()).isEqualTo("3000"); // the offloaded 3000-character output, read back
        List<IamCall> calls = List.copyOf(CALLS);
        assertThat(calls.stream().skip(before).filter(IamCall::denied).toList()).as("calls the emulator denied")
                .isEmpty();
        calls = calls.stream().filter(c -> !c.denied()).toList(); // the other test's denials, if it ran first
        assertThat(PolicyCheck.notAllowed(policies, calls)).as("calls no template statement allows").isEmpty();

        Map<Grant, Boolean> usage = PolicyCheck.usage(policies, calls);
        List<String> unused = new ArrayList<>();
        StringBuilder report = new StringBuilder("[iam] grants no test path used:\n");
        usage.forEach((g, used) -> {
            if (!used) {
                String why = whyUnused(g);
                report.append("  ").append(g).append(why == null ? "  <- NOT EXPLAINED" : "  (" + why + ")")
                        .append('\n');
                if (why == null) {
                    unused.add(g.toString());
                }
            }
        });
        report.append("[iam] calls made (function, action, resource):\n");
        calls.stream().filter(c -> !c.denied()).map(c -> "  " + c.function() + " " + c.action() + " "
                + c.resource().replaceAll("/payloads/.*|/dags/.*", "/...") + " (" + c.operation() + ")").distinct()
                .sorted().forEach(l -> report.append(l).append('\n'));
        System.err.print(report);
        assertThat(unused).as("granted but used by no test path; remove them or say in ONLY_AWS_USES why only AWS "
                + "uses them").isEmpty();
        assertThat(usage.keySet()).extracting(Grant::function).containsAll(policies.keySet());

        // The static check fails where moto cannot judge the resource: without the index statement, the
        // coordinator's queries on gsi1 are not allowed.
        Map<String, List<Statement>> noIndex = new LinkedHashMap<>(policies);
        noIndex.put("CoordinatorFunction", policies.get("CoordinatorFunction").stream()
                .filter(s -> !s.resources().contains(tableArn() + "/index/" + TableLayout.GSI1)).toList());
        assertThat(PolicyCheck.notAllowed(noIndex, calls))
                .anySatisfy(m -> assertThat(m).contains("CoordinatorFunction dynamodb:Query on " + tableArn()
                        + "/index/" + TableLayout.GSI1).contains("no statement allows it"));
    }

    @Test
    void aFunctionMissingOneActionOfItsPolicyFailsTheRun() throws Exception {
        String fn = "CheckSourcesFunction";
        List<Statement> without = policies.get(fn).stream().map(s -> new Statement(s.function(), s.sid(), s.effect(),
                s.actions().stream().filter(a -> !a.equals("sqs:SendMessage")).toList(), s.resources()))
                .filter(s -> !s.actions().isEmpty()).toList();
        iam.putUserPolicy("fn-" + fn, "template", motoPolicy(without));
        try {
            putDag("one_check.yaml", """
                    dag_id: one_check
                    params: {simulate_ms: 1, work_dir: "%s"}
                    tasks:
                      - {task_id: check, handler: dev.sluice.examples.warehouse.CheckSources}
                    """.formatted(tmp.resolve("one")));
            assertThatThrownBy(() -> runToEnd("one_check", "one_check.manual__iam", Duration.ofSeconds(60)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("CheckSourcesFunction sqs:SendMessage on " + queueArn())
                    .hasMessageContaining("DENIED");
        } finally {
            iam.putUserPolicy("fn-" + fn, "template", motoPolicy(policies.get(fn)));
        }
    }

    // ------------------------------------------------------------------ the run

    /** Triggers a run and ticks until it ends; fails at once, naming the call, when the emulator denies one. */
    static DagRun runToEnd(String dagId, String runId, Duration timeout) throws InterruptedException {
        int before = CALLS.size();
        admin.sqs().sendMessage(b -> b.queueUrl(queueUrl).messageBody("{\"type\":\"trigger\",\"dagId\":\"" + dagId
                + "\",\"runId\":\"" + runId + "\"}"));
        DynamoDbStateStore store = adminStore();
        Instant until = Instant.now().plus(timeout);
        Instant nextTick = Instant.now();
        while (Instant.now().isBefore(until)) {
            List<IamCall> denied = CALLS.stream().skip(before).filter(IamCall::denied).toList();
            if (!denied.isEmpty()) {
                throw new AssertionError("calls denied under the template's policies:\n  "
                        + String.join("\n  ", denied.stream().map(IamCall::toString).distinct().toList()));
            }
            var r = store.run(runId);
            if (r.isPresent() && r.get().state().isTerminal()) {
                return r.get();
            }
            if (Instant.now().isAfter(nextTick)) {
                host.tick(); // the coordinator's tick path (timers, timeouts, SLAs, DAG refresh) under its identity
                nextTick = Instant.now().plusSeconds(3);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("run " + runId + " did not end within " + timeout + "; tasks "
                + store.instances(runId).stream().map(t -> t.taskId() + "=" + t.state().airflowName()).toList());
    }

    /** Waits until the command runner ran every effect of the run that has work (it runs after the run's end). */
    static void awaitEffectsEnded(String runId, Duration timeout) throws InterruptedException {
        Instant until = Instant.now().plus(timeout);
        while (Instant.now().isBefore(until)) {
            var effects = adminStore().effects(runId);
            if (effects.stream().anyMatch(dev.sluice.engine.Effect::hasWork) && effects.stream()
                    .filter(dev.sluice.engine.Effect::hasWork).allMatch(e -> e.state() == dev.sluice.engine.Effect
                            .State.DONE)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("effects of " + runId + " not done within " + timeout + ": "
                + adminStore().effects(runId));
    }

    static void putDag(String name, String text) {
        admin.s3().putObject(b -> b.bucket(bucket).key(Env.DEFAULT_DAGS_PREFIX + name), RequestBody.fromString(text));
        host.functions().dags().invalidate();
    }

    static DynamoDbStateStore adminStore() {
        return DynamoDbStateStore.create(admin.dynamoDb(), table);
    }

    /** The emulator refuses unknown credentials, and a function's own identity outside its policy. */
    static void assertEnforcementIsOn() {
        AwsClients stranger = AwsClients.create(REGION, moto, StaticCredentialsProvider.create(
                AwsBasicCredentials.create("test", "test")), http);
        assertThatThrownBy(() -> stranger.sqs().listQueues()).isInstanceOf(SqsException.class)
                .hasMessageContaining("403");
        assertThatThrownBy(() -> IDENTITIES.get("CheckSourcesFunction").sqs().receiveMessage(b -> b
                .queueUrl(queueUrl))).isInstanceOf(SqsException.class).hasMessageContaining("403");
        CALLS.removeIf(IamCall::denied);
    }

    // ------------------------------------------------------------------ policies

    /**
     * The statements as moto can enforce them: with the operation names moto checks beside the actions AWS checks,
     * and Resource "*" for services whose resources moto does not judge (those are checked statically).
     */
    static String motoPolicy(List<Statement> statements) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (Statement s : statements) {
            Map<String, Set<String>> byService = new LinkedHashMap<>();
            for (String a : s.actions()) {
                Set<String> names = byService.computeIfAbsent(a.substring(0, a.indexOf(':')), k -> new TreeSet<>());
                names.add(a);
                names.addAll(MOTO_OPERATIONS.getOrDefault(a, Set.of()));
            }
            byService.forEach((service, actions) -> {
                ObjectNode st = out.addObject();
                st.put("Effect", s.effect());
                ArrayNode as = st.putArray("Action");
                actions.forEach(as::add);
                ArrayNode rs = st.putArray("Resource");
                if (Set.of("s3", "sqs").contains(service)) {
                    s.resources().forEach(rs::add);
                } else {
                    rs.add("*");
                }
            });
        }
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("Version", "2012-10-17");
        doc.set("Statement", out);
        return doc.toString();
    }

    /** Operations moto authorizes under their own name, which AWS authorizes as these actions. */
    static final Map<String, Set<String>> MOTO_OPERATIONS = Map.of(
            "dynamodb:PutItem", Set.of("dynamodb:TransactWriteItems"),
            "dynamodb:UpdateItem", Set.of("dynamodb:TransactWriteItems"),
            "dynamodb:DeleteItem", Set.of("dynamodb:TransactWriteItems"),
            "dynamodb:ConditionCheckItem", Set.of("dynamodb:TransactWriteItems"),
            "dynamodb:GetItem", Set.of("dynamodb:TransactGetItems"),
            "sqs:SendMessage", Set.of("sqs:SendMessageBatch"),
            "sqs:DeleteMessage", Set.of("sqs:DeleteMessageBatch"),
            "sqs:ChangeMessageVisibility", Set.of("sqs:ChangeMessageVisibilityBatch"));

    // ------------------------------------------------------------------ the emulated stack

    /** Template logical ids resolved to this test's resources. */
    static final class Emulated implements TemplatePolicies.Resolver {
        @Override
        public String ref(String name) {
            switch (name) {
                case "AWS::Partition": return "aws";
                case "AWS::Region": return REGION.id();
                case "AWS::AccountId": return account;
                case "AWS::StackName": return STACK;
                case "AWS::StackId": return "arn:aws:cloudformation:" + REGION.id() + ":" + account + ":stack/"
                        + STACK + "/1a2b3c4d-0000-4000-8000-00000000beef";
                default: break;
            }
            if (name.endsWith(".Alias")) {
                return aliasArn(name.substring(0, name.length() - ".Alias".length()));
            }
            JsonNode parameter = TEMPLATE.path("Parameters").path(name);
            if (!parameter.isMissingNode()) {
                return parameter.path("Default").asText();
            }
            return switch (type(name)) {
                case "AWS::DynamoDB::Table" -> requireState(name, "StateTable", table);
                case "AWS::S3::Bucket" -> requireState(name, "DataBucket", bucket);
                case "AWS::SQS::Queue" -> name.equals("CoordinatorQueue") ? queueUrl
                        : "http://127.0.0.1/" + account + "/" + queueName(name);
                case "AWS::SNS::Topic" -> SEVERITY_TOPICS.containsKey(name) ? SEVERITY_TOPICS.get(name)
                        : requireState(name, "AlertTopic", topicArn);
                case "AWS::Serverless::Function" -> functionName(name);
                default -> throw new AssertionError("no emulated value for !Ref " + name);
            };
        }

        @Override
        public String getAtt(String resource, String attribute) {
            String key = type(resource) + "." + attribute;
            return switch (key) {
                case "AWS::DynamoDB::Table.Arn" -> tableArn();
                case "AWS::S3::Bucket.Arn" -> "arn:aws:s3:::" + ref(resource);
                case "AWS::SQS::Queue.Arn" -> "arn:aws:sqs:" + REGION.id() + ":" + account + ":" + queueName(resource);
                case "AWS::SQS::Queue.QueueName" -> queueName(resource);
                case "AWS::SNS::Topic.TopicName" -> topicArn.substring(topicArn.lastIndexOf(':') + 1);
                case "AWS::Logs::LogGroup.Arn" -> "arn:aws:logs:" + REGION.id() + ":" + account + ":log-group:"
                        + TemplatePolicies.resolve(TEMPLATE.path("Resources").path(resource).path("Properties")
                        .path("LogGroupName"), this) + ":*";
                case "AWS::Serverless::Function.Arn" -> lambdaArn(functionName(resource), null);
                default -> throw new AssertionError("no emulated value for !GetAtt " + resource + "." + attribute);
            };
        }

        private static String requireState(String name, String expected, String value) {
            if (!name.equals(expected)) {
                throw new AssertionError("the test emulates only " + expected + ", not " + name);
            }
            return value;
        }
    }

    static String type(String logicalId) {
        JsonNode r = TEMPLATE.path("Resources").path(logicalId);
        if (r.isMissingNode()) {
            throw new AssertionError("template.yaml has no resource " + logicalId);
        }
        return r.path("Type").asText();
    }

    static String queueName(String logicalId) {
        return logicalId.equals("CoordinatorQueue") ? queueUrl.substring(queueUrl.lastIndexOf('/') + 1)
                : STACK + "-" + logicalId;
    }

    static String tableArn() {
        return "arn:aws:dynamodb:" + REGION.id() + ":" + account + ":table/" + table;
    }

    static String queueArn() {
        return "arn:aws:sqs:" + REGION.id() + ":" + account + ":" + queueName("CoordinatorQueue");
    }

    /** A function's name as CloudFormation would make it: its FunctionName, else stack-LogicalId-suffix. */
    static String functionName(String logicalId) {
        JsonNode name = TEMPLATE.path("Resources").path(logicalId).path("Properties").path("FunctionName");
        return name.isMissingNode() ? STACK + "-" + logicalId + "-IAMTEST" : TemplatePolicies.resolve(name,
                new Emulated());
    }

    static String aliasArn(String functionLogicalId) {
        return lambdaArn(functionName(functionLogicalId), "live");
    }

    static String lambdaArn(String name, String qualifier) {
        return "arn:aws:lambda:" + REGION.id() + ":" + account + ":function:" + name
                + (qualifier == null ? "" : ":" + qualifier);
    }

    /** The hosted function's template logical id. */
    static String logicalId(String hostedName) {
        return switch (hostedName) {
            case DevHost.COORDINATOR -> "CoordinatorFunction";
            case DevHost.COMMAND_RUNNER -> "CommandRunnerFunction";
            default -> hostedName;
        };
    }

    static Map<String, JsonNode> functionsOfTemplate() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        TEMPLATE.path("Resources").fields().forEachRemaining(e -> {
            if ("AWS::Serverless::Function".equals(e.getValue().path("Type").asText())) {
                out.put(e.getKey(), e.getValue().path("Properties"));
            }
        });
        return out;
    }

    static AwsClients clients(IamQuery.AccessKey key, List<software.amazon.awssdk.core.interceptor.ExecutionInterceptor> interceptors) {
        return AwsClients.create(REGION, moto, StaticCredentialsProvider.create(
                AwsBasicCredentials.create(key.id(), key.secret())), http, interceptors);
    }

    private static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("template.yaml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no template.yaml above " + Path.of("").toAbsolutePath());
    }

}
