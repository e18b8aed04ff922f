package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.testing.RunDriver;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.PastDependency;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** depends_on_past and wait_for_downstream, as Airflow's PrevDagrunDep decides them. */
class PastGateTest {
    private static final Instant D1 = Instant.parse("2024-01-01T00:00:00Z");
    private static final Instant D2 = Instant.parse("2024-01-02T00:00:00Z");
    private static final Instant D3 = Instant.parse("2024-01-03T00:00:00Z");

    private static Dag dag(PastDependency past, boolean catchup) {
        return DagBuilder.dag("dp").catchup(catchup).startDate(LocalDate.of(2024, 1, 1))
                .task("extract", t -> t.command("e"))
                .task("load", t -> t.command("l").upstream("extract").past(past))
                .task("report", t -> t.command("r").upstream("load"))
                .build();
    }

    private static void request(RunDriver d, String runId, RunType type, Instant date) {
        d.send(runId, new Event.RunRequested(runId, type, date, date, date.plusSeconds(86_400), null, "v1"));
    }

    /** Answers the pending dispatches of {@code runId} (only) until none is left. */
    private static void answer(RunDriver d, String runId, Function<Dispatch, Event> outcome) {
        for (int guard = 0; guard < 1000; guard++) {
            Dispatch x = d.pending().stream().filter(p -> p.runId().equals(runId)).findFirst().orElse(null);
            if (x == null) {
                return;
            }
            d.pending().remove(x);
            d.send(runId, new Event.TaskStarted(x.task(), x.tryNumber()));
            d.send(runId, outcome.apply(x));
        }
    }

    private static Function<Dispatch, Event> failing(String taskId) {
        return x -> x.task().taskId().equals(taskId)
                ? new Event.TaskFailed(x.task(), x.tryNumber(), "boom", false)
                : new Event.TaskSucceeded(x.task(), x.tryNumber(), null);
    }

    private static boolean dispatchedIn(RunDriver d, String runId, String taskId) {
        return d.dispatched().stream().anyMatch(x -> x.runId().equals(runId) && x.task().taskId().equals(taskId));
    }

    @Test
    void threeRunsWithAFailureInTheMiddle() {
        RunDriver d = new RunDriver(dag(PastDependency.DEPENDS_ON_PAST, true));
        request(d, "r1", RunType.SCHEDULED, D1);
        answer(d, "r1", RunDriver.allSucceed());
        assertThat(d.store().run("r1").orElseThrow().state()).isEqualTo(RunState.SUCCESS);

        request(d, "r2", RunType.SCHEDULED, D2);
        answer(d, "r2", failing("load"));
        assertThat(d.store().run("r2").orElseThrow().state()).isEqualTo(RunState.FAILED);

        request(d, "r3", RunType.SCHEDULED, D3);
        answer(d, "r3", RunDriver.allSucceed());
        TaskInstance load3 = d.instance("r3", "load");
        assertThat(load3.state()).isEqualTo(TaskState.SCHEDULED);
        assertThat(load3.error()).isEqualTo("depends_on_past: waits for task load in run r2 (it is failed)");
        assertThat(dispatchedIn(d, "r3", "load")).isFalse();
        assertThat(d.store().run("r3").orElseThrow().state()).isEqualTo(RunState.RUNNING);
        // Ticks change nothing while r2's load has failed.
        Decision idle = d.send("r3", new Event.Tick());
        assertThat(idle.instances()).isEmpty();
        assertThat(idle.dispatches()).isEmpty();

        // r2's load is cleared and succeeds: its decision tells the runtime, which ticks r3.
        d.send("r2", new Event.ClearTasks(List.of("load"), true));
        assertThat(d.instance("r3", "load").error()).contains("(it is failed)");
        Dispatch again = d.pending().stream().filter(x -> x.runId().equals("r2")).findFirst().orElseThrow();
        d.pending().remove(again);
        d.send("r2", new Event.TaskStarted(again.task(), again.tryNumber()));
        Decision done = d.send("r2", new Event.TaskSucceeded(again.task(), again.tryNumber(), null));
        assertThat(done.notifications()).contains(new Notification.PastDone("r2", "dp", D2));
        answer(d, "r2", RunDriver.allSucceed());
        assertThat(d.store().run("r2").orElseThrow().state()).isEqualTo(RunState.SUCCESS);

        d.send("r3", new Event.Tick());
        assertThat(dispatchedIn(d, "r3", "load")).isTrue();
        assertThat(d.instance("r3", "load").error()).isNull();
        answer(d, "r3", RunDriver.allSucceed());
        assertThat(d.store().run("r3").orElseThrow().state()).isEqualTo(RunState.SUCCESS);
    }

