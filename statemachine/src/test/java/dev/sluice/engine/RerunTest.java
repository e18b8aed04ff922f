package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.engine.testing.RunDriver;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Clearing onto a new DAG version, choosing what to clear as Airflow does, and marking tasks and runs by hand. */
class RerunTest {
    /** a -> b -> c, a -> d. */
    private static Dag dag() {
        return DagBuilder.dag("rr")
                .task("a", t -> t.command("x"))
                .task("b", t -> t.command("x").upstream("a"))
                .task("c", t -> t.command("x").upstream("b"))
                .task("d", t -> t.command("x").upstream("a"))
                .build();
    }

    private static Function<Dispatch, Event> failing(String taskId) {
        return x -> x.task().taskId().equals(taskId)
                ? new Event.TaskFailed(x.task(), x.tryNumber(), "boom", false)
                : new Event.TaskSucceeded(x.task(), x.tryNumber(), null);
    }

    private static RunDriver failedRun() {
        RunDriver d = new RunDriver(dag());
        d.start("r1");
        d.runToEnd("r1", failing("b"));
        return d;
    }

    @Test
    void aClearOntoANewVersionMovesTheRunAndKeepsWhichVersionEachTryRan() {
        RunDriver d = failedRun();
        String v1 = d.store().run("r1").orElseThrow().dagVersion();
        d.advance(Duration.ofMinutes(5));
        d.send("r1", new Event.ClearTasks(List.of("b", "c"), false, "v2"));
        DagRun run = d.runToEnd("r1", RunDriver.allSucceed());
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(run.dagVersion()).isEqualTo("v2");
        assertThat(run.earlierVersions()).extracting(DagRun.VersionChange::version).containsExactly(v1);
        assertThat(run.versionAt(d.instance("r1", "a").queuedAt())).isEqualTo(v1);
        assertThat(run.versionAt(d.instance("r1", "d").queuedAt())).isEqualTo(v1);
        assertThat(run.versionAt(d.instance("r1", "b").queuedAt())).isEqualTo("v2");
        assertThat(run.versionAt(d.instance("r1", "c").queuedAt())).isEqualTo("v2");
        assertThat(run.versionAt(null)).isNull();
    }

    @Test
    void aClearOnTheSameVersionRecordsNoChange() {
        RunDriver d = failedRun();
        String v1 = d.store().run("r1").orElseThrow().dagVersion();
        d.send("r1", new Event.ClearTasks(List.of("b"), true, v1));
        assertThat(d.store().run("r1").orElseThrow().earlierVersions()).isEmpty();
    }

    @Test
    void versionChangesRoundTripAsText() {
        Instant t = Instant.parse("2024-01-01T00:00:00.123Z");
        List<DagRun.VersionChange> changes = List.of(new DagRun.VersionChange("abc", t),
                new DagRun.VersionChange("def", t.plusSeconds(1)));
        assertThat(DagRun.VersionChange.decode(DagRun.VersionChange.encode(changes))).isEqualTo(changes);
        assertThat(DagRun.VersionChange.encode(List.of())).isNull();
        assertThat(DagRun.VersionChange.decode(null)).isEmpty();
        assertThatThrownBy(() -> DagRun.VersionChange.decode("nope")).hasMessageContaining("version@epochMillis");
    }

    @Test
    void selectionsChooseAsAirflowTasksClearDoes() {
        RunDriver d = failedRun(); // a success, b failed, c upstream_failed, d success
        Dag dag = dag();
        List<TaskInstance> all = d.store().instances("r1");
        Map<ClearSelection, List<String>> cases = Map.of(
                new ClearSelection(List.of("b"), null, false, false, false, false), List.of("b"),
                new ClearSelection(List.of("b"), null, false, true, false, false), List.of("b", "c"),
                new ClearSelection(List.of("c"), null, true, false, false, false), List.of("a", "b", "c"),
                new ClearSelection(List.of(), null, false, false, true, false), List.of("b", "c"),
                new ClearSelection(List.of(), Pattern.compile("^[ad]$"), false, false, false, false), List.of("a", "d"),
                new ClearSelection(List.of("a"), null, false, true, true, false), List.of("b", "c"),
                new ClearSelection(List.of(), null, false, false, false, true), List.of(),
                new ClearSelection(List.of(), null, false, false, false, false), List.of("a", "b", "c", "d"));
        cases.forEach((sel, expected) -> assertThat(sel.select(dag, all)).as(sel.toString())
                .containsExactlyInAnyOrderElementsOf(expected));
        assertThat(new ClearSelection(List.of("zz", "b"), null, false, false, false, false).unknownIds(dag))
                .containsExactly("zz");
    }

