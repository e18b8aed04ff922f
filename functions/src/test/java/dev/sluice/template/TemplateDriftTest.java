package dev.sluice.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.functions.Coordinator;
import dev.sluice.functions.Env;
import dev.sluice.functions.dispatch.FunctionRouter;
import dev.sluice.infra.PayloadStore;
import dev.sluice.infra.TableLayout;
import dev.sluice.model.TaskKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * template.yaml and the code cannot drift apart: the table the store code uses, the environment the functions read,
 * the task classes the example DAGs name and the handler classes the template names must all agree.
 * (scripts/check-template.sh proves the template itself with sam validate, cfn-lint, checkov and sam build.)
 */
class TemplateDriftTest {
    private static final Path ROOT = repositoryRoot();
    private static final JsonNode TEMPLATE = TemplateYaml.read(ROOT.resolve("template.yaml"));
    private static final JsonNode RESOURCES = TEMPLATE.path("Resources");

    private static final String COORDINATOR_HANDLER = "dev.sluice.functions.CoordinatorHandler";
    private static final String TASK_FUNCTION_HANDLER = "dev.sluice.functions.TaskFunctionHandler";
    private static final String COMMAND_RUNNER_HANDLER = "dev.sluice.functions.CommandRunnerHandler";
    private static final String COORDINATOR = "CoordinatorFunction";

    /**
     * Variables meant for one kind of function. Every other variable the code reads must be set on every function,
     * so a new variable in {@link Env} fails this test until the template sets it (or it is added here).
     */
    private static final Map<String, Set<String>> ONLY_ON = Map.of(
            Env.TASK_CLASS, Set.of(TASK_FUNCTION_HANDLER),
            Env.COMMAND_RUNNER_FUNCTION, Set.of(COORDINATOR_HANDLER),
            Env.HANDLER_FUNCTION_PATTERN, Set.of(COORDINATOR_HANDLER),
            // the coordinator's run alerts; the command runner's SLA-miss notices (sent with their effect)
            Env.ALERT_TOPIC_ARN, Set.of(COORDINATOR_HANDLER, COMMAND_RUNNER_HANDLER),
            Env.ALERT_TOPICS, Set.of(COMMAND_RUNNER_HANDLER),
            Env.STACK_NAME, Set.of(COORDINATOR_HANDLER),
            Env.TIME_MARGIN_MS, Set.of(COORDINATOR_HANDLER),
            Env.DLQ_URL, Set.of(COORDINATOR_HANDLER));

    // ------------------------------------------------------------------ table

    @Test
    void tableKeysGsiAndTtlAreTheOnesTheStoreUses() {
        JsonNode table = resource("StateTable");
        assertThat(table.path("Type").asText()).isEqualTo("AWS::DynamoDB::Table");
        JsonNode p = table.path("Properties");

        assertThat(p.path("BillingMode").asText()).isEqualTo("PAY_PER_REQUEST");
        assertThat(keySchema(p.path("KeySchema")))
                .containsExactly(Map.entry(TableLayout.PK, "HASH"), Map.entry(TableLayout.SK, "RANGE"));

        Map<String, String> attributeTypes = new TreeMap<>();
        p.path("AttributeDefinitions").forEach(a ->
                attributeTypes.put(a.path("AttributeName").asText(), a.path("AttributeType").asText()));
        assertThat(attributeTypes).isEqualTo(Map.of(TableLayout.PK, "S", TableLayout.SK, "S",
                TableLayout.GSI1_PK, "S", TableLayout.GSI1_SK, "S"));

        assertThat(p.path("GlobalSecondaryIndexes")).hasSize(1);
        JsonNode gsi = p.path("GlobalSecondaryIndexes").get(0);
        assertThat(gsi.path("IndexName").asText()).isEqualTo(TableLayout.GSI1);
        assertThat(keySchema(gsi.path("KeySchema")))
                .containsExactly(Map.entry(TableLayout.GSI1_PK, "HASH"), Map.entry(TableLayout.GSI1_SK, "RANGE"));
        assertThat(gsi.path("Projection").path("ProjectionType").asText()).isEqualTo("ALL");

        assertThat(p.path("TimeToLiveSpecification").path("AttributeName").asText()).isEqualTo(TableLayout.TTL);
        assertThat(p.path("TimeToLiveSpecification").path("Enabled").asBoolean()).isTrue();
        assertThat(p.path("PointInTimeRecoverySpecification").path("PointInTimeRecoveryEnabled").asBoolean())
                .isTrue();
        assertThat(p.path("SSESpecification").path("SSEEnabled").asBoolean()).isTrue();
    }

    // ------------------------------------------------------------------ environment

