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

    /** A clock the test moves by hand. */
    private static final class HandClock extends Clock {
        private Instant now = Instant.parse("2024-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    /** Counts the listings of a MapDagSource. */
    private static final class CountingSource implements DagSource {
        final MapDagSource files = new MapDagSource();
        int lists;

        @Override
        public java.util.List<Entry> list() {
            lists++;
            return files.list();
        }

        @Override
        public String read(Entry entry) {
            return files.read(entry);
        }

        @Override
        public String location(Entry entry) {
            return files.location(entry);
        }
    }

    private DagRegistry registry(DagSource src, Clock c) {
        return new DagRegistry(store, src, c, Duration.ofMinutes(1),
                new JsonLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), c));
    }

    @Test
    void aDagUploadedAfterTheLastListingIsFoundByItsFirstTrigger() {
        CountingSource src = new CountingSource();
        src.files.put("dags/old.yaml", "dag_id: old\ntasks: [{task_id: t, command: 'echo'}]\n");
        HandClock c = new HandClock();
        DagRegistry registry = registry(src, c);
        assertThat(registry.current()).hasSize(1);
        assertThat(src.lists).isEqualTo(1);

        src.files.put("dags/fresh.yaml", "dag_id: fresh\ntasks: [{task_id: t, command: 'echo'}]\n");
        c.advance(Duration.ofSeconds(1)); // well within the one-minute refresh

        assertThat(registry.current("fresh")).isPresent();
        assertThat(src.lists).isEqualTo(2);
        assertThat(registry.current("old")).isPresent();
        assertThat(src.lists).isEqualTo(2); // a hit lists nothing
    }

    @Test
    void unknownDagIdsListAgainAtMostOncePerQuarterSecond() {
        CountingSource src = new CountingSource();
        HandClock c = new HandClock();
        DagRegistry registry = registry(src, c);
        assertThat(registry.current("nope")).isEmpty();
        assertThat(registry.current("nope")).isEmpty();
        assertThat(registry.current("nope")).isEmpty();
        assertThat(src.lists).isEqualTo(1);

        c.advance(DagRegistry.MISS_RELIST_AFTER);
        assertThat(registry.current("nope")).isEmpty();
        assertThat(registry.current("nope")).isEmpty();
        assertThat(src.lists).isEqualTo(2);
    }

    @Test
    void aDagThatDoesNotLoadIsReportedOncePerChangeNotAtEveryListing() {
        CountingSource src = new CountingSource();
        src.files.put("dags/bad.yaml", "dag_id: bad\ntasks: [{task_id: t, comand: 'echo'}]\n");
        HandClock c = new HandClock();
        DagRegistry registry = registry(src, c);
        for (int i = 0; i < 3; i++) {
            assertThat(registry.current()).isEmpty();
            c.advance(Duration.ofMinutes(2));
        }
        assertThat(src.lists).isEqualTo(3);
        assertThat(count(logBytes.toString(StandardCharsets.UTF_8), "dag_invalid")).isEqualTo(1);

        src.files.put("dags/bad.yaml", "dag_id: bad\ntasks: [{task_id: t, comandd: 'echo'}]\n");
        registry.current();
        c.advance(Duration.ofMinutes(2));
        registry.current();
        assertThat(count(logBytes.toString(StandardCharsets.UTF_8), "dag_invalid")).isEqualTo(2);

        src.files.put("dags/bad.yaml", "dag_id: bad\ntasks: [{task_id: t, command: 'echo'}]\n");
        c.advance(Duration.ofMinutes(2));
        assertThat(registry.current("bad")).isPresent();
    }

    @Test
    void aDagWhoseIncludedFileArrivesLaterLoadsThen() {
        CountingSource src = new CountingSource();
        src.files.put("dags/dyn.yaml", DAG);
        HandClock c = new HandClock();
        DagRegistry registry = registry(src, c);
        assertThat(registry.current()).isEmpty();

        src.files.put("dags/config/items.yaml", "- a\n");
        c.advance(Duration.ofMinutes(2));
        assertThat(registry.current("dyn")).isPresent();
        assertThat(count(logBytes.toString(StandardCharsets.UTF_8), "dag_invalid")).isEqualTo(1);
    }

    private static int count(String text, String word) {
        int n = 0;
        for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
            n++;
        }
        return n;
    }
}
