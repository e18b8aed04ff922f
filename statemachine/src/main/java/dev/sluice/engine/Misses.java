package dev.sluice.engine;

import dev.sluice.model.Deadline;
import dev.sluice.model.TaskSpec;
import dev.sluice.state.TaskState;
import java.time.Instant;

/**
 * SLA and deadline misses. A task with an {@code sla} that has not succeeded by the run's start plus its SLA, or
 * succeeds after that, gives exactly one {@link Effect.Kind#SLA_MISS}: checked when its timer fires (whatever state
 * the run is in by then), when it succeeds, and when the run ends (a task that has not succeeded by then never will
 * in this run, so the miss is recorded without waiting for its timer). A DAG {@code deadline} gives one
 * {@link Effect.Kind#DEADLINE_MISS} for a run not finished by its due time, checked the same way. The effect's
 * deterministic key makes every later check of the same miss a no-op.
 */
final class Misses {
    /** The task id of the run's deadline timer (no task id can contain {@code $}). */
    static final String RUN_TIMER = "$run";

    private Misses() {
    }

    /** When the task is due, or null when it has no SLA or the run has not started. */
    static Instant slaDue(Working w, TaskSpec spec) {
        return spec.sla() == null || w.run.startedAt() == null ? null : w.run.startedAt().plus(spec.sla());
    }

    static Instant deadlineDue(Working w) {
        Deadline d = w.dag.alerts().deadline();
        return d == null || w.run.startedAt() == null ? null : d.due(w.run.logicalDate(), w.run.startedAt());
    }

    /** The timers a run sets when it starts. */
    static void arm(Working w) {
        for (TaskSpec t : w.dag.tasks()) {
            Instant due = slaDue(w, t);
            if (due != null) {
                w.timers.add(new Timer(w.run.runId(), TaskKey.of(t.taskId()), 0, due, Timer.Kind.SLA));
            }
        }
        Instant due = deadlineDue(w);
        if (due != null) {
            w.timers.add(new Timer(w.run.runId(), TaskKey.of(RUN_TIMER), 0, due, Timer.Kind.DEADLINE));
        }
    }

    /** An SLA or deadline timer fired. */
    static void onTimer(Working w, Event.TimerFired f) {
        if (f.kind() == Timer.Kind.DEADLINE) {
            Instant due = deadlineDue(w);
            boolean finishedInTime = w.run.state().isTerminal() && w.run.endedAt() != null
                    && !w.run.endedAt().isAfter(due);
            if (due != null && !finishedInTime) {
                Effects.run(w, Effect.Kind.DEADLINE_MISS, due);
            }
            return;
        }
        String taskId = f.task().taskId();
        if (!w.dag.hasTask(taskId)) {
            return;
        }
        checkTask(w, taskId);
    }

    /** Records the miss of a task that is past due and has not succeeded in time. */
    private static void checkTask(Working w, String taskId) {
        TaskSpec spec = w.dag.task(taskId);
        Instant due = slaDue(w, spec);
        if (due == null) {
            return;
        }
        TaskInstance ti = w.get(taskId);
        if (!metBy(w, ti, due)) {
            Effects.task(w, Effect.Kind.SLA_MISS, ti, null, due);
        }
    }

    /** A try of {@code ti} succeeded now: a miss if that is after its SLA. */
    static void onSuccess(Working w, TaskInstance ti) {
        Instant due = slaDue(w, w.dag.task(ti.taskId()));
        if (due != null && w.now.isAfter(due)) {
            Effects.task(w, Effect.Kind.SLA_MISS, ti, null, due);
        }
    }

    /** The run ends now: tasks that have not succeeded miss their SLA, and so does a late run its deadline. */
    static void onRunEnd(Working w) {
        for (TaskSpec t : w.dag.tasks()) {
            if (t.sla() != null) {
                checkTask(w, t.taskId());
            }
        }
        Instant due = deadlineDue(w);
        if (due != null && w.now.isAfter(due)) {
            Effects.run(w, Effect.Kind.DEADLINE_MISS, due);
        }
    }

    private static boolean metBy(Working w, TaskInstance ti, Instant due) {
        if (ti.state() == TaskState.REMOVED && ti.mapIndex() < 0) {
            for (int i = 0; i < ti.mapCount(); i++) {
                TaskInstance c = w.get(new TaskKey(ti.taskId(), i));
                if (c == null || !metBy(w, c, due)) {
                    return false;
                }
            }
            return true;
        }
        if (ti.state() == TaskState.SKIPPED) {
            return true;
        }
        return ti.state() == TaskState.SUCCESS && (ti.endedAt() == null || !ti.endedAt().isAfter(due));
    }
}
