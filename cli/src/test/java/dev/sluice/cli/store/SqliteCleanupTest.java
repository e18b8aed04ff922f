package dev.sluice.cli.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import dev.sluice.kernel.DecisionLoop;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.RunState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice db clean}'s store side: which runs qualify, and removing one with everything that names it. */
class SqliteCleanupTest {
    private static final Instant DAY1 = Instant.parse("2024-01-01T00:00:00Z");
    private static final Instant DAY10 = Instant.parse("2024-01-10T00:00:00Z");
    private static final Instant DAY20 = Instant.parse("2024-01-20T00:00:00Z");

    @TempDir
    Path dir;

    private final AtomicReference<Instant> now = new AtomicReference<>(DAY1);
    private final Dag dag = DagBuilder.dag("d").task("a", t -> t.command("true"))
            .task("b", t -> t.command("true").upstream("a")).build();
    private final Dag other = DagBuilder.dag("e").task("a", t -> t.command("true")).build();

    private DecisionLoop loop(SqliteStateStore store) {
        return DecisionLoop.builder(store).clock(now::get).random(new Random(1)).sleeper(d -> { }).build();
    }

    private void start(SqliteStateStore store, Dag d, String runId, Instant at) {
        now.set(at);
        loop(store).run(new Engine(d), runId, new Event.RunRequested(runId, RunType.MANUAL, at, at, at, null, null));
    }

    private void succeed(SqliteStateStore store, Dag d, String runId, String task, Instant at) {
        now.set(at);
        Engine e = new Engine(d);
        loop(store).run(e, runId, new Event.TaskStarted(TaskKey.of(task), 1));
        loop(store).run(e, runId, new Event.TaskSucceeded(TaskKey.of(task), 1, "\"ok\""));
    }

    /** A run of {@code d} that starts and ends (every task succeeds) at {@code at}. */
    private void finished(SqliteStateStore store, Dag d, String runId, Instant at) {
        start(store, d, runId, at);
        for (String t : d.taskIds()) {
            succeed(store, d, runId, t, at);
        }
        assertThat(store.run(runId).orElseThrow().state()).isEqualTo(RunState.SUCCESS);
    }

    @Test
    void listsOnlyRunsThatEndedBeforeTheCutoffNeverARunningOne() {
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("sluice.db"))) {
            finished(store, dag, "d.old", DAY1);
            finished(store, dag, "d.young", DAY20);
            start(store, dag, "d.running", DAY1); // old logical date, not ended
            finished(store, other, "e.old", DAY1);

            List<String> all = store.endedRunsBefore(DAY10, null).stream().map(r -> r.run().runId()).toList();
            assertThat(all).containsExactlyInAnyOrder("d.old", "e.old");
            assertThat(store.endedRunsBefore(DAY10, "d")).singleElement().satisfies(r -> {
                assertThat(r.run().runId()).isEqualTo("d.old");
                assertThat(r.taskInstances()).isEqualTo(2);
            });
        }
    }

    @Test
    void removesTheRunItsInstancesAndTimersAndNothingElse() {
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("sluice.db"))) {
            finished(store, dag, "d.old", DAY1);
            finished(store, dag, "d.young", DAY20);
            store.apply(new dev.sluice.engine.Decision(null, List.of(), List.of(),
                    List.of(new Timer("d.old", TaskKey.of("a"), 1, DAY1, Timer.Kind.SLA)), List.of(), Map.of()));

            SqliteStateStore.RunDeletion d = store.deleteEndedRun("d.old", DAY10);

            assertThat(d.removed()).isTrue();
            assertThat(d.taskInstances()).isEqualTo(2);
            assertThat(d.timers()).isEqualTo(1);
            assertThat(store.run("d.old")).isEmpty();
            assertThat(store.instances("d.old")).isEmpty();
            assertThat(store.dueTimers(Instant.MAX, 10)).isEmpty();
            assertThat(store.run("d.young")).isPresent();
            assertThat(store.instances("d.young")).hasSize(2);
        }
    }

    @Test
    void aRunThatIsRunningAgainWhenItsTurnComesIsKept() {
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("sluice.db"))) {
            finished(store, dag, "d.old", DAY1);
            assertThat(store.endedRunsBefore(DAY10, null)).hasSize(1);
            // Another process clears a task (the run is running again) between the listing and the removal.
            loop(store).run(new Engine(dag), "d.old", new Event.ClearTasks(List.of("b"), false));
            assertThat(store.run("d.old").orElseThrow().state()).isEqualTo(RunState.RUNNING);

            SqliteStateStore.RunDeletion d = store.deleteEndedRun("d.old", DAY10);

            assertThat(d.removed()).isFalse();
            assertThat(store.run("d.old")).isPresent();
            assertThat(store.instances("d.old")).hasSize(2);
        }
    }

    @Test
    void aRunningRunIsNeverRemoved() {
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("sluice.db"))) {
            start(store, dag, "d.running", DAY1);
            assertThat(store.deleteEndedRun("d.running", DAY20).removed()).isFalse();
            assertThat(store.run("d.running").orElseThrow().state()).isEqualTo(RunState.RUNNING);
        }
    }
}
