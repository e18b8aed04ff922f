package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.engine.testing.RunDriver;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.TriggerRule;
import dev.sluice.state.IllegalTransitionException;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.state.TransitionRecorder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The transition tables are explicit, illegal moves throw, and every declared move is really used by the engine. */
class TransitionTableTest {

    @Test
    void illegalTransitionsThrowNamingBothStates() {
        assertThatThrownBy(() -> TaskState.SUCCESS.transitionTo(TaskState.RUNNING))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("success -> running");
        assertThatThrownBy(() -> TaskState.NONE.transitionTo(TaskState.QUEUED))
                .hasMessageContaining("none -> queued");
        assertThatThrownBy(() -> RunState.SUCCESS.transitionTo(RunState.FAILED))
                .hasMessageContaining("run transition success -> failed");
    }

    @Test
    void terminalStatesOnlyLeadBackToNoneByClearing() {
        for (TaskState s : TaskState.values()) {
            if (s.isTerminal()) {
                assertThat(TaskState.TRANSITIONS.get(s)).containsExactly(TaskState.NONE);
            }
        }
        for (TaskState s : TaskState.values()) {
            assertThat(TaskState.TRANSITIONS).containsKey(s);
        }
    }

    /** Runs scenarios that together must take every declared transition at least once. */
    @Test
    void everyDeclaredTransitionIsExercised() {
        TransitionRecorder.enable();
        scenarios();
        List<String> missing = new ArrayList<>();
        for (Map.Entry<TaskState, Set<TaskState>> e : TaskState.TRANSITIONS.entrySet()) {
            for (TaskState to : e.getValue()) {
                if (!TransitionRecorder.seen(e.getKey(), to)) {
                    missing.add(e.getKey().airflowName() + " -> " + to.airflowName());
                }
            }
        }
        for (Map.Entry<RunState, Set<RunState>> e : RunState.TRANSITIONS.entrySet()) {
            for (RunState to : e.getValue()) {
                if (!TransitionRecorder.seen(e.getKey(), to)) {
                    missing.add("run " + e.getKey().airflowName() + " -> " + to.airflowName());
                }
            }
        }
        assertThat(missing).as("declared transitions never exercised").isEmpty();
    }

