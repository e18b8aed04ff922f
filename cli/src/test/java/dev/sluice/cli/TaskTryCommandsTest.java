package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice tasks test} and {@code sluice tasks render}, in-process, with stubbed upstream outputs. */
class TaskTryCommandsTest {
    private static final String DAG = """
            dag_id: trial
            params: {greeting: hello, tables: [p, q]}
            tasks:
              - task_id: up
                command: |-
                  echo '{"n": 3}'
              - task_id: use
                upstream: [up]
                command: echo {{ params.greeting }} {{ outputs.up.n }} on {{ ds }}
              - task_id: items
                expand: [x, y]
                command: echo item {{ item }}
              - task_id: per_row
                upstream: [up]
                expand_from: up
                command: echo row {{ item }}
              - task_id: from_params
                expand: "{{ params.tables }}"
                command: echo table {{ item }}
              - task_id: fails
                command: echo oops >&2; exit 3
              - task_id: check
                handler: dev.sluice.examples.warehouse.CheckSources
              - task_id: remote
                function: my-lambda
            """;

    @TempDir
    Path dir;

    Path file;

    @BeforeEach
    void write() throws IOException {
        file = dir.resolve("trial.yaml");
        Files.writeString(file, DAG);
    }

    private CliRunner.Result sluice(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--path";
        all[args.length + 1] = dir.toString();
        return CliRunner.run(all);
    }

    @Test
    void testRunsTheRenderedCommandWithAStubbedUpstreamOutput() {
        CliRunner.Result r = sluice("tasks", "test", "trial", "use", "--date", "2024-03-01",
                "--upstream-output", "up={\"n\": 7}");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("hello 7 on 2024-03-01").contains("result: success, output \"hello 7 on 2024-03-01\"");
        assertThat(r.err()).contains("testing use of trial").contains("nothing is recorded");
    }

    @Test
    void aFileNamesTheDagToo() {
        CliRunner.Result r = CliRunner.run("tasks", "test", file.toString(), "up");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("result: success, output {\"n\": 3}");
    }

    @Test
    void aFailingTaskExitsOneWithItsLogOnStdout() {
        CliRunner.Result r = sluice("tasks", "test", "trial", "fails");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("oops").contains("result: failed (exit code 3: oops)");
    }

    @Test
    void aMappedInstanceGetsItsItemFromExpandOrFromTheStubbedUpstream() {
        CliRunner.Result literal = sluice("tasks", "test", "trial", "items", "--map-index", "1");
        assertThat(literal.exitCode()).as(literal.err()).isZero();
        assertThat(literal.out()).contains("item y");
        CliRunner.Result mapped = sluice("tasks", "test", "trial", "per_row", "--map-index", "0",
                "--upstream-output", "up=[\"r1\", \"r2\"]");
        assertThat(mapped.exitCode()).as(mapped.err()).isZero();
        assertThat(mapped.out()).contains("row r1");
        CliRunner.Result fromParams = sluice("tasks", "test", "trial", "from_params", "--map-index", "1");
        assertThat(fromParams.exitCode()).as(fromParams.err()).isZero();
        assertThat(fromParams.out()).contains("table q");
        assertInvalid(sluice("tasks", "test", "trial", "from_params", "--map-index", "0", "--conf",
                "{\"tables\": \"p\"}"), "error: from_params: expand {{ params.tables }} must render to a list "
                + "(a JSON array), got 'p'");
    }