    @Test
    void everyVariableTheCodeReadsIsSetOnTheFunctionsThatNeedIt() {
        Set<String> read = variablesTheCodeReads();
        assertThat(read).as("variables found in Env and System.getenv calls").contains(Env.TABLE, Env.QUEUE_URL);

        List<String> missing = new ArrayList<>();
        functions().forEach((name, fn) -> {
            Set<String> env = environment(fn).keySet();
            String handler = handlerClass(fn);
            for (String var : read) {
                Set<String> only = ONLY_ON.get(var);
                boolean needed = only == null || only.contains(handler);
                if (needed && !env.contains(var)) {
                    missing.add(name + " lacks " + var);
                }
                if (!needed && env.contains(var)) {
                    missing.add(name + " sets " + var + ", which only " + only.stream().map(TemplateDriftTest::simpleName).sorted().toList()
                            + " functions read");
                }
            }
        });
        assertThat(missing).isEmpty();
    }

    @Test
    void everySluiceVariableInTheTemplateIsReadByTheCode() {
        Set<String> read = variablesTheCodeReads();
        Set<String> unread = new TreeSet<>();
        functions().values().forEach(fn -> environment(fn).keySet().stream()
                .filter(v -> v.startsWith("SLUICE_") && !read.contains(v))
                .forEach(unread::add));
        assertThat(unread).as("set by template.yaml but read by no code (typo?)").isEmpty();
    }

    @Test
    void dagsPrefixAndPayloadThresholdAreTheCodeDefaults() {
        Map<String, JsonNode> env = environment(resource(COORDINATOR));
        assertThat(env.get(Env.DAGS_PREFIX).asText()).isEqualTo(Env.DEFAULT_DAGS_PREFIX);
        assertThat(env.get(Env.PAYLOAD_THRESHOLD_BYTES).asText())
                .isEqualTo(String.valueOf(Env.DEFAULT_PAYLOAD_THRESHOLD_BYTES));
    }

    // ------------------------------------------------------------------ handlers

    @Test
    void everyHandlerInAnExampleDagHasATaskFunction() {
        Map<String, String> taskFunctions = taskFunctionsByClass();
        Map<String, Path> named = exampleDagHandlers();
        assertThat(named).as("handler classes named by examples/*.yaml").isNotEmpty();
        List<String> missing = new ArrayList<>();
        named.forEach((cls, dag) -> {
            if (!taskFunctions.containsKey(cls)) {
                missing.add(cls + " (" + ROOT.relativize(dag) + ") has no function with "
                        + Env.TASK_CLASS + ": " + cls);
            }
        });
        assertThat(missing).isEmpty();
    }

    @Test
    void coordinatorRoutesEachHandlerClassToItsOwnFunctionByName() {
        TemplateValues values = new TemplateValues(Map.of());
        String pattern = values.string(environment(resource(COORDINATOR)).get(Env.HANDLER_FUNCTION_PATTERN));
        FunctionRouter router = new FunctionRouter(pattern, "runner");
        String alias = TEMPLATE.path("Globals").path("Function").path("AutoPublishAlias").asText();
        Map<String, String> routed = new TreeMap<>();
        Map<String, String> expected = new TreeMap<>();
        taskFunctionsByClass().forEach((cls, fn) -> {
            routed.put(cls, router.functionFor(new TaskKind.Handler(cls)).orElseThrow());
            expected.put(cls, "arn:aws:lambda:us-east-1:123456789012:function:"
                    + values.string(resource(fn).path("Properties").path("FunctionName")) + ":" + alias);
        });
        assertThat(routed).isNotEmpty().isEqualTo(expected);
    }

    @Test
    void coordinatorMayInvokeEveryTaskRuntimeAndNothingElse() {
        TemplateValues values = new TemplateValues(Map.of());
        List<Pattern> grants = new ArrayList<>();
        Set<String> byAlias = new TreeSet<>();
        int[] statements = {0};
        String role = resource(COORDINATOR).path("Properties").path("Role").path("Fn::GetAtt").path(0).asText();
        resource(role).path("Properties").path("Policies").forEach(p -> p.path("PolicyDocument").path("Statement")
                .forEach(st -> {
                    if (st.path("Action").toString().contains("lambda:InvokeFunction")) {
                        statements[0]++;
                        JsonNode r = st.path("Resource");
                        (r.isArray() ? r : List.of(r)).forEach(one -> {
                            if (one.has("Ref")) {
                                byAlias.add(one.path("Ref").asText().replace(".Alias", ""));
                            } else {
                                grants.add(iamGlob(values.string(one)));
                            }
                        });
                    }
                }));
        String alias = TEMPLATE.path("Globals").path("Function").path("AutoPublishAlias").asText();
        Set<String> invocable = new TreeSet<>(byAlias);
        functions().forEach((name, fn) -> {
            JsonNode fnName = fn.path("Properties").path("FunctionName");
            String physical = fnName.isMissingNode() ? "sluice-test-" + name + "-A1B2C3D4E5F6" : values.string(fnName);
            String arn = "arn:aws:lambda:us-east-1:123456789012:function:" + physical + ":" + alias;
            if (grants.stream().anyMatch(g -> g.matcher(arn).matches())) {
                invocable.add(name);
            }
        });
        Set<String> runtimes = new TreeSet<>(functions().keySet());
        runtimes.remove(COORDINATOR);
        assertThat(invocable).isEqualTo(runtimes);
        assertThat(statements[0]).as("one invoke statement for all task functions, however many").isEqualTo(1);
        assertThat(grants).as("one name pattern for all task functions, however many").hasSize(1);
    }