    @Test
    void theFirstRunAndAPreviousRunBeforeStartDatePass() {
        RunDriver d = new RunDriver(dag(PastDependency.DEPENDS_ON_PAST, true));
        // Before start_date (a backfill of an earlier interval), and failing.
        request(d, "r0", RunType.BACKFILL, Instant.parse("2023-12-31T00:00:00Z"));
        answer(d, "r0", failing("load"));
        request(d, "r1", RunType.SCHEDULED, D1);
        answer(d, "r1", RunDriver.allSucceed());
        assertThat(d.store().run("r1").orElseThrow().state()).isEqualTo(RunState.SUCCESS);
    }

    @Test
    void aSkippedPreviousInstanceCountsAsDone() {
        RunDriver d = new RunDriver(dag(PastDependency.DEPENDS_ON_PAST, true));
        request(d, "r1", RunType.SCHEDULED, D1);
        answer(d, "r1", x -> x.task().taskId().equals("load")
                ? new Event.TaskSkipped(x.task(), x.tryNumber(), "nothing to load")
                : new Event.TaskSucceeded(x.task(), x.tryNumber(), null));
        request(d, "r2", RunType.SCHEDULED, D2);
        answer(d, "r2", RunDriver.allSucceed());
        assertThat(d.store().run("r2").orElseThrow().state()).isEqualTo(RunState.SUCCESS);
    }

    @Test
    void withCatchupAManualRunIsNotThePreviousRunWithoutItItIs() {
        for (boolean catchup : new boolean[] {true, false}) {
            RunDriver d = new RunDriver(dag(PastDependency.DEPENDS_ON_PAST, catchup));
            request(d, "r1", RunType.SCHEDULED, D1);
            answer(d, "r1", RunDriver.allSucceed());
            request(d, "m", RunType.MANUAL, D2);
            answer(d, "m", failing("load"));
            request(d, "r3", RunType.SCHEDULED, D3);
            answer(d, "r3", RunDriver.allSucceed());
            assertThat(d.store().run("r3").orElseThrow().state()).as("catchup " + catchup)
                    .isEqualTo(catchup ? RunState.SUCCESS : RunState.RUNNING);
        }
    }

    @Test
    void waitForDownstreamWaitsForTheDirectDownstreamOfThePreviousRun() {
        RunDriver d = new RunDriver(dag(PastDependency.WAIT_FOR_DOWNSTREAM, true));
        request(d, "r1", RunType.SCHEDULED, D1);
        // extract and load succeed; report is dispatched and left running.
        answer(d, "r1", x -> x.task().taskId().equals("report") ? new Event.TaskStarted(x.task(), x.tryNumber())
                : new Event.TaskSucceeded(x.task(), x.tryNumber(), null));
        assertThat(d.instance("r1", "report").state()).isEqualTo(TaskState.RUNNING);

        request(d, "r2", RunType.SCHEDULED, D2);
        answer(d, "r2", RunDriver.allSucceed());
        assertThat(d.instance("r2", "load").error())
                .isEqualTo("wait_for_downstream: waits for task report in run r1 (it is running)");

        int reportTry = d.instance("r1", "report").tryNumber();
        Decision done = d.send("r1", new Event.TaskSucceeded(TaskKey.of("report"), reportTry, null));
        assertThat(done.notifications()).contains(new Notification.PastDone("r1", "dp", D1));
        d.send("r2", new Event.Tick());
        answer(d, "r2", RunDriver.allSucceed());
        assertThat(d.store().run("r2").orElseThrow().state()).isEqualTo(RunState.SUCCESS);
    }

    @Test
    void tasksWithoutPastDependencyTellNobody() {
        RunDriver d = new RunDriver(dag(PastDependency.NONE, true));
        request(d, "r1", RunType.SCHEDULED, D1);
        answer(d, "r1", RunDriver.allSucceed());
        assertThat(d.history().stream().flatMap(x -> x.notifications().stream())
                .filter(n -> n instanceof Notification.PastDone)).isEmpty();
    }
}
