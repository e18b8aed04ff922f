package dev.sluice.cli;

import static dev.sluice.cli.CliRunner.arg;
import static dev.sluice.cli.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.CliRunner.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aFolderWhoseDagsGiveOnePoolTwoSizesIsRefusedNamingBothFiles() throws Exception {
        java.nio.file.Files.writeString(tmp.resolve("a_small.yaml"), "dag_id: small\npools:\n  shared: 1\n"
                + "tasks:\n  - {task_id: t, command: 'true', pool: shared}\n");
        java.nio.file.Files.writeString(tmp.resolve("b_big.yaml"), "dag_id: big\npools:\n  other: 2\n  shared: 3\n"
                + "tasks:\n  - {task_id: t, command: 'true', pool: shared}\n");
        java.nio.file.Files.writeString(tmp.resolve("c_same.yaml"), "dag_id: same\npools:\n  shared: 1\n"
                + "tasks:\n  - {task_id: t, command: 'true', pool: shared}\n");
        Result r = run("validate", tmp.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.out()).contains(tmp.resolve("b_big.yaml") + ":4:3: error: pool 'shared' is declared with size 3 "
                + "here but 1 in " + tmp.resolve("a_small.yaml") + ":3 (DAG small)", "sluice pools set shared SIZE")
                .contains("3 DAGs checked: 2 valid, 1 invalid (1 error, 0 warnings)");
    }

    @Test
    void validFolderExitsZeroWithASummary() {
        Result r = run("validate", arg("valid"));
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("2 DAGs checked: 2 valid, 0 invalid\n");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void everyErrorIsListedAsFileLineColumn() {
        Result r = run("validate", arg("invalid/typo.yaml"));
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.out()).containsPattern("(?m)^" + java.util.regex.Pattern.quote(arg("invalid/typo.yaml"))
                + ":4:\\d+: error: task 'load' has unknown upstream 'extrct'.*extract");
        assertThat(r.out()).containsPattern("(?m)^1 DAG checked: 0 valid, 1 invalid \\(\\d+ errors?, \\d+ warnings?\\)$");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void cyclesAreReportedWithTheirPath() {
        Result r = run("validate", arg("invalid/cycle.yaml"));
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.out()).contains(arg("invalid/cycle.yaml") + ":").contains(": error: cycle: ")
                .contains("1 DAG checked: 0 valid, 1 invalid (1 error, 0 warnings)");
    }

    @Test
    void foldersAndFilesTogether() {
        Result r = run("validate", arg("valid"), arg("invalid"));
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.out()).containsPattern("4 DAGs checked: 2 valid, 2 invalid \\(\\d+ errors, 0 warnings\\)\n$");
    }

    @Test
    void missingFileIsAClearErrorAndTheOthersAreStillChecked() {
        Result r = run("validate", tmp.resolve("nope.yaml").toString(), arg("valid/hello.yaml"));
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.out()).isEqualTo(tmp.resolve("nope.yaml") + ": error: no such file or directory\n"
                + "1 DAG checked: 1 valid, 0 invalid (1 error, 0 warnings)\n");
    }

    @Test
    void malformedYamlGivesLineAndColumn() throws Exception {
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, "dag_id: bad\ntasks:\n  - {task_id: a, command: \"x\"\n");
        Result r = run("validate", bad.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.out()).containsPattern("(?m)^" + java.util.regex.Pattern.quote(bad.toString())
                + ":\\d+:\\d+: error: ");
    }

    @Test
    void duplicateDagIdsAcrossFilesAreAnError() throws Exception {
        Files.copy(CliRunner.dags("valid/hello.yaml"), tmp.resolve("a.yaml"));
        Files.copy(CliRunner.dags("valid/hello.yaml"), tmp.resolve("b.yaml"));
        Result r = run("validate", tmp.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.out()).contains(tmp.resolve("b.yaml") + ": error: dag_id 'hello' is also defined in "
                + tmp.resolve("a.yaml"));
    }

    @Test
    void emptyFolderIsInvalidInput() {
        Result r = run("validate", tmp.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err()).isEqualTo("error: no DAG files (*.yaml, *.yml, *.json) found in " + tmp + "\n");
    }

    @Test
    void policyFindingsAreListedToo() throws Exception {
        Path policy = tmp.resolve("policy.yaml");
        Files.writeString(policy, "required_tags: [production]\n");
        Result r = run("validate", arg("valid/shop.yaml"), "--policy", policy.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.out()).contains(arg("valid/shop.yaml")).contains("production")
                .contains("1 DAG checked: 0 valid, 1 invalid (1 error, 0 warnings)");
    }

    @Test
    void missingPolicyFileIsInvalidInput() {
        Result r = run("validate", arg("valid"), "--policy", tmp.resolve("none.yaml").toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err()).isEqualTo("error: policy file " + tmp.resolve("none.yaml") + ": no such file\n");
    }

    @Test
    void usageErrorsExitTwo() {
        Result noArgs = run("validate");
        assertThat(noArgs.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(noArgs.err()).contains("Missing required parameter").contains("Usage: sluice validate");
        Result unknown = run("validate", "--bogus", arg("valid"));
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(run("no-such-command").exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(run().exitCode()).isEqualTo(ExitCodes.INVALID);
    }

    @Test
    void helpAndVersion() {
        Result help = run("validate", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Usage: sluice validate").contains("--policy=FILE");
        Result top = run("--help");
        assertThat(top.exitCode()).isZero();
        assertThat(top.out()).contains("validate").contains("dags").contains("Exit codes:");
        Result version = run("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("sluice ");
        assertThat(run("dags", "show", "--help").exitCode()).isZero();
    }

    @Test
    void verboseIsAcceptedAnywhere() {
        assertThat(run("--verbose", "validate", arg("valid")).exitCode()).isZero();
        assertThat(run("validate", arg("valid"), "--verbose").exitCode()).isZero();
    }
}