    @Test
    void taskRuntimesGiveUpOnStaleEventsWhenTheEngineDoes() {
        long giveUp = Coordinator.Settings.defaults().queuedLease().toSeconds();
        functions().forEach((name, fn) -> {
            if (!name.equals(COORDINATOR)) {
                JsonNode age = fn.path("Properties").path("EventInvokeConfig").path("MaximumEventAgeInSeconds");
                assertThat(age.isIntegralNumber()).as(name + " sets MaximumEventAgeInSeconds").isTrue();
                assertThat(age.asLong()).as(name).isBetween(60L, giveUp);
            }
        });
    }

    @Test
    void runPayloadsExpireAndDagVersionsDoNot() {
        List<String> expiring = new ArrayList<>();
        resource("DataBucket").path("Properties").path("LifecycleConfiguration").path("Rules").forEach(rule -> {
            if (rule.has("ExpirationInDays") || rule.has("ExpirationDate")) {
                expiring.add(rule.path("Prefix").asText(rule.path("Filter").path("Prefix").asText("")));
            }
        });
        assertThat(expiring).containsExactly(PayloadStore.RUNS_PREFIX);
        assertThat(PayloadStore.DAG_VERSIONS_PREFIX).doesNotStartWith(PayloadStore.RUNS_PREFIX);
        assertThat(PayloadStore.key("dags", dev.sluice.engine.TaskKey.of("x"), 1, ".json"))
                .startsWith(PayloadStore.RUNS_PREFIX).doesNotStartWith(PayloadStore.DAG_VERSIONS_PREFIX);
    }

    /** An IAM resource pattern ({@code *} any run of characters, {@code ?} one) as a regex. */
    private static Pattern iamGlob(String resource) {
        StringBuilder re = new StringBuilder();
        for (char c : resource.toCharArray()) {
            re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString());
    }

    @Test
    void everyFunctionHandlerAndTaskClassIsOnTheFunctionsClasspath() {
        List<String> problems = new ArrayList<>();
        functions().forEach((name, fn) -> {
            String handler = fn.path("Properties").path("Handler").asText();
            assertThat(handler).as(name + " Handler").matches("[\\w.$]+::handleRequest");
            checkClass(name, handlerClass(fn), true, problems);
            JsonNode taskClass = environment(fn).get(Env.TASK_CLASS);
            if (taskClass != null) {
                checkClass(name, taskClass.asText(), false, problems);
            }
        });
        assertThat(problems).isEmpty();
    }

    // ------------------------------------------------------------------ wiring the engine relies on

    @Test
    void coordinatorQueueOutlivesSixCoordinatorTimeouts() {
        int timeout = resource(COORDINATOR).path("Properties").path("Timeout").asInt();
        JsonNode queue = resource("CoordinatorQueue").path("Properties");
        assertThat(timeout).isPositive();
        assertThat(queue.path("VisibilityTimeout").asInt()).isGreaterThanOrEqualTo(6 * timeout);
        assertThat(queue.path("RedrivePolicy").path("maxReceiveCount").asInt()).isEqualTo(5);

        JsonNode mapping = resource("CoordinatorQueueMapping").path("Properties");
        assertThat(mapping.path("EventSourceArn").path("Fn::GetAtt").get(0).asText()).isEqualTo("CoordinatorQueue");
        assertThat(mapping.path("FunctionName").path("Ref").asText()).isEqualTo(COORDINATOR + ".Alias");
        assertThat(mapping.path("FunctionResponseTypes").toString()).contains("ReportBatchItemFailures");
        assertThat(mapping.path("ScalingConfig").has("MaximumConcurrency")).isTrue();
    }

    @Test
    void taskRuntimesNeverRetryAndReportFailuresToTheCoordinatorQueue() {
        functions().forEach((name, fn) -> {
            if (name.equals(COORDINATOR)) {
                return;
            }
            JsonNode config = fn.path("Properties").path("EventInvokeConfig");
            assertThat(config.path("MaximumRetryAttempts").asInt(-1)).as(name).isZero();
            JsonNode onFailure = config.path("DestinationConfig").path("OnFailure");
            assertThat(onFailure.path("Type").asText()).as(name).isEqualTo("SQS");
            assertThat(onFailure.path("Destination").path("Fn::GetAtt").get(0).asText()).as(name)
                    .isEqualTo("CoordinatorQueue");
        });
    }

