package dev.sluice.spec;

import static dev.sluice.spec.SpecFixtures.error;
import static dev.sluice.spec.SpecFixtures.errors;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Location;
import dev.sluice.model.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every validation error of the spec: the message, and the file:line:column it points at. */
class ValidationTest {

    private static void at(Problem p, int line, int column) {
        assertThat(p.location()).isEqualTo(new Location("t.yaml", line, column));
    }

    @Test
    void aCycleIsReportedWithItsPath() {
        Problem p = error("""
                dag_id: cyclic
                tasks:
                  - {task_id: c, command: x, upstream: [b]}
                  - {task_id: b, command: x, upstream: [a]}
                  - {task_id: a, command: x, upstream: [c]}
                  - {task_id: d, command: x, upstream: [a]}
                """, "cycle");

        assertThat(p.message()).isEqualTo("cycle: a -> b -> c -> a");
        at(p, 3, 5);
        assertThat(p).hasToString("t.yaml:3:5: error: cycle: a -> b -> c -> a");
    }

    @Test
    void anUnknownUpstreamSuggestsTheNearestTask() {
        Problem p = error("""
                dag_id: x
                tasks:
                  - {task_id: extract, command: x}
                  - task_id: load
                    upstream: [extarct]
                    command: x
                """, "unknown upstream");

        assertThat(p.message()).isEqualTo("task 'load' has unknown upstream 'extarct' (did you mean 'extract'?)");
        at(p, 4, 5);
    }

    @Test
    void anUnknownTriggerRuleSuggestsTheNearestRule() {
        Problem p = error("""
                dag_id: x
                tasks:
                  - task_id: a
                    command: x
                    trigger_rule: none_failed_min_one_sucess
                """, "trigger_rule");

        assertThat(p.message()).startsWith("unknown trigger_rule 'none_failed_min_one_sucess' "
                + "(did you mean 'none_failed_min_one_success'?)");
        at(p, 5, 19);
    }

    @Test
    void anUnknownPoolSuggestsTheNearestPool() {
        Problem p = error("""
                dag_id: x
                pools: {salesforce_api: 2}
                tasks:
                  - {task_id: a, command: x}
                  - {task_id: b, command: x, pool: salesforce_apii}
                """, "pool");

        assertThat(p.message()).isEqualTo("task 'b' uses unknown pool 'salesforce_apii' "
                + "(did you mean 'salesforce_api'?); declare it under pools:");
        at(p, 5, 5);
    }

    @Test
    void duplicateTaskIdsAreRejected() {
        Problem p = error("""
                dag_id: x
                tasks:
                  - {task_id: a, command: x}
                  - group_id: g
                    tasks:
                      - {task_id: a, command: x}
                  - {task_id: a, command: y}
                """, "duplicate");

        assertThat(p.message()).isEqualTo("duplicate task_id 'a' (first defined at t.yaml:3:5)");
        at(p, 7, 5);
    }

    @Test
    void aBadCronOrPresetIsRejectedAtTheScheduleLine() {
        Problem cron = error("""
                dag_id: x
                schedule: "0 25 * * *"
                tasks: [{task_id: a, command: x}]
                """, "schedule");
        assertThat(cron.message()).startsWith("schedule: invalid schedule '0 25 * * *'");
        at(cron, 2, 11);

        Problem fields = error("""
                dag_id: x
                tasks: [{task_id: a, command: x}]
                schedule: 0 2 * *
                """, "schedule");
        assertThat(fields.message()).contains("'0 2 * *'").contains("5 fields");
        at(fields, 3, 11);

        Problem preset = error("""
                dag_id: x
                schedule: "@dialy"
                tasks: [{task_id: a, command: x}]
                """, "schedule");
        assertThat(preset.message()).contains("'@dialy'").contains("unknown preset");

        Problem type = error("""
                dag_id: x
                schedule: [daily]
                tasks: [{task_id: a, command: x}]
                """, "schedule");
        assertThat(type.message()).isEqualTo("schedule must be a string, got a list");
    }

