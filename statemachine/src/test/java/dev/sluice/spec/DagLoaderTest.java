package dev.sluice.spec;

import static dev.sluice.spec.SpecFixtures.dag;
import static dev.sluice.spec.SpecFixtures.valid;
import static dev.sluice.spec.SpecFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Callbacks;
import dev.sluice.model.CircuitBreakerSpec;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.Problem;
import dev.sluice.model.RetryPolicy;
import dev.sluice.model.S3Trigger;
import dev.sluice.model.TaskGroup;
import dev.sluice.model.TaskKind;
import dev.sluice.model.TaskSpec;
import dev.sluice.model.TriggerRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DagLoaderTest {

    private static final RetryPolicy WAREHOUSE_RETRY =
            new RetryPolicy.Airflow(2, Duration.ofMinutes(5), true, Duration.ofMinutes(30));

    @Test
    void theIssueExampleIsAcceptedExactlyAsWritten() {
        DagLoader.LoadResult r = DiskDagLoader.load(dag("warehouse.yaml"));

        assertThat(r.problems()).isEmpty();
        Dag d = r.dag();
        assertThat(d.dagId()).isEqualTo("data_warehouse_pipeline");
        assertThat(d.description()).isEqualTo("End-to-end data warehouse pipeline");
        assertThat(d.schedule()).isEqualTo("0 2 * * *");
        assertThat(d.timezone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(d.startDate()).isEqualTo(LocalDateTime.of(2024, 1, 1, 0, 0));
        assertThat(d.endDate()).isEqualTo(LocalDateTime.of(2024, 12, 31, 0, 0));
        assertThat(d.catchup()).isFalse();
        assertThat(d.maxActiveRuns()).isEqualTo(1);
        assertThat(d.maxActiveTasks()).isEqualTo(16);
        assertThat(d.tags()).containsExactly("production", "data-warehouse");
        assertThat(d.params()).isEqualTo(Map.of("full_refresh", false));
        assertThat(d.pools()).isEqualTo(Map.of("salesforce_api", 2));
        assertThat(d.defaultArgs()).containsEntry("owner", "data-team").containsEntry("retries", 2)
                .containsEntry("retry_delay", "5m");
        assertThat(d.source()).endsWith("warehouse.yaml");
        assertThat(d.trigger()).isEmpty();

        assertThat(d.taskIds()).containsExactly("check_source_availability", "extract_sources.extract_salesforce",
                "extract_sources.extract_apis", "load_to_staging", "choose_path", "weekday", "weekend", "converge",
                "per_table", "notify");
        assertThat(d.groups()).containsExactly(new TaskGroup("extract_sources",
                List.of("extract_sources.extract_salesforce", "extract_sources.extract_apis"),
                List.of("extract_sources.extract_salesforce", "extract_sources.extract_apis"),
                List.of("extract_sources.extract_salesforce", "extract_sources.extract_apis")));

        // default_args apply to every task; the task's own execution_timeout wins.
        TaskSpec check = d.task("check_source_availability");
        assertThat(check.kind()).isEqualTo(new TaskKind.Command("test -d /tmp"));
        assertThat(check.retry()).isEqualTo(WAREHOUSE_RETRY);
        assertThat(check.owner()).isEqualTo("data-team");
        assertThat(check.executionTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(check.upstream()).isEmpty();

        // A group's upstream applies to its roots; a group in upstream means its leaves.
        TaskSpec salesforce = d.task("extract_sources.extract_salesforce");
        assertThat(salesforce.group()).isEqualTo("extract_sources");
        assertThat(salesforce.upstream()).containsExactly("check_source_availability");
        assertThat(salesforce.pool()).isEqualTo("salesforce_api");
        assertThat(salesforce.executionTimeout()).isEqualTo(Duration.ofHours(1));
        TaskSpec apis = d.task("extract_sources.extract_apis");
        assertThat(apis.retry()).isEqualTo(new RetryPolicy.Airflow(3, Duration.ofMinutes(5), true,
                Duration.ofMinutes(30)));
        assertThat(apis.maxTries()).isEqualTo(4);
        assertThat(apis.pool()).isNull();
        TaskSpec load = d.task("load_to_staging");
        assertThat(load.upstream()).containsExactly("extract_sources.extract_salesforce",
                "extract_sources.extract_apis");
        assertThat(load.kind()).isEqualTo(new TaskKind.Handler("com.example.LoadStaging"));

        assertThat(d.task("choose_path").branch()).isTrue();
        assertThat(d.task("weekday").branch()).isFalse();
        assertThat(d.downstream("choose_path")).containsExactly("weekday", "weekend");
        assertThat(d.task("converge").triggerRule()).isEqualTo(TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS);
        assertThat(d.task("converge").upstream()).containsExactly("weekday", "weekend");
        TaskSpec perTable = d.task("per_table");
        assertThat(perTable.expand()).containsExactly("orders", "customers", "products");
        assertThat(perTable.isMapped()).isTrue();
        assertThat(perTable.kind()).isEqualTo(new TaskKind.Command("echo {{ item }}"));
        assertThat(d.task("notify").triggerRule()).isEqualTo(TriggerRule.ALL_DONE);
        assertThat(d.task("weekday").triggerRule()).isEqualTo(TriggerRule.ALL_SUCCESS);
        assertThat(d.leaves()).containsExactly("notify");
        assertThat(d.roots()).containsExactly("check_source_availability");
    }

    @Test
    void theJsonEquivalentYieldsAnEqualModel() {
        DagLoader.LoadResult yaml = DiskDagLoader.load(dag("warehouse.yaml"));
        DagLoader.LoadResult json = DiskDagLoader.load(dag("warehouse.json"));

        assertThat(json.problems()).isEmpty();
        assertSameModel(json.dag(), yaml.dag());
    }

    @Test
    void jsonIsRecognisedByContentWhenTheNameSaysNothing() {
        DagLoader.LoadResult r = DagLoader.loadString(
                "{\"dag_id\": \"j\", \"tasks\": [{\"task_id\": \"a\", \"empty\": true}]}", "inline");
        assertThat(r.problems()).isEmpty();
        assertThat(r.dag().task("a").kind()).isEqualTo(TaskKind.empty());
    }

    @Test
    void theJavaBuilderYieldsAnEqualModel() {
        Dag loaded = valid("""
                dag_id: small
                schedule: "@daily"
                timezone: Europe/Berlin
                start_date: 2024-03-01
                tags: [team-a]
                default_args: {owner: ops, retries: 1, retry_delay: 30s}
                pools: {db: 3}
                tasks:
                  - {task_id: start, empty: true}
                  - group_id: load
                    upstream: start
                    tasks:
                      - {task_id: a, command: "load a", pool: db, pool_slots: 2}
                      - {task_id: b, command: "load b", upstream: a}
                  - {task_id: report, upstream: [load], handler: com.example.Report, trigger_rule: all_done,
                     retries: 4, priority_weight: 10}
                """).dag();

        Dag built = DagBuilder.dag("small")
                .schedule("@daily").timezone("Europe/Berlin").startDate(LocalDate.of(2024, 3, 1)).tags("team-a")
                .pool("db", 3)
                .defaults(t -> t.owner("ops").retry(new RetryPolicy.Airflow(1, Duration.ofSeconds(30), false, null)))
                .task("start", TaskSpec.Builder::empty)
                .group("load", List.of("start"), g -> g
                        .task("a", t -> t.command("load a").pool("db").poolSlots(2))
                        .task("b", t -> t.command("load b").upstream("a")), dev.sluice.model.Location.UNKNOWN)
                .task("report", t -> t.upstream("load").handler("com.example.Report")
                        .triggerRule(TriggerRule.ALL_DONE).retries(4).priorityWeight(10))
                .build();

        assertThat(loaded.tasks()).isEqualTo(built.tasks());
        assertThat(loaded.groups()).isEqualTo(built.groups());
        assertThat(loaded.schedule()).isEqualTo(built.schedule());
        assertThat(loaded.timezone()).isEqualTo(built.timezone());
        assertThat(loaded.startDate()).isEqualTo(built.startDate());
        assertThat(loaded.tags()).isEqualTo(built.tags());
        assertThat(loaded.pools()).isEqualTo(built.pools());
        assertThat(loaded.task("report").retry()).isEqualTo(new RetryPolicy.Airflow(4, Duration.ofSeconds(30),
                false, null));
    }

    @Test
    void airflowDefaultsApplyWhenFieldsAreAbsent() {
        Dag d = valid("""
                dag_id: minimal
                tasks:
                  - task_id: only
                    command: "true"
                """).dag();

        assertThat(d.schedule()).isNull();
        assertThat(d.timezone()).isEqualTo(ZoneOffset.UTC);
        assertThat(d.catchup()).isFalse();
        assertThat(d.maxActiveRuns()).isEqualTo(16);
        assertThat(d.maxActiveTasks()).isEqualTo(16);
        assertThat(d.startDate()).isNull();
        TaskSpec t = d.task("only");
        assertThat(t.triggerRule()).isEqualTo(TriggerRule.ALL_SUCCESS);
        assertThat(t.retry()).isEqualTo(new RetryPolicy.Airflow(0, Duration.ofMinutes(5), false, null));
        assertThat(t.poolSlots()).isEqualTo(1);
        assertThat(t.priorityWeight()).isEqualTo(1);
        assertThat(t.pool()).isNull();
        assertThat(t.owner()).isNull();
        assertThat(t.callbacks()).isEqualTo(Callbacks.NONE);
    }

    @Test
    void everyPerTaskFieldIsRead() {
        Dag d = valid("""
                dag_id: fields
                pools: {api: 4}
                tasks:
                  - {task_id: src, function: "arn:aws:lambda:eu-west-1:123456789012:function:src"}
                  - task_id: full
                    upstream: src
                    command: "run.sh"
                    trigger_rule: one_success
                    retries: 3
                    retry_delay: 1h30m
                    retry_exponential_backoff: true
                    max_retry_delay: PT2H
                    execution_timeout: 500ms
                    pool: api
                    pool_slots: 2
                    priority_weight: 7
                    sla: 2d
                    params: {table: orders, limit: 10, nested: {a: [1, 2]}}
                    on_failure: "alert.sh"
                    on_retry: "handler:com.example.OnRetry"
                    on_success: "done.sh"
                    expand_from: src
                    doc: Loads everything.
                    owner: alice
                    circuit_breaker: {name: api, failure_threshold: 3, recovery_timeout: 10m}
                  - {task_id: fn, upstream: [full], function: my-function, description: "a function", branch: false}
                """).dag();

        TaskSpec t = d.task("full");
        assertThat(t.kind()).isEqualTo(new TaskKind.Command("run.sh"));
        assertThat(t.upstream()).containsExactly("src");
        assertThat(t.triggerRule()).isEqualTo(TriggerRule.ONE_SUCCESS);
        assertThat(t.retry()).isEqualTo(new RetryPolicy.Airflow(3, Duration.ofMinutes(90), true,
                Duration.ofHours(2)));
        assertThat(t.executionTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(t.pool()).isEqualTo("api");
        assertThat(t.poolSlots()).isEqualTo(2);
        assertThat(t.priorityWeight()).isEqualTo(7);
        assertThat(t.sla()).isEqualTo(Duration.ofDays(2));
        assertThat(t.params()).isEqualTo(Map.of("table", "orders", "limit", 10, "nested",
                Map.of("a", List.of(1, 2))));
        assertThat(t.callbacks()).isEqualTo(new Callbacks("alert.sh", "handler:com.example.OnRetry", "done.sh"));
        assertThat(t.expandFrom()).isEqualTo("src");
        assertThat(t.doc()).isEqualTo("Loads everything.");
        assertThat(t.owner()).isEqualTo("alice");
        assertThat(t.circuitBreaker()).isEqualTo(new CircuitBreakerSpec("api", 3, Duration.ofMinutes(10)));
        assertThat(d.task("src").kind())
                .isEqualTo(new TaskKind.Function("arn:aws:lambda:eu-west-1:123456789012:function:src"));
        assertThat(d.task("fn").kind()).isEqualTo(new TaskKind.Function("my-function"));
        assertThat(d.task("fn").doc()).isEqualTo("a function");
    }

    @Test
    void stepFunctionsRetryPolicyIsAnAlternativeToAirflowFields() {
        Dag d = valid("""
                dag_id: sfn
                default_args: {retries: 2, retry_delay: 1m}
                tasks:
                  - task_id: a
                    command: "a"
                    retry_policy: {type: stepfunctions, max_attempts: 5, interval: 2s, backoff_rate: 1.5,
                                   max_delay: 1m, jitter: full}
                  - {task_id: b, command: "b", retry_policy: {type: stepfunctions}}
                  - {task_id: c, command: "c", retry_policy: {retries: 1, jitter: none}}
                  - {task_id: d, command: "d"}
                """).dag();

        assertThat(d.task("a").retry()).isEqualTo(new RetryPolicy.StepFunctions(5, Duration.ofSeconds(2), 1.5,
                Duration.ofMinutes(1), true));
        // Without max_attempts the task's (here: default) retries count; interval 1s and rate 2.0 are AWS's defaults.
        assertThat(d.task("b").retry()).isEqualTo(new RetryPolicy.StepFunctions(2, Duration.ofSeconds(1), 2.0,
                null, false));
        assertThat(d.task("c").retry()).isEqualTo(new RetryPolicy.StepFunctions(1, Duration.ofSeconds(1), 2.0,
                null, false));
        assertThat(d.task("d").retry()).isEqualTo(new RetryPolicy.Airflow(2, Duration.ofMinutes(1), false, null));
    }

    @Test
    void defaultArgsSupplyAnyTaskFieldAndTheTasksOwnFieldsWin() {
        Dag d = valid("""
                dag_id: defaults
                pools: {shared: 2, other: 1}
                default_args:
                  trigger_rule: all_done
                  pool: shared
                  command: "default.sh"
                  priority_weight: 5
                  params: {env: prod}
                  email: [alerts@example.com]
                  email_on_failure: true
                  depends_on_past: false
                  retry_policy: {type: stepfunctions, max_attempts: 2}
                tasks:
                  - {task_id: plain}
                  - {task_id: own, handler: com.example.Own, pool: other, trigger_rule: all_success,
                     retry_delay: 10s}
                """).dag();

        TaskSpec plain = d.task("plain");
        assertThat(plain.kind()).isEqualTo(new TaskKind.Command("default.sh"));
        assertThat(plain.triggerRule()).isEqualTo(TriggerRule.ALL_DONE);
        assertThat(plain.pool()).isEqualTo("shared");
        assertThat(plain.priorityWeight()).isEqualTo(5);
        assertThat(plain.params()).isEqualTo(Map.of("env", "prod"));
        assertThat(plain.retry()).isInstanceOf(RetryPolicy.StepFunctions.class);
        TaskSpec own = d.task("own");
        assertThat(own.kind()).isEqualTo(new TaskKind.Handler("com.example.Own"));
        assertThat(own.pool()).isEqualTo("other");
        assertThat(own.triggerRule()).isEqualTo(TriggerRule.ALL_SUCCESS);
        assertThat(own.retry()).isEqualTo(new RetryPolicy.Airflow(0, Duration.ofSeconds(10), false, null));
        assertThat(d.defaultArgs()).containsEntry("email", List.of("alerts@example.com"));
    }

    @Test
    void dagLevelFieldsAreRead() {
        Dag d = valid("""
                dag_id: dag_fields
                schedule: null
                timezone: Europe/Berlin
                start_date: "2024-01-01T02:00:00Z"
                end_date: 2024-06-30T23:30
                catchup: true
                max_active_runs: 3
                max_active_tasks: 8
                tags: single-tag
                doc_md: |
                  # Title
                  Some docs.
                trigger: {s3: {bucket: my-landing-bucket, key: "incoming/{{ ds }}/*.csv"}}
                tasks: [{task_id: a, empty: true}]
                """).dag();

        assertThat(d.schedule()).isNull();
        assertThat(d.timezone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(d.startDate()).isEqualTo(LocalDateTime.of(2024, 1, 1, 3, 0));
        assertThat(d.endDate()).isEqualTo(LocalDateTime.of(2024, 6, 30, 23, 30));
        assertThat(d.catchup()).isTrue();
        assertThat(d.maxActiveRuns()).isEqualTo(3);
        assertThat(d.maxActiveTasks()).isEqualTo(8);
        assertThat(d.tags()).containsExactly("single-tag");
        assertThat(d.trigger()).contains(new S3Trigger("my-landing-bucket", "incoming/{{ ds }}/*.csv"));
    }

    @Test
    void theScheduleCheckerCanBeReplaced() {
        LoaderOptions strict = LoaderOptions.defaults().withScheduleChecker((expr, zone) ->
                expr.equals("@hourly") ? "hourly runs are not allowed here (" + zone + ")" : null);
        DagLoader.LoadResult r = DagLoader.loadString("""
                dag_id: x
                timezone: Asia/Tokyo
                schedule: "@hourly"
                tasks: [{task_id: a, empty: true}]
                """, "x.yaml", strict);

        assertThat(r.dag()).isNull();
        assertThat(r.problems()).extracting(Problem::toString)
                .containsExactly("x.yaml:3:11: error: schedule: hourly runs are not allowed here (Asia/Tokyo)");
    }

    @Test
    void loadAllWalksFoldersSkipsHiddenOnesAndDataFilesAndSorts(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("b.yaml"), "dag_id: b\ntasks: [{task_id: t, empty: true}]\n");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/a.yml"), "dag_id: a\ntasks: [{task_id: t, empty: true}]\n");
        Files.writeString(dir.resolve("sub/c.json"), "{\"dag_id\": \"c\", \"tasks\": [{\"task_id\": \"t\", "
                + "\"empty\": true}]}");
        Files.writeString(dir.resolve("gen.yaml"), """
                dag_id: gen
                tasks:
                  - foreach_file: tables.yaml
                    tasks: [{task_id: "x_{{ item }}", empty: true}]
                """);
        Files.writeString(dir.resolve("tables.yaml"), "[orders, customers]\n");
        Files.writeString(dir.resolve("policy.yaml"), "required_tags: [prod]\n");
        Files.writeString(dir.resolve("notes.txt"), "not a dag");
        Files.writeString(dir.resolve("broken.yaml"), "dag_id: broken\ntasks: [\n");
        Files.createDirectories(dir.resolve(".hidden"));
        Files.writeString(dir.resolve(".hidden/h.yaml"), "dag_id: h\ntasks: [{task_id: t, empty: true}]\n");
        Path outside = Files.writeString(Files.createTempDirectory("spec").resolve("z.yaml"), "just: data\n");

        List<DagLoader.LoadResult> results = DiskDagLoader.loadAll(List.of(dir, outside));

        assertThat(results).hasSize(6);
        assertThat(results.subList(0, 5)).extracting(r -> r.dag() == null ? null : r.dag().dagId())
                .containsExactly("b", null, "gen", "a", "c");
        assertThat(results.get(1).problems().get(0).location().file()).endsWith("broken.yaml");
        assertThat(results.get(2).dag().taskIds()).containsExactly("x_orders", "x_customers");
        // A file named directly is always loaded, even when it does not look like a DAG.
        assertThat(results.get(5).problems()).extracting(Problem::message)
                .anyMatch(m -> m.contains("unknown field 'just'"));
    }

    @Test
    void aMissingFileIsAProblemNotAnException(@TempDir Path dir) {
        DagLoader.LoadResult r = DiskDagLoader.load(dir.resolve("nope.yaml"));

        assertThat(r.dag()).isNull();
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.isError()).isTrue();
            assertThat(p.message()).isEqualTo("cannot read: no such file"); // words, never a Java class name
        });
        assertThat(DiskDagLoader.loadAll(List.of(dir.resolve("missing-dir")))).singleElement()
                .satisfies(x -> assertThat(x.dag()).isNull());
    }

    @Test
    void nullAndEmptyInputsAreProblems() {
        assertThat(DagLoader.loadString(null, "n.yaml").problems()).extracting(Problem::message)
                .containsExactly("no content");
        assertThat(yaml("").problems()).extracting(Problem::message)
                .containsExactly("a DAG file must be a mapping with dag_id and tasks, got null");
        assertThat(yaml("- a\n- b\n").problems()).extracting(Problem::message)
                .containsExactly("a DAG file must be a mapping with dag_id and tasks, got a list");
        assertThat(DiskDagLoader.load(null).problems()).hasSize(1);
    }

    @Test
    void warningsDoNotStopTheDag() {
        DagLoader.LoadResult r = yaml("""
                dag_id: w
                tasks:
                  - {task_id: a, empty: true}
                  - foreach: []
                    tasks: [{task_id: "b_{{ item }}", empty: true}]
                """);

        assertThat(r.dag()).isNotNull();
        assertThat(r.problems()).extracting(Problem::toString)
                .containsExactly("t.yaml:4:5: warning: foreach has no items, so it adds no tasks");
    }

    static void assertSameModel(Dag actual, Dag expected) {
        assertThat(actual.dagId()).isEqualTo(expected.dagId());
        assertThat(actual.description()).isEqualTo(expected.description());
        assertThat(actual.schedule()).isEqualTo(expected.schedule());
        assertThat(actual.timezone()).isEqualTo(expected.timezone());
        assertThat(actual.startDate()).isEqualTo(expected.startDate());
        assertThat(actual.endDate()).isEqualTo(expected.endDate());
        assertThat(actual.catchup()).isEqualTo(expected.catchup());
        assertThat(actual.maxActiveRuns()).isEqualTo(expected.maxActiveRuns());
        assertThat(actual.maxActiveTasks()).isEqualTo(expected.maxActiveTasks());
        assertThat(actual.tags()).isEqualTo(expected.tags());
        assertThat(actual.params()).isEqualTo(expected.params());
        assertThat(actual.defaultArgs()).isEqualTo(expected.defaultArgs());
        assertThat(actual.pools()).isEqualTo(expected.pools());
        assertThat(actual.trigger()).isEqualTo(expected.trigger());
        assertThat(actual.groups()).isEqualTo(expected.groups());
        assertThat(actual.tasks()).isEqualTo(expected.tasks());
    }
}