    @Test
    void objectCreatedRuleIgnoresPayloadsSluiceWritesItself() {
        JsonNode key = resource("ObjectCreatedRule").path("Properties").path("EventPattern")
                .path("detail").path("object").path("key");
        assertThat(key.toString()).contains("\"anything-but\"")
                .contains("\"prefix\":\"" + PayloadStore.KEY_PREFIX + "\"");
    }

    // ------------------------------------------------------------------ helpers

    private static void checkClass(String function, String cls, boolean handler, List<String> problems) {
        try {
            Class<?> c = Class.forName(cls, false, TemplateDriftTest.class.getClassLoader());
            if (handler && Stream.of(c.getMethods()).noneMatch(m -> m.getName().equals("handleRequest"))) {
                problems.add(function + ": " + cls + " has no public handleRequest method");
            }
        } catch (ClassNotFoundException e) {
            problems.add(function + ": class " + cls + " does not exist");
        }
    }

    /** SLUICE_* names in the functions' {@link Env} constants and in any System.getenv("SLUICE_...") call. */
    private static Set<String> variablesTheCodeReads() {
        Set<String> vars = new TreeSet<>();
        for (Field f : Env.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    String v = (String) f.get(null);
                    if (v.startsWith("SLUICE_")) {
                        vars.add(v);
                    }
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        Pattern getenv = Pattern.compile("getenv\\(\\s*\"(SLUICE_[A-Z0-9_]+)\"");
        for (String module : List.of("functions", "infra")) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
                files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                    Matcher m = getenv.matcher(readString(f));
                    while (m.find()) {
                        vars.add(m.group(1));
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return vars;
    }

    /** Handler class -> the first example DAG that names it, from every {@code handler:} in examples/*.yaml. */
    private static Map<String, Path> exampleDagHandlers() {
        Map<String, Path> handlers = new TreeMap<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("examples"))) {
            files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .sorted()
                    .forEach(f -> collectHandlers(TemplateYaml.read(f), f, handlers));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return handlers;
    }

    private static void collectHandlers(JsonNode node, Path dag, Map<String, Path> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("handler") && e.getValue().isTextual() && !e.getValue().asText().contains("{{")) {
                    out.putIfAbsent(e.getValue().asText(), dag);
                } else {
                    collectHandlers(e.getValue(), dag, out);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectHandlers(n, dag, out));
        }
    }

    /** SLUICE_TASK_CLASS -> logical id of the function that hosts it. */
    private static Map<String, String> taskFunctionsByClass() {
        Map<String, String> out = new TreeMap<>();
        functions().forEach((name, fn) -> {
            JsonNode cls = environment(fn).get(Env.TASK_CLASS);
            if (cls != null) {
                assertThat(handlerClass(fn)).as(name).isEqualTo(TASK_FUNCTION_HANDLER);
                String previous = out.put(cls.asText(), name);
                if (previous != null) {
                    fail(cls.asText() + " is hosted by both " + previous + " and " + name);
                }
            }
        });
        return out;
    }

    private static Map<String, JsonNode> functions() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        RESOURCES.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals("AWS::Serverless::Function")) {
                out.put(e.getKey(), e.getValue());
            }
        });
        assertThat(out).containsKey(COORDINATOR);
        return out;
    }

    /** The function's environment as SAM deploys it: Globals merged with the function's own variables. */
    private static Map<String, JsonNode> environment(JsonNode function) {
        Map<String, JsonNode> env = new TreeMap<>();
        TEMPLATE.path("Globals").path("Function").path("Environment").path("Variables").fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue()));
        function.path("Properties").path("Environment").path("Variables").fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue()));
        return env;
    }

    private static String handlerClass(JsonNode function) {
        String handler = function.path("Properties").path("Handler").asText();
        int colons = handler.indexOf("::");
        return colons < 0 ? handler : handler.substring(0, colons);
    }

    private static JsonNode resource(String logicalId) {
        JsonNode r = RESOURCES.path(logicalId);
        assertThat(r.isMissingNode()).as("template.yaml has resource " + logicalId).isFalse();
        return r;
    }

    private static List<Map.Entry<String, String>> keySchema(JsonNode schema) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        schema.forEach(k -> out.add(Map.entry(k.path("AttributeName").asText(), k.path("KeyType").asText())));
        return out;
    }

    private static String simpleName(String cls) {
        return cls.substring(cls.lastIndexOf('.') + 1);
    }

    private static String readString(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("template.yaml")) && Files.isDirectory(p.resolve("functions"))) {
                return p;
            }
        }
        throw new IllegalStateException("no template.yaml above " + Path.of("").toAbsolutePath());
    }
}