    @Test
    void anInstanceStillInNoneHasNothingToClear() {
        RunDriver d = new RunDriver(dag());
        d.start("r1"); // a queued, the rest none
        assertThat(new ClearSelection(List.of(), null, false, false, false, false)
                .select(dag(), d.store().instances("r1"))).containsExactly("a");
    }

    @Test
    void markingAFailedTaskSuccessLetsItsDownstreamRun() {
        RunDriver d = failedRun();
        d.send("r1", new Event.MarkTasks(List.of("b"), TaskState.SUCCESS));
        assertThat(d.instance("r1", "b").state()).isEqualTo(TaskState.SUCCESS);
        assertThat(d.instance("r1", "c").state()).as("as in Airflow").isEqualTo(TaskState.UPSTREAM_FAILED);
        assertThat(d.instance("r1", "c").upstream().success()).isEqualTo(1);
        assertThat(d.instance("r1", "c").upstream().failed()).isZero();
        d.send("r1", new Event.ClearTasks(List.of("c"), false));
        assertThat(d.instance("r1", "c").state()).isEqualTo(TaskState.QUEUED);
        DagRun run = d.runToEnd("r1", RunDriver.allSucceed());
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(run.failedLeaves()).isZero();
    }

    @Test
    void markingALeafFailedFailsAFinishedRunAndMarkingItBackSucceedsIt() {
        RunDriver d = new RunDriver(dag());
        d.start("r1");
        assertThat(d.runToEnd("r1", RunDriver.allSucceed()).state()).isEqualTo(RunState.SUCCESS);
        d.send("r1", new Event.MarkTasks(List.of("d"), TaskState.FAILED));
        DagRun run = d.store().run("r1").orElseThrow();
        assertThat(run.state()).isEqualTo(RunState.FAILED);
        assertThat(run.failedLeaves()).isEqualTo(1);
        d.send("r1", new Event.MarkTasks(List.of("d"), TaskState.SUCCESS));
        run = d.store().run("r1").orElseThrow();
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        assertThat(run.failedLeaves()).isZero();
        assertThat(run.pending()).isZero();
    }

    @Test
    void markingARunFailedFailsWhatRunsAndSkipsWhatWaits() {
        RunDriver d = new RunDriver(dag());
        d.start("r1"); // a queued
        d.send("r1", new Event.MarkRun(RunState.FAILED));
        DagRun run = d.store().run("r1").orElseThrow();
        assertThat(run.state()).isEqualTo(RunState.FAILED);
        assertThat(run.pending()).isZero();
        assertThat(run.activeTasks()).isZero();
        assertThat(d.instance("r1", "a").state()).isEqualTo(TaskState.FAILED);
        assertThat(d.instance("r1", "b").state()).isEqualTo(TaskState.SKIPPED);
        assertThat(d.instance("r1", "d").state()).isEqualTo(TaskState.SKIPPED);
        // the queued try's late report changes nothing
        d.send("r1", new Event.TaskSucceeded(TaskKey.of("a"), 1, null));
        assertThat(d.instance("r1", "a").state()).isEqualTo(TaskState.FAILED);

        d.send("r1", new Event.MarkRun(RunState.SUCCESS));
        run = d.store().run("r1").orElseThrow();
        assertThat(run.state()).isEqualTo(RunState.SUCCESS);
        for (String id : List.of("a", "b", "c", "d")) {
            assertThat(d.instance("r1", id).state()).as(id).isEqualTo(TaskState.SUCCESS);
        }
    }

    @Test
    void marksAndRunMarksTakeOnlyFinalStates() {
        assertThatThrownBy(() -> new Event.MarkTasks(List.of("a"), TaskState.RUNNING))
                .hasMessageContaining("success, failed or skipped");
        assertThatThrownBy(() -> new Event.MarkRun(RunState.RUNNING)).hasMessageContaining("success or failed");
    }
}
