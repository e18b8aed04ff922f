package dev.sluice.functions.dags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.functions.obs.JsonLog;
import dev.sluice.functions.support.MapDagSource;
import dev.sluice.store.InMemoryStateStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Deployed DAGs read their included files from the source next to them, and a pinned version holds them. */
class DagRegistryTest {
    private static final String DAG = """
            dag_id: dyn
            tasks:
              - foreach_file: config/items.yaml
                tasks: [{task_id: "t_{{ item }}", command: "echo {{ item }}"}]
            """;

    private final InMemoryStateStore store = new InMemoryStateStore();
    private final MapDagSource source = new MapDagSource();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final Clock clock = Clock.fixed(Instant.parse("2024-01-01T00:00:00Z"), ZoneOffset.UTC);

    private DagRegistry registry() {
        return new DagRegistry(store, source, clock, Duration.ofMinutes(1),
                new JsonLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), clock));
    }

    @Test
    void anIncludedFileIsReadNextToTheDagAndBelongsToThePinnedVersion() {
        source.put("dags/dyn.yaml", DAG).put("dags/config/items.yaml", "- a\n- b\n");
        DagRegistry registry = registry();

        DagRegistry.Current first = registry.current("dyn").orElseThrow();
        assertThat(first.dag().taskIds()).containsExactly("t_a", "t_b");
        assertThat(registry.current()).hasSize(1); // the data file is not a DAG

        source.put("dags/config/items.yaml", "- a\n- b\n- c\n");
        registry.invalidate();
        DagRegistry.Current second = registry.current("dyn").orElseThrow();
        assertThat(second.version()).isNotEqualTo(first.version());
        assertThat(second.dag().taskIds()).containsExactly("t_a", "t_b", "t_c");

        // another coordinator, with nothing in memory, loads the first version from its record alone
        assertThat(registry().pinned("dyn", first.version()).taskIds()).containsExactly("t_a", "t_b");
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).doesNotContain("dag_invalid");
    }

    @Test
    void anIncludedFileOutsideTheDagsFolderIsRefused() {
        source.put("dags/esc.yaml", DAG.replace("dag_id: dyn", "dag_id: esc")
                .replace("config/items.yaml", "../secret.yaml")).put("secret.yaml", "- x\n");

        assertThat(registry().current("esc")).isEmpty();
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("dag_invalid",
                "must be in the DAG file's folder or below");
    }

    @Test
    void keysOfIncludedFilesAreResolvedBesideTheDagFile() {
        assertThat(DagRegistry.keyNear("dags/a.yaml", "config/t.yaml")).isEqualTo("dags/config/t.yaml");
        assertThat(DagRegistry.keyNear("dags/a.yaml", "./x/../t.yaml")).isEqualTo("dags/t.yaml");
        assertThat(DagRegistry.keyNear("a.yaml", "t.yaml")).isEqualTo("t.yaml");
        assertThatThrownBy(() -> DagRegistry.keyNear("dags/a.yaml", "/etc/t.yaml"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DagRegistry.keyNear("dags/a.yaml", "x/../../t.yaml"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
