package dev.sluice.spec;

import static dev.sluice.spec.SpecFixtures.dag;
import static dev.sluice.spec.SpecFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.model.Dag;
import dev.sluice.model.Location;
import dev.sluice.model.Problem;
import dev.sluice.model.Problem.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyTest {

    private static final Dag SLOPPY = valid("""
            dag_id: sloppy
            tags: [team-x]
            default_args: {retries: 1}
            tasks:
              - {task_id: owned, command: x, owner: bob}
              - {task_id: unowned, command: x, retries: 0}
            """).dag();

    @Test
    void aPolicyFileIsLoaded(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("policy.yaml"), """
                required_tags: [production, team-x]
                require_owner: true
                min_retries: 1
                require_email: true
                severity: warning
                severities: {min_retries: error}
                """);

        Policy p = Policy.load(file);

        assertThat(p).isEqualTo(new Policy(List.of("production", "team-x"), true, 1, true, Severity.WARNING,
                Map.of("min_retries", Severity.ERROR)));
        assertThat(p.severityOf(Policy.MIN_RETRIES)).isEqualTo(Severity.ERROR);
        assertThat(p.severityOf(Policy.REQUIRE_OWNER)).isEqualTo(Severity.WARNING);
    }

    @Test
    void eachRuleReportsItsFindingsAtTheDagSource() {
        Policy p = new Policy(List.of("production", "team-x"), true, 1, true, Severity.WARNING,
                Map.of("min_retries", Severity.ERROR));

        List<Problem> findings = p.check(SLOPPY);

        Location at = Location.of("t.yaml");
        assertThat(findings).containsExactly(
                Problem.warning(at, "DAG 'sloppy' is missing the required tag 'production' (policy required_tags)"),
                Problem.warning(at, "DAG 'sloppy' has no email in default_args (policy require_email)"),
                Problem.warning(at, "task 'unowned' has no owner; set owner on the task or in default_args "
                        + "(policy require_owner)"),
                Problem.error(at, "task 'unowned' has retries 0, below the minimum of 1 (policy min_retries)"));
    }

    @Test
    void theWarehouseExampleMeetsTheReferencePolicyExceptEmail() {
        Dag warehouse = DiskDagLoader.load(dag("warehouse.yaml")).dag();
        Policy p = Policy.parse("required_tags: [production]\nrequire_owner: true\nmin_retries: 1\n"
                + "require_email: true\n", "policy.yaml");

        assertThat(p.check(warehouse)).extracting(Problem::toString).containsExactly(
                warehouse.source() + ": error: DAG 'data_warehouse_pipeline' has no email in default_args "
                        + "(policy require_email)");
        assertThat(Policy.none().check(SLOPPY)).isEmpty();
        Dag withEmail = valid("dag_id: e\ndefault_args: {email: ops@example.com}\ntasks: [{task_id: a, empty: true}]\n")
                .dag();
        assertThat(p.check(withEmail)).extracting(Problem::message).noneMatch(m -> m.contains("email"));
    }

    @Test
    void aBadPolicyFileFailsWithLocations() {
        Policy.PolicyException e = catchThrowableOfType(Policy.PolicyException.class, () -> Policy.parse("""
                required_tags: production
                min_retry: 1
                require_owner: sure
                severity: fatal
                severities: {owner: warning}
                """, "policy.yaml"));

        assertThat(e.problems()).extracting(Problem::toString).containsExactly(
                "policy.yaml:2:1: error: unknown field 'min_retry' in the policy (did you mean 'min_retries'?)",
                "policy.yaml:3:16: error: require_owner must be true or false, got the string 'sure'",
                "policy.yaml:4:11: error: severity must be 'error' or 'warning', got 'fatal'",
                "policy.yaml:5:14: error: unknown field 'owner' in severities");
        assertThat(e).hasMessageContaining("policy.yaml:2:1: error: unknown field 'min_retry'");
        assertThatThrownBy(() -> Policy.parse("required_tags: [a\n", "p.yaml"))
                .isInstanceOf(Policy.PolicyException.class).hasMessageStartingWith("p.yaml:2:1: error: malformed YAML");
        assertThatThrownBy(() -> Policy.load(Path.of("/nonexistent/policy.yaml")))
                .isInstanceOf(Policy.PolicyException.class).hasMessageContaining("cannot read policy file");
        assertThat(Policy.parse("", "empty.yaml")).isEqualTo(Policy.none());
    }
}
