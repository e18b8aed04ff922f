package dev.sluice.spec;

import static dev.sluice.spec.SpecFixtures.dag;
import static dev.sluice.spec.SpecFixtures.error;
import static dev.sluice.spec.SpecFixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.Location;
import dev.sluice.model.Problem;
import dev.sluice.model.TaskKind;
import dev.sluice.template.TemplateRenderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForeachTest {

    private static String command(Dag d, String taskId) {
        return ((TaskKind.Command) d.task(taskId).kind()).command();
    }

    @Test
    void aForeachBlockStampsOutTheChainOncePerItem() {
        Dag d = valid("""
                dag_id: gen
                tasks:
                  - {task_id: start, empty: true}
                  - foreach: [orders, customers, products]
                    as: table
                    tasks:
                      - {task_id: "extract_{{ table }}", upstream: start, command: "extract.sh {{ table }} {{ ds }}"}
                      - {task_id: "load_{{table}}", upstream: ["extract_{{ table }}"], command: "load.sh {{ table }}"}
                """).dag();

        assertThat(d.taskIds()).containsExactly("start", "extract_orders", "load_orders", "extract_customers",
                "load_customers", "extract_products", "load_products");
        assertThat(d.task("load_customers").upstream()).containsExactly("extract_customers");
        assertThat(d.task("extract_products").upstream()).containsExactly("start");
        // Run-time variables such as {{ ds }} are left for the templating engine.
        assertThat(command(d, "extract_orders")).isEqualTo("extract.sh orders {{ ds }}");
        assertThat(command(d, "load_products")).isEqualTo("load.sh products");
    }

    @Test
    void theDefaultVariableIsItemAndMappingItemsExposeTheirFields() {
        Dag d = valid("""
                dag_id: gen
                tasks:
                  - foreach: [{name: orders, schedule_hour: 2}, {name: users, schedule_hour: 3}]
                    tasks:
                      - task_id: "sync_{{ item.name }}"
                        command: "sync.sh {{ item }} --hour {{ item.schedule_hour }} --map {{ map_index }}"
                        params: {hour: "{{ item.schedule_hour }}"}
                """).dag();

        assertThat(d.taskIds()).containsExactly("sync_orders", "sync_users");
        assertThat(command(d, "sync_users")).isEqualTo("sync.sh users --hour 3 --map {{ map_index }}");
        assertThat(d.task("sync_orders").params()).isEqualTo(Map.of("hour", "2"));
    }

    @Test
    void valuesSubstitutedIntoShellFieldsAreQuotedUnlessRaw() {
        Dag d = valid("""
                dag_id: gen
                tasks:
                  - foreach: [{name: a, label: "my table"}, {name: b, label: "it's; rm -rf /"}]
                    as: t
                    tasks:
                      - task_id: "load_{{ t.name }}"
                        command: "load.sh {{ t.label }} && echo {{ t.label | raw }}"
                        on_failure: "alert.sh {{ t.label }}"
                        doc: "loads {{ t.label }}"
                """).dag();

        // A value that is not a plain word becomes a template literal: data at run time, never template source.
        assertThat(command(d, "load_a")).isEqualTo("load.sh " + TemplateRenderer.literal("my table", false)
                + " && echo " + TemplateRenderer.literal("my table", true));
        assertThat(command(d, "load_b")).isEqualTo("load.sh " + TemplateRenderer.literal("it's; rm -rf /", false)
                + " && echo " + TemplateRenderer.literal("it's; rm -rf /", true));
        assertThat(d.task("load_a").callbacks().onFailure())
                .isEqualTo("alert.sh " + TemplateRenderer.literal("my table", false));
        assertThat(d.task("load_a").doc()).isEqualTo("loads my table");
    }

    @Test
    void foreachFileReadsAMappingOfTablesRelativeToTheDagFile() {
        DagLoader.LoadResult r = DiskDagLoader.load(dag("dynamic_tables.yaml"));

        assertThat(r.problems()).isEmpty();
        Dag d = r.dag();
        assertThat(d.taskIds()).containsExactly(
                "tables.extract_orders", "tables.transform_orders", "tables.load_orders",
                "tables.extract_customers", "tables.transform_customers", "tables.load_customers",
                "tables.extract_products", "tables.transform_products", "tables.load_products", "report");
        assertThat(d.task("report").upstream()).containsExactly("tables.load_orders", "tables.load_customers",
                "tables.load_products");
        assertThat(d.task("tables.transform_customers").upstream()).containsExactly("tables.extract_customers");
        assertThat(command(d, "tables.extract_products"))
                .isEqualTo("extract.sh products " + TemplateRenderer.literal("s3://bucket/products data", false)
                        + " {{ ds }}");
        assertThat(d.task("tables.load_orders").params()).isEqualTo(Map.of("source", "postgres"));
        assertThat(d.task("tables.load_orders").retry().retries()).isEqualTo(1);
        assertThat(d.group("tables").orElseThrow().leaves()).containsExactly("tables.load_orders",
                "tables.load_customers", "tables.load_products");
    }

    @Test
    void foreachFileMayHoldAListAndJson(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("items.json"), "[\"a\", \"b\"]");
        Files.createDirectories(dir.resolve("conf"));
        Files.writeString(dir.resolve("conf/more.yaml"), "- {name: c, n: 1}\n- {name: d, n: 2}\n");
        Path dagFile = Files.writeString(dir.resolve("gen.yaml"), """
                dag_id: gen
                tasks:
                  - foreach_file: items.json
                    tasks: [{task_id: "j_{{ item }}", empty: true}]
                  - foreach_file: conf/more.yaml
                    as: row
                    tasks: [{task_id: "y_{{ row.name }}_{{ row.n }}", empty: true}]
                """);

        DagLoader.LoadResult r = DiskDagLoader.load(dagFile);

        assertThat(r.problems()).isEmpty();
        assertThat(r.dag().taskIds()).containsExactly("j_a", "j_b", "y_c_1", "y_d_2");
    }

    @Test
    void foreachBlocksNestAndTheJavaBuilderMakesTheSameTasks() {
        Dag yaml = valid("""
                dag_id: nest
                tasks:
                  - foreach: [eu, us]
                    as: region
                    tasks:
                      - foreach: [orders, users]
                        as: table
                        tasks:
                          - {task_id: "copy_{{ region }}_{{ table }}", command: "copy.sh {{ region }} {{ table }}"}
                """).dag();

        Dag java = DagBuilder.dag("nest")
                .forEach(List.of("eu", "us"), (region, b) -> b.forEach(List.of("orders", "users"), (table, c) -> c
                        .task("copy_" + region + "_" + table, t -> t.command("copy.sh " + region + " " + table))))
                .build();
        assertThat(yaml.tasks()).isEqualTo(java.tasks());
    }

    @Test
    void foreachProblemsAreReportedWithLocations(@TempDir Path dir) throws IOException {
        Problem field = error("""
                dag_id: gen
                tasks:
                  - foreach: [orders]
                    as: t
                    tasks:
                      - {task_id: "x_{{ t.name }}", empty: true}
                """, "not a mapping");
        assertThat(field.message()).isEqualTo("foreach item the string 'orders' is not a mapping, so "
                + "{{ t.name }} has no value");
        assertThat(field.location()).isEqualTo(new Location("t.yaml", 6, 19));

        Problem missing = error("""
                dag_id: gen
                tasks:
                  - foreach_file: nowhere.yaml
                    tasks: [{task_id: "x_{{ item }}", empty: true}]
                """, "foreach_file");
        assertThat(missing.message())
                .isEqualTo("cannot read foreach_file 'nowhere.yaml': no included files were given with this DAG text");
        assertThat(missing.location()).isEqualTo(new Location("t.yaml", 3, 19));

        Files.writeString(dir.resolve("bad.yaml"), "- a\n- [b\n");
        Path dagFile = Files.writeString(dir.resolve("gen.yaml"), """
                dag_id: gen
                tasks:
                  - {task_id: start, empty: true}
                  - foreach_file: bad.yaml
                    tasks: [{task_id: "x_{{ item }}", empty: true}]
                """);
        List<Problem> problems = DiskDagLoader.load(dagFile).problems();
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.location().file()).endsWith("bad.yaml");
            assertThat(p.location().line()).isEqualTo(3);
            assertThat(p.message()).startsWith("malformed YAML");
        });

        Problem as = error("dag_id: g\ntasks:\n  - foreach: [a]\n    as: \"{{ x }}\"\n    tasks: []\n", "as must");
        assertThat(as.message()).isEqualTo("as must be a plain name like 'table', got '{{ x }}'");
        Problem both = error("dag_id: g\ntasks:\n  - {foreach: [a], foreach_file: f.yaml, tasks: []}\n", "not both");
        assertThat(both.location().line()).isEqualTo(3);
        Problem dup = error("""
                dag_id: g
                tasks:
                  - foreach: [a, b]
                    tasks: [{task_id: same, empty: true}]
                """, "duplicate");
        assertThat(dup.message()).isEqualTo("duplicate task_id 'same' (first defined at t.yaml:4:13)");
    }
}