    @Test
    void aBadTimeZoneIsRejectedWithItsName() {
        Problem p = error("""
                dag_id: x
                schedule: "@daily"
                timezone: Europe/Berlln
                tasks: [{task_id: a, command: x}]
                """, "timezone");

        assertThat(p.message()).isEqualTo("unknown timezone 'Europe/Berlln' (did you mean 'Europe/Berlin'?); "
                + "use an IANA zone such as UTC or Europe/Berlin");
        at(p, 3, 11);
        assertThat(error("dag_id: x\ntimezone: Mars/Olympus\ntasks: [{task_id: a, command: x}]\n", "timezone")
                .message()).startsWith("unknown timezone 'Mars/Olympus'");
    }

    @Test
    void aBadDurationNamesTheFieldAndTheValue() {
        Problem p = error("""
                dag_id: x
                default_args:
                  retry_delay: 5x
                tasks:
                  - {task_id: a, command: x}
                  - {task_id: b, command: x}
                """, "retry_delay");

        // Reported once, at default_args, although two tasks inherit it.
        assertThat(p.message()).isEqualTo("retry_delay: bad duration '5x' (use e.g. 30s, 5m, 1h30m, 2d, 500ms, "
                + "a number of seconds, or ISO-8601 like PT5M)");
        at(p, 3, 16);
        assertThat(error("dag_id: x\ntasks: [{task_id: a, command: x, execution_timeout: -5m}]\n",
                "execution_timeout").message()).isEqualTo("execution_timeout: duration '-5m' must not be negative");
        assertThat(error("dag_id: x\ntasks: [{task_id: a, command: x, sla: P1M}]\n", "sla").message())
                .startsWith("sla: bad duration 'P1M'");
        assertThat(error("dag_id: x\ntasks: [{task_id: a, command: x, sla: [1]}]\n", "sla").message())
                .startsWith("sla must be a duration");
    }

    @Test
    void negativeRetriesAreRejected() {
        Problem p = error("""
                dag_id: x
                tasks:
                  - task_id: a
                    command: x
                    retries: -1
                """, "retries");

        assertThat(p.message()).isEqualTo("retries must be >= 0, got -1");
        at(p, 5, 14);
    }

    @Test
    void expandFromMustNameAnUpstreamTask() {
        Problem p = error("""
                dag_id: x
                tasks:
                  - {task_id: list_files, command: "ls"}
                  - {task_id: other, command: "true"}
                  - {task_id: each, upstream: [other], expand_from: list_files, command: "cat {{ item }}"}
                """, "expand_from");

        assertThat(p.message()).isEqualTo("task 'each' has expand_from 'list_files', which is not one of its "
                + "upstream tasks");
        at(p, 5, 5);
    }

    @Test
    void idsOutsideTheAllowedCharactersAreRejected() {
        String longId = "x".repeat(251);
        List<Problem> errors = errors("""
                dag_id: x
                tasks:
                  - task_id: a#b
                    empty: true
                  - {task_id: a/b, empty: true}
                  - {task_id: "..", empty: true}
                  - {task_id: %s, empty: true}
                  - {task_id: "has space", empty: true}
                  - {task_id: ok, empty: true}
                """.formatted(longId));

        assertThat(errors).extracting(Problem::toString).containsExactly(
                "t.yaml:3:5: error: task_id 'a#b' must match [A-Za-z0-9_.-]{1,250}",
                "t.yaml:5:5: error: task_id 'a/b' must match [A-Za-z0-9_.-]{1,250}",
                "t.yaml:6:5: error: task_id '..' must not start or end with '.' or contain '..'",
                "t.yaml:7:5: error: task_id '" + "x".repeat(60) + "...' must match [A-Za-z0-9_.-]{1,250}",
                "t.yaml:8:5: error: task_id 'has space' must match [A-Za-z0-9_.-]{1,250}");
        assertThat(SpecFixtures.valid("dag_id: x\ntasks: [{task_id: %s, empty: true}]\n"
                .formatted("y".repeat(250))).dag().taskIds()).containsExactly("y".repeat(250));
        assertThat(error("dag_id: bad/dag\ntasks: [{task_id: a, empty: true}]\n", "dag_id").message())
                .isEqualTo("dag_id 'bad/dag' must match [A-Za-z0-9_.-]{1,250}");
        assertThat(error("dag_id: x\ntasks: [{group_id: g.h, tasks: [{task_id: a, empty: true}]}]\n", "group_id")
                .message()).isEqualTo("group_id 'g.h' must not contain '.'");
    }

