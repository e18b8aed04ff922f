package dev.sluice.spec;

import static dev.sluice.spec.SpecFixtures.valid;
import static dev.sluice.spec.SpecFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Dag;
import dev.sluice.model.Problem;
import dev.sluice.model.TaskKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Anchors, aliases and merge keys mean what YAML says, and an alias bomb is refused. */
class YamlAliasTest {

    @Test
    void anAliasIsTheAnchoredValueNotItsName() {
        Dag d = valid("""
                dag_id: a
                tasks:
                  - task_id: first
                    command: &cmd "echo hello"
                  - task_id: second
                    command: *cmd
                """).dag();

        assertThat(command(d, "second")).isEqualTo("echo hello");
    }

    @Test
    void anAliasOfAMappingCopiesTheMapping() {
        Dag d = valid("""
                dag_id: a
                default_args: &defaults
                  retries: 3
                tasks:
                  - task_id: t
                    command: "true"
                params: *defaults
                """).dag();

        assertThat(d.params()).containsEntry("retries", 3);
    }

    @Test
    void mergeKeysMergeWithExplicitKeysWinning() {
        Dag d = valid("""
                dag_id: a
                params:
                  base: &base
                    command: "echo base"
                    retries: 4
                tasks:
                  - task_id: t
                    <<: *base
                    command: "echo mine"
                  - task_id: u
                    <<: [*base]
                """).dag();

        assertThat(command(d, "t")).isEqualTo("echo mine");
        assertThat(d.task("t").maxTries()).isEqualTo(5);
        assertThat(command(d, "u")).isEqualTo("echo base");
    }

    @Test
    void aMergeOfSomethingOtherThanAMappingIsAnError() {
        List<Problem> errors = yaml("""
                dag_id: a
                tasks:
                  - task_id: t
                    <<: "nope"
                    command: "true"
                """).errors();

        assertThat(errors).anySatisfy(p -> assertThat(p.message()).contains("merge key '<<'"));
    }

    @Test
    void anUnknownAliasIsAnError() {
        List<Problem> errors = yaml("""
                dag_id: a
                tasks:
                  - task_id: t
                    command: *nothing
                """).errors();

        assertThat(errors).anySatisfy(p -> assertThat(p.message()).contains("nothing"));
    }

    @Test
    void anAliasBombIsRefusedWithAClearError() {
        StringBuilder s = new StringBuilder("dag_id: a\nparams:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i <= 9; i++) {
            s.append("  l").append(i).append(": &l").append(i).append(" [");
            for (int j = 0; j < 10; j++) {
                s.append(j == 0 ? "" : ", ").append("*l").append(i - 1);
            }
            s.append("]\n");
        }
        s.append("tasks:\n  - task_id: t\n    command: \"true\"\n");

        long started = System.nanoTime();
        List<Problem> errors = yaml(s.toString()).errors();

        assertThat(errors).anySatisfy(p -> assertThat(p.message()).contains("aliases expand to more than"));
        assertThat(System.nanoTime() - started).isLessThan(5_000_000_000L);
    }

    @Test
    void aSpecOverTheSizeLimitSaysTheLimit() {
        String big = "dag_id: a\ntasks:\n  - task_id: t\n    command: \"true\"\n# " + "x".repeat(SpecTree.MAX_CHARS) + "\n";

        List<Problem> errors = yaml(big).errors();

        assertThat(errors).singleElement().satisfies(p -> assertThat(p.message())
                .contains("3 MiB").doesNotContain("malformed"));
    }

    private static String command(Dag d, String task) {
        return ((TaskKind.Command) d.task(task).kind()).command();
    }
}
