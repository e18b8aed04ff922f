package dev.sluice.engine;

import dev.sluice.model.Dag;
import dev.sluice.model.TaskSpec;
import dev.sluice.model.TriggerRule;
import dev.sluice.state.RunState;
import java.time.Instant;

/**
 * A run's own life: created queued, started when max_active_runs allows (its root tasks to evaluate, its SLA timers
 * set), and finished once nothing is pending, failed if any leaf failed.
 */
final class RunLifecycle {
    private RunLifecycle() {
    }

    static void create(Working w, Event.RunRequested r) {
        Dag dag = w.dag;
        boolean canStart = w.view.runningRunsOfDag() < dag.maxActiveRuns();
        w.setRun(new DagRun(dag.dagId(), r.runId(), r.type(), r.logicalDate(), r.dataIntervalStart(),
                r.dataIntervalEnd(), RunState.QUEUED, r.confJson(), r.dagVersion(), w.now, null, null,
                0, 0, 0, 0, 0));
        // Instances are stored from their first change on (see Working.get): a new run writes only what starts.
        w.freshRun = true;
        if (canStart) {
            start(w);
        }
    }

    private static void start(Working w) {
        Instant now = w.now;
        w.setRun(w.run.withState(RunState.RUNNING).withTimes(now, null));
        for (TaskSpec t : w.dag.tasks()) {
            if (t.upstream().isEmpty() || t.triggerRule() == TriggerRule.ALWAYS) {
                w.toEvaluate.add(t.taskId());
            }
        }
        Misses.arm(w);
    }

    /** A queued run starts on a tick once max_active_runs allows. */
    static void tick(Working w) {
        if (w.run.state() == RunState.QUEUED && w.view.runningRunsOfDag() < w.dag.maxActiveRuns()) {
            start(w);
        }
    }

    static void finishIfDone(Working w) {
        DagRun run = w.run;
        if (run.state() == RunState.RUNNING && run.pending() == 0) {
            RunState end = run.failedLeaves() > 0 ? RunState.FAILED : RunState.SUCCESS;
            w.setRun(run.withState(end).withTimes(run.startedAt(), w.now));
            w.notes.add(new Notification.RunFinished(w.dag.dagId(), run.runId(), end));
            Misses.onRunEnd(w);
            Effects.run(w, end == RunState.FAILED ? Effect.Kind.RUN_FAILED : Effect.Kind.RUN_SUCCEEDED, null);
        }
    }
}