    @Test
    void anUnknownFieldIsAnErrorWithASuggestion() {
        Problem p = error("""
                dag_id: x
                tasks:
                  - task_id: a
                    command: x
                    retires: 3
                """, "unknown field");

        assertThat(p.message()).isEqualTo("unknown field 'retires' in task (did you mean 'retries'?)");
        at(p, 5, 5);
    }

    @Test
    void unknownFieldsAreCaughtAtEveryLevel() {
        List<Problem> errors = errors("""
                dag_id: x
                scheduel: "@daily"
                schedule_interval: "@daily"
                default_args: {ownr: me}
                trigger: {s3: {bucket: my-bucket, kee: "a/*"}}
                tasks:
                  - group_id: g
                    upstrem: [a]
                    tasks:
                      - task_id: a
                        command: x
                        retry_policy: {type: stepfunctions, max_atempts: 3}
                        circuit_breaker: {name: api, failure_treshold: 3}
                  - foreach: [1, 2]
                    ass: n
                    tasks: [{task_id: "t_{{ item }}", empty: true}]
                  - {taskid: oops, empty: true}
                """);

        assertThat(errors).extracting(Problem::toString).containsExactly(
                "t.yaml:2:1: error: unknown field 'scheduel' in the DAG (did you mean 'schedule'?)",
                "t.yaml:3:1: error: unknown field 'schedule_interval' in the DAG; Sluice calls it 'schedule'",
                "t.yaml:4:16: error: unknown field 'ownr' in default_args (did you mean 'owner'?)",
                "t.yaml:5:35: error: unknown field 'kee' in trigger.s3 (did you mean 'key'?)",
                "t.yaml:8:5: error: unknown field 'upstrem' in task group (did you mean 'upstream'?)",
                "t.yaml:12:45: error: unknown field 'max_atempts' in retry_policy (did you mean 'max_attempts'?)",
                "t.yaml:13:38: error: unknown field 'failure_treshold' in circuit_breaker "
                        + "(did you mean 'failure_threshold'?)",
                "t.yaml:15:5: error: unknown field 'ass' in foreach block (did you mean 'as'?)",
                "t.yaml:17:5: error: this entry has no task_id, group_id or foreach",
                "t.yaml:17:6: error: unknown field 'taskid' in task (did you mean 'task_id'?)");
    }

    @Test
    void wrongTypesAreErrorsNotExceptions() {
        List<Problem> errors = errors("""
                dag_id: x
                max_active_runs: many
                tags: {a: 1}
                tasks:
                  - {task_id: a, command: x, retries: "abc"}
                  - {task_id: b, command: [x], upstream: {x: 1}}
                  - {task_id: c, empty: true, branch: maybe, params: [1], expand: orders, pool_slots: 1.5}
                  - just a string
                """);

        assertThat(errors).extracting(Problem::toString).contains(
                "t.yaml:2:18: error: max_active_runs must be an integer, got the string 'many'",
                "t.yaml:3:7: error: tags must be a string or a list of strings, got a mapping",
                "t.yaml:5:39: error: retries must be an integer, got the string 'abc'",
                "t.yaml:6:27: error: command must be a string, got a list",
                "t.yaml:6:42: error: upstream must be a string or a list of strings, got a mapping",
                "t.yaml:7:39: error: branch must be true or false, got the string 'maybe'",
                "t.yaml:7:54: error: params must be a mapping, got a list",
                "t.yaml:7:67: error: expand must be a list, got the string 'orders'",
                "t.yaml:7:87: error: pool_slots must be an integer, got the number 1.5",
                "t.yaml:8:5: error: each entry under tasks must be a mapping (a task, group or foreach), "
                        + "got the string 'just a string'");
        assertThat(errors("dag_id: x\ntasks: 5\n")).extracting(Problem::toString)
                .contains("t.yaml:2:8: error: tasks must be a list, got the number 5");
    }