    @Test
    void aHandlerTaskRunsWithItsContext() {
        CliRunner.Result r = sluice("tasks", "test", "trial", "check", "--date", "2024-01-05");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("handler: dev.sluice.examples.warehouse.CheckSources")
                .contains("\"ds\":\"2024-01-05\"");
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        assertInvalid(sluice("tasks", "test", "trial", "uze"), "error: DAG trial has no task 'uze' (did you mean 'use'?)");
        assertInvalid(sluice("tasks", "test", "triall", "use"), "error: no DAG 'triall' in " + dir + "; did you mean 'trial'?");
        assertInvalid(sluice("tasks", "test", "trial", "items"), "error: items is mapped; add --map-index I (0-based)");
        assertInvalid(sluice("tasks", "test", "trial", "use", "--map-index", "0"),
                "error: use is not mapped; leave out --map-index");
        assertInvalid(sluice("tasks", "test", "trial", "items", "--map-index", "2"),
                "error: --map-index 2 is out of range: items has 2 items");
        assertInvalid(sluice("tasks", "test", "trial", "per_row", "--map-index", "0"),
                "error: per_row maps over the output of up, which is not given; add --upstream-output up=JSON_ARRAY"
                        + " or --upstream-from RUN_ID");
        assertInvalid(sluice("tasks", "test", "trial", "use", "--upstream-output", "up={nope"),
                "error: --upstream-output up is not valid JSON (write text as a JSON string, like 'up=\"text\"')");
        assertInvalid(sluice("tasks", "test", "trial", "use", "--upstream-output", "fails=1"),
                "error: --upstream-output fails: not a direct upstream task of use; its upstream tasks: up");
        assertInvalid(sluice("tasks", "test", "trial", "use", "--conf", "[1]"),
                "error: --conf must be a JSON object, like '{\"full_refresh\": true}'");
        assertInvalid(sluice("tasks", "test", "trial", "use", "--date", "yesterday"),
                "error: --date must be YYYY-MM-DD, got 'yesterday'");
        assertInvalid(sluice("tasks", "test", "trial", "use", "--upstream-from", "trial.manual__x",
                "--upstream-output", "up=1"),
                "error: give either --upstream-from RUN_ID or --upstream-output TASK=JSON, not both");
        assertInvalid(sluice("tasks", "test", "trial", "remote"),
                "error: remote is a function task (my-lambda): it runs only on a deployment; test its code there, or"
                        + " make it a handler to test it here");
        assertInvalid(sluice("tasks", "render", "trial", "use"),
                "error: cannot render use: ");
    }

    private static void assertInvalid(CliRunner.Result r, String firstLine) {
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith(firstLine);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aTemplateThatNeedsAMissingOutputSaysHowToGiveIt() {
        CliRunner.Result r = sluice("tasks", "test", "trial", "use");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err()).contains("(no output of up; give one with --upstream-output TASK=JSON or --upstream-from"
                + " RUN_ID)");
    }

    @Test
    void renderShowsTheScriptAndEachValueSeparately() {
        CliRunner.Result r = sluice("tasks", "render", "trial", "use", "--date", "2024-03-01",
                "--conf", "{\"greeting\": \"hi; rm -rf /\"}", "--upstream-output", "up={\"n\": 7}");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("script (run with /bin/sh -c):\n  echo \"${SLUICE_V_1}\" \"${SLUICE_V_2}\" on \"${SLUICE_V_3}\"")
                .contains("  SLUICE_V_1=\"hi; rm -rf /\"\n  SLUICE_V_2=\"7\"\n  SLUICE_V_3=\"2024-03-01\"")
                .contains("params:\n  greeting: \"hi; rm -rf /\"")
                .contains("upstream outputs:\n  up: {\"n\":7}")
                .contains("  SLUICE_DS=\"2024-03-01\"")
                .contains("  SLUICE_TASK_ID=\"use\"")
                .doesNotContain("rm -rf /\" on");
    }

    @Test
    void renderJsonHasTheSameParts() {
        CliRunner.Result r = sluice("tasks", "render", "trial", "items", "--map-index", "0", "--date", "2024-03-01",
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode o = Json.read(r.out());
        assertThat(o.get("kind").asText()).isEqualTo("command");
        assertThat(o.get("command").get("script").asText()).isEqualTo("echo item \"${SLUICE_V_1}\"");
        assertThat(o.get("command").get("values").get("SLUICE_V_1").asText()).isEqualTo("x");
        assertThat(o.get("item").asText()).isEqualTo("x");
        assertThat(o.get("mapIndex").asInt()).isZero();
        assertThat(o.get("environment").get("SLUICE_ITEM").asText()).isEqualTo("x");
        assertThat(o.get("logicalDate").asText()).isEqualTo("2024-03-01T00:00:00Z");
    }

    @Test
    void renderOfAHandlerNamesItsClassAndInputs() {
        CliRunner.Result r = sluice("tasks", "render", "trial", "check", "--date", "2024-03-01");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("task check of trial (handler)")
                .contains("handler class: dev.sluice.examples.warehouse.CheckSources")
                .contains("params:\n  greeting: \"hello\"");
    }
}
