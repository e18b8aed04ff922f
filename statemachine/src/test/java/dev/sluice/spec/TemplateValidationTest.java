package dev.sluice.spec;

import static dev.sluice.spec.SpecFixtures.error;
import static dev.sluice.spec.SpecFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Problem;
import org.junit.jupiter.api.Test;

/** Loading a DAG checks its templates: undefined names and syntax errors at file:line:col, with hints. */
class TemplateValidationTest {

    @Test
    void aMisspelledNameInAFlowStringIsReportedAtItsColumn() {
        Problem p = error("""
                dag_id: r
                tasks:
                  - {task_id: t, command: "echo {{ ds_nodsh }}"}
                """, "ds_nodsh");
        assertThat(p.toString()).isEqualTo(
                "t.yaml:3:36: error: command: undefined name 'ds_nodsh' (did you mean 'ds_nodash'?)");
    }

    @Test
    void aPlainStringAndABlockArePlacedExactly() {
        Problem plain = error("""
                dag_id: r
                params: {x: 1}
                tasks:
                  - task_id: t
                    command: run {{ parmas.x }}
                """, "parmas");
        assertThat(plain.toString()).isEqualTo(
                "t.yaml:5:21: error: command: undefined name 'parmas' (did you mean 'params'?)");
        Problem block = error("""
                dag_id: r
                tasks:
                  - task_id: t
                    command: |
                      echo one
                      {% for t in [1, 2] %}echo {{ t }} {{ tt }}{% endfor %}
                """, "'tt'");
        assertThat(block.location().line()).isEqualTo(6);
        assertThat(block.location().column()).isEqualTo(44);
    }

    @Test
    void aTemplateThatDoesNotParseIsReportedWithItsField() {
        Problem p = error("""
                dag_id: r
                tasks:
                  - {task_id: t, command: "echo {{ ds ~ }}", on_failure: "echo {{ ds }}"}
                """, "cannot parse");
        assertThat(p.location().line()).isEqualTo(3);
        assertThat(p.message()).startsWith("command: cannot parse 'ds ~'");
        Problem cb = error("""
                dag_id: r
                tasks:
                  - {task_id: t, command: "true", on_failure: "alert {{ task_idd }}"}
                """, "task_idd");
        assertThat(cb.message()).isEqualTo("on_failure: undefined name 'task_idd' (did you mean 'task_id'?)");
    }

    @Test
    void declaredParamsItemsAndRuntimeNamesAreKnown() {
        valid("""
                dag_id: r
                params: {tables: [a, b]}
                default_args: {params: {full: false}}
                tasks:
                  - {task_id: m, expand: [1, 2], command: "echo {{ item }} {{ params.tables }} {{ params.full }}"}
                  - {task_id: n, params: {own: 1}, command: "echo {{ params.own }} {{ conf.anything }} {{ var.value.x }}"}
                  - {task_id: h, command: "true", on_failure: "handler:com.example.Alert"}
                """);
        Problem p = error("""
                dag_id: r
                params: {tables: [a, b]}
                tasks:
                  - {task_id: n, command: "echo {{ params.tabels }}"}
                """, "tabels");
        assertThat(p.message()).startsWith("command: params has no key 'tabels' (did you mean 'tables'?)");
        Problem item = error("""
                dag_id: r
                tasks:
                  - {task_id: n, command: "echo {{ item }}"}
                """, "item");
        assertThat(item.message()).contains("mapped task");
    }

    @Test
    void foreachVariablesAreReplacedBeforeTheCheck() {
        valid("""
                dag_id: r
                tasks:
                  - foreach: [{name: orders, q: "a b; c"}, {name: customers, q: "{{ nope }}"}]
                    as: table
                    tasks:
                      - {task_id: "x_{{ table }}", command: "echo {{ table.q }} {{ ds }}"}
                """);
    }

    @Test
    void expandTakesATemplateThatIsCheckedWithoutItem() {
        DagLoader.LoadResult r = valid("""
                dag_id: r
                params: {tables: [orders, customers]}
                tasks:
                  - {task_id: per_table, expand: "{{ params.tables }}", command: "echo {{ item }}"}
                """);
        assertThat(r.dag().task("per_table").expandTemplate()).isEqualTo("{{ params.tables }}");
        assertThat(r.dag().task("per_table").isMapped()).isTrue();
        Problem p = error("""
                dag_id: r
                params: {tables: [orders, customers]}
                tasks:
                  - {task_id: per_table, expand: "{{ item }}", command: "echo {{ item }}"}
                """, "item");
        assertThat(p.toString()).startsWith("t.yaml:4:38: error: expand: undefined name 'item'");
        assertThat(SpecFixtures.errors("""
                dag_id: r
                tasks:
                  - {task_id: per_table, expand: orders, command: "echo {{ item }}"}
                """)).extracting(Problem::message).contains("expand must be a list, got the string 'orders'");
    }
}