    @Test
    void hugeNumbersAreErrors() {
        Problem p = error("dag_id: x\ntasks: [{task_id: a, command: x, retries: 99999999999999999999}]\n",
                "retries");
        assertThat(p.message()).isEqualTo("retries must be at most 1000, got 99999999999999999999");
        at(p, 2, 43);
        assertThat(error("dag_id: x\nmax_active_tasks: 1" + "0".repeat(500) + "\ntasks: [{task_id: a, empty: true}]\n",
                "max_active_tasks").message()).startsWith("max_active_tasks must be at most 1000000, got 100000");
        assertThat(error("dag_id: x\ntasks: [{task_id: a, command: x, retry_delay: 99999999999999999999d}]\n",
                "retry_delay").message()).isEqualTo("retry_delay: duration '99999999999999999999d' is too large");
    }

    @Test
    void aTaskHasExactlyOneKind() {
        Problem two = error("""
                dag_id: x
                tasks:
                  - task_id: a
                    command: "run"
                    handler: com.example.Run
                """, "kind");
        assertThat(two.message()).isEqualTo("a task has exactly one kind, but this one sets both command and handler");
        at(two, 5, 5);

        Problem none = error("dag_id: x\ntasks:\n  - {task_id: a, retries: 1}\n", "needs one of");
        assertThat(none.message()).isEqualTo("task 'a' needs one of command, handler, function or empty: true");
        at(none, 3, 5);

        assertThat(error("dag_id: x\ntasks: [{task_id: a, handler: \"not a class\"}]\n", "handler").message())
                .isEqualTo("handler 'not a class' is not a Java class name (e.g. com.example.LoadStaging)");
    }

    @Test
    void everyErrorIsReportedNotJustTheFirst() {
        List<Problem> errors = errors("""
                dag_id: many_errors
                schedule: "61 * * * *"
                timezone: Nowhere/Land
                pools: {api: 0}
                tasks:
                  - {task_id: a, command: x, retries: -2}
                  - {task_id: b, command: x, upstream: [aa], retry_delay: soon}
                  - {task_id: b, command: x, trigger_rule: whenever}
                  - {task_id: c, command: x, pool: apii}
                """);

        assertThat(errors).extracting(p -> p.location().line()).containsExactly(2, 3, 4, 6, 7, 7, 8, 8, 9);
        assertThat(errors).extracting(Problem::message).anyMatch(m -> m.startsWith("schedule: invalid schedule"))
                .anyMatch(m -> m.startsWith("unknown timezone 'Nowhere/Land'"))
                .anyMatch(m -> m.equals("api must be >= 1, got 0"))
                .anyMatch(m -> m.equals("retries must be >= 0, got -2"))
                .anyMatch(m -> m.equals("task 'b' has unknown upstream 'aa' (did you mean 'a'?)"))
                .anyMatch(m -> m.startsWith("retry_delay: bad duration 'soon'"))
                .anyMatch(m -> m.startsWith("duplicate task_id 'b'"))
                .anyMatch(m -> m.startsWith("unknown trigger_rule 'whenever'"))
                .anyMatch(m -> m.startsWith("task 'c' uses unknown pool 'apii' (did you mean 'api'?)"));
    }

    @Test
    void malformedYamlReportsLineAndColumn() {
        List<Problem> errors = errors("""
                dag_id: x
                tasks:
                  - {task_id: a, command: "x"
                  - {task_id: b, empty: true}
                """);

        assertThat(errors).singleElement().satisfies(p -> {
            at(p, 4, 3);
            assertThat(p.message()).isEqualTo("malformed YAML: expected ',' or '}', but got - "
                    + "(while parsing a flow mapping that starts at line 3, column 5)");
        });
        assertThat(errors("dag_id: x\ntasks:\n  - task_id: a\n   command: x\n")).singleElement()
                .satisfies(p -> at(p, 4, 4));
        assertThat(errors("dag_id: x\n\ttasks: []\n")).singleElement()
                .satisfies(p -> assertThat(p.location().line()).isEqualTo(2));
    }