    private static void scenarios() {
        // success path, retries, failure, upstream_failed, all_done, skip via exit, clears of everything
        Dag dag = DagBuilder.dag("cover")
                .task("a", t -> t.command("x").retries(1))
                .task("b", t -> t.command("x").upstream("a"))
                .task("c", t -> t.command("x").upstream("b").triggerRule(TriggerRule.ALL_DONE))
                .task("m", t -> t.command("x").expand(List.of(1, 2)))
                .task("s", t -> t.command("x"))
                .task("sensor", t -> t.command("x"))
                .task("bad_map", t -> t.command("x").upstream("s").expandFrom("s"))
                .build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        TaskKey a = TaskKey.of("a");
        d.send("r1", new Event.TaskFailed(a, 1, "x", true));              // queued -> up_for_retry
        d.send("r1", new Event.TimerFired(a, 1, Timer.Kind.RETRY));        // up_for_retry -> scheduled -> queued
        d.send("r1", new Event.TaskStarted(a, 2));                          // queued -> running
        d.send("r1", new Event.TaskFailed(a, 2, "x", true));               // running -> failed
        d.send("r1", new Event.TaskStarted(new TaskKey("m", 0), 1));
        d.send("r1", new Event.TaskSucceeded(new TaskKey("m", 0), 1, null)); // running -> success
        d.send("r1", new Event.TaskSucceeded(new TaskKey("m", 1), 1, null)); // queued -> success
        d.send("r1", new Event.TaskSkipped(TaskKey.of("s"), 1, "x"));      // queued -> skipped; bad_map skipped
        d.send("r1", new Event.TaskRescheduled(TaskKey.of("sensor"), 1, d.now(), "poke")); // queued -> up_for_resched
        d.send("r1", new Event.TimerFired(TaskKey.of("sensor"), 0, Timer.Kind.RESCHEDULE));
        d.send("r1", new Event.TaskStarted(TaskKey.of("sensor"), 1));
        d.send("r1", new Event.TaskRescheduled(TaskKey.of("sensor"), 1, d.now(), "poke")); // running -> up_for_resched
        d.send("r1", new Event.ClearTasks(List.of("sensor"), false));      // up_for_reschedule -> none
        d.runToEnd("r1", RunDriver.allSucceed());                           // run running -> failed (leaf b)
        d.send("r1", new Event.ClearTasks(List.of("a", "m", "s"), true));   // failed/success/removed/... -> none
        d.runToEnd("r1", RunDriver.allSucceed());                           // run failed -> running -> success
        d.send("r1", new Event.MarkTasks(List.of("b"), TaskState.SUCCESS)); // success -> none -> ... (marked)
        d.send("r1", new Event.MarkTasks(List.of("b"), TaskState.FAILED));  // success -> none -> failed
        d.send("r1", new Event.MarkTasks(List.of("b"), TaskState.SUCCESS)); // failed -> none -> success (by hand)

        // running -> skipped, running -> up_for_retry, clear of queued/running/scheduled/up_for_retry, run queued
        Dag two = DagBuilder.dag("cover2").maxActiveTasks(1).maxActiveRuns(1)
                .task("p", t -> t.command("x").retries(2))
                .task("q", t -> t.command("x"))
                .task("r", t -> t.command("x"))
                .build();
        RunDriver e = new RunDriver(two);
        e.start("r1");
        e.start("r2");                                                       // run queued
        TaskKey p = TaskKey.of("p");
        e.send("r1", new Event.TaskStarted(p, 1));
        e.send("r1", new Event.TaskFailed(p, 1, "x", true));               // running -> up_for_retry
        e.send("r1", new Event.ClearTasks(List.of("p"), false));            // up_for_retry -> none
        e.send("r1", new Event.ClearTasks(List.of("q", "r"), false));       // queued -> none, scheduled -> none
        e.runToEnd("r1", x -> new Event.TaskSucceeded(x.task(), x.tryNumber(), null));
        e.send("r2", new Event.Tick());                                      // run queued -> running
        TaskKey p2 = TaskKey.of("p");
        e.send("r2", new Event.TaskStarted(p2, 1));
        e.send("r2", new Event.ClearTasks(List.of("p"), false));            // running -> none
        Dispatch next = e.pending().peekLast();
        e.send("r2", new Event.TaskStarted(next.task(), next.tryNumber()));
        e.send("r2", new Event.TaskSkipped(next.task(), next.tryNumber(), "x")); // running -> skipped

        // branch: none -> skipped, scheduled -> skipped (a downstream that became ready before the branch chose)
        Dag br = DagBuilder.dag("cover3")
                .task("pick", t -> t.command("x").branch(true))
                .task("other", t -> t.command("x"))
                .task("x1", t -> t.command("x").upstream("pick", "other").triggerRule(TriggerRule.ONE_SUCCESS))
                .task("x2", t -> t.command("x").upstream("pick"))
                .build();
        RunDriver f = new RunDriver(br);
        f.start("r1");
        f.send("r1", new Event.TaskSucceeded(TaskKey.of("other"), 1, null)); // x1 ready: none -> scheduled -> queued?
        f.send("r1", new Event.TaskSucceeded(TaskKey.of("pick"), 1, "\"x2\""));

        Dag sched = DagBuilder.dag("cover4").maxActiveTasks(1)
                .task("pick", t -> t.command("x").branch(true))
                .task("blocker", t -> t.command("x").priorityWeight(10))
                .task("y1", t -> t.command("x").upstream("pick", "blocker").triggerRule(TriggerRule.ONE_SUCCESS))
                .task("y2", t -> t.command("x").upstream("pick"))
                .build();
        RunDriver g = new RunDriver(sched);
        g.start("r1");                                                       // blocker queued, pick waits
        g.send("r1", new Event.TaskSucceeded(TaskKey.of("blocker"), 1, null)); // y1 scheduled, pick queued
        assertThat(g.instance("r1", "y1").state()).isEqualTo(TaskState.SCHEDULED);
        g.send("r1", new Event.TaskSucceeded(TaskKey.of("pick"), 1, "\"y2\"")); // scheduled -> skipped
        assertThat(g.instance("r1", "y1").state()).isEqualTo(TaskState.SKIPPED);
        // upstream_failed and none -> failed (mapped task whose items cannot be read)
        Dag uf = DagBuilder.dag("cover5")
                .task("src", t -> t.command("x"))
                .task("m", t -> t.command("x").upstream("src").expandFrom("src"))
                .build();
        RunDriver h = new RunDriver(uf);
        h.start("r1");
        h.runToEnd("r1", x -> new Event.TaskSucceeded(x.task(), x.tryNumber(), "42"));
        assertThat(h.instance("r1", "m").state()).isEqualTo(TaskState.FAILED);
        h.send("r1", new Event.ClearTasks(List.of("src"), true));           // run failed -> running
        h.send("r1", new Event.TaskFailed(TaskKey.of("src"), 2, "fatal", false)); // queued -> failed
        assertThat(h.store().run("r1").orElseThrow().state()).isEqualTo(RunState.FAILED);

        // scheduled -> up_for_reschedule: an open circuit breaker defers a ready task
        dev.sluice.model.CircuitBreakerSpec cb = new dev.sluice.model.CircuitBreakerSpec("api", 1,
                java.time.Duration.ofMinutes(1));
        Dag breaker = DagBuilder.dag("cover6").maxActiveTasks(1)
                .task("first", t -> t.command("x").circuitBreaker(cb))
                .task("second", t -> t.command("x").circuitBreaker(cb))
                .build();
        RunDriver k = new RunDriver(breaker);
        k.start("r1");
        k.send("r1", new Event.TaskFailed(TaskKey.of("first"), 1, "down", false));
        assertThat(k.instance("r1", "second").state()).isEqualTo(TaskState.UP_FOR_RESCHEDULE);
    }
}
