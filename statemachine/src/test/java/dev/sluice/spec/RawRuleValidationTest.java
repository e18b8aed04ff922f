package dev.sluice.spec;

import static dev.sluice.spec.SpecFixtures.error;
import static dev.sluice.spec.SpecFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Problem;
import org.junit.jupiter.api.Test;

/** {@code validate} refuses a {@code | raw} that is not the last filter of its whole expression. */
class RawRuleValidationTest {

    @Test
    void rawOnOneOperandIsRefusedWithItsLine() {
        Problem p = error("""
                dag_id: r
                params: {a: x, b: y}
                tasks:
                  - {task_id: ok, command: "echo {{ params.a | raw }}"}
                  - task_id: t
                    command: "echo {{ params.a ~ params.b | raw }}"
                """, "whole expression");
        assertThat(p.location().line()).isEqualTo(6);
        assertThat(p.message()).contains("command").contains("{{ params.a ~ params.b | raw }}")
                .contains("(a ~ b) | raw");
    }

    @Test
    void aBlockCommandNamesTheLineInsideIt() {
        Problem p = error("""
                dag_id: r
                tasks:
                  - task_id: t
                    command: |
                      echo one
                      echo {{ 'x' if true else params.b | raw }}
                """, "whole expression");
        assertThat(p.message()).contains("line 2 of the command");
    }

    @Test
    void rawOnTheWholeExpressionIsAccepted() {
        valid("""
                dag_id: r
                params: {a: x, b: y}
                tasks:
                  - {task_id: t, command: "echo {{ (params.a ~ params.b) | raw }} {{ params.a | trim | raw }}"}
                """);
    }
}
