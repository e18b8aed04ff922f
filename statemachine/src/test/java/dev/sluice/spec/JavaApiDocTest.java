package dev.sluice.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The "Java API" snippet of docs/dag-spec.md, as written there (JavaSnippetsTest checks that it is an excerpt). */
class JavaApiDocTest {
    @Test
    void theDocumentedJavaApiLoadsAndBuildsDags() {
        Path examples = Path.of("").toAbsolutePath().getParent().resolve("examples");
        assertThat(Files.isDirectory(examples)).isTrue();

        // Load one file, or everything under some folders (here the repository's examples/).
        DagLoader.LoadResult r = DiskDagLoader.load(examples.resolve("warehouse.yaml"));
        if (!r.ok()) r.problems().forEach(System.err::println);
        List<DagLoader.LoadResult> all = DiskDagLoader.loadAll(List.of(examples));

        // Or build the same model in Java.
        Dag dag = DagBuilder.dag("dynamic_tables")
            .schedule("@daily").startDate(LocalDate.of(2024, 1, 1))
            .defaults(t -> t.retries(2).owner("data-team"))
            .forEach(List.of("orders", "customers"), (table, d) -> d
                .task("extract_" + table, t -> t.command("extract.sh " + table))
                .task("load_" + table, t -> t.command("load.sh " + table).upstream("extract_" + table)))
            .build();

        assertThat(r.ok()).as("%s", r.problems()).isTrue();
        assertThat(r.dag().dagId()).isEqualTo("data_warehouse_pipeline");
        assertThat(all).allMatch(DagLoader.LoadResult::ok).extracting(x -> x.dag().dagId())
                .contains("data_warehouse_pipeline");
        assertThat(dag.taskIds()).containsExactlyInAnyOrder("extract_orders", "load_orders", "extract_customers",
                "load_customers");
    }
}