    @Test
    void malformedJsonReportsLineAndColumn() {
        DagLoader.LoadResult r = DagLoader.loadString("{\"dag_id\": \"x\",\n \"tasks\": [ {\"task_id\": \"a\",, "
                + "\"command\": \"x\"} ]}", "t.json");

        assertThat(r.dag()).isNull();
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.location()).isEqualTo(new Location("t.json", 2, 29));
            assertThat(p.message()).startsWith("malformed JSON: Unexpected character (','");
        });
    }

    @Test
    void duplicateKeysAndSeveralDocumentsAreRejected() {
        Problem dup = error("dag_id: x\ntasks: [{task_id: a, empty: true}]\ndag_id: y\n", "duplicate key");
        assertThat(dup.message()).isEqualTo("duplicate key 'dag_id' (first at line 1)");
        at(dup, 3, 1);

        Problem docs = error("dag_id: x\ntasks: [{task_id: a, empty: true}]\n---\ndag_id: y\n", "document");
        assertThat(docs.message()).isEqualTo("a file holds one DAG, but this one has more than one document");
    }

    @Test
    void datesAndDagLimitsAreChecked() {
        assertThat(error("dag_id: x\nstart_date: 2024-13-01\ntasks: [{task_id: a, empty: true}]\n", "start_date")
                .message()).startsWith("start_date: bad date '2024-13-01'");
        Problem before = error("dag_id: x\nstart_date: 2024-02-01\nend_date: 2024-01-01\n"
                + "tasks: [{task_id: a, empty: true}]\n", "end_date");
        assertThat(before.message()).isEqualTo("end_date 2024-01-01T00:00 is before start_date 2024-02-01T00:00");
        at(before, 3, 11);
        assertThat(error("dag_id: x\nmax_active_runs: 0\ntasks: [{task_id: a, empty: true}]\n", "max_active_runs")
                .message()).isEqualTo("max_active_runs must be >= 1, got 0");
        assertThat(error("dag_id: x\ntrigger: {s3: {bucket: Bad_Bucket}}\ntasks: [{task_id: a, empty: true}]\n",
                "bucket").message()).isEqualTo("'Bad_Bucket' is not a valid S3 bucket name");
        assertThat(error("tasks: [{task_id: a, empty: true}]\n", "dag_id").message()).isEqualTo("missing dag_id");
    }

    @Test
    void retryPolicyAndCircuitBreakerValuesAreChecked() {
        List<Problem> errors = errors("""
                dag_id: x
                tasks:
                  - task_id: a
                    command: x
                    retry_delay: 1m
                    retry_policy: {type: lambda, backoff_rate: 0.5, jitter: some, max_attempts: 2, retries: 2}
                  - {task_id: b, command: x, circuit_breaker: {name: cb, failure_threshold: 0}}
                  - {task_id: c, command: x, circuit_breaker: {name: cb2, failure_threshold: 3}}
                  - {task_id: d, command: x, circuit_breaker: {name: cb2, failure_threshold: 4}}
                """);

        assertThat(errors).extracting(Problem::message).containsExactly(
                "retry_delay cannot be combined with retry_policy; set the delay inside retry_policy "
                        + "(interval, backoff_rate, max_delay)",
                "retry_policy type must be 'stepfunctions', got 'lambda'; for Airflow-style retries use "
                        + "retries/retry_delay/retry_exponential_backoff",
                "backoff_rate must be >= 1.0, got 0.5",
                "jitter must be 'full' or 'none', got 'some'",
                "retry_policy sets both max_attempts and retries; use one",
                "failure_threshold must be >= 1, got 0",
                "circuit_breaker 'cb2' is declared with other settings at t.yaml:8:47; tasks sharing a breaker "
                        + "must agree");
    }
}
