package dev.sluice.engine;

import dev.sluice.model.TaskSpec;
import dev.sluice.state.TaskState;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a task event does to its instance: a try's outcome (success, branch choice, failure and retry, timeout,
 * skip, reschedule), a due timer (retry, reschedule, SLA), and the end of an instance told to its downstream tasks.
 */
final class Outcomes {
    private Outcomes() {
    }

    /** Returns a reason when the event changes nothing. */
    static String onTaskEvent(Working w, Event.TaskEvent e) {
        w.marks.readDownstreamFirst(e);
        TaskInstance ti = w.get(e.task());
        if (ti == null || !w.dag.hasTask(e.task().taskId())) {
            return "unknown task instance " + e.task();
        }
        if (e instanceof Event.TimerFired f) {
            return onTimer(w, f, ti);
        }
        if (!ti.state().isActive() || ti.tryNumber() != e.tryNumber()) {
            return stale(e, ti);
        }
        release(w, ti);
        if (e instanceof Event.TaskSucceeded s) {
            succeed(w, ti, s.outputJson());
        } else if (e instanceof Event.BranchChosen b) {
            succeed(w, ti, Json.write(b.chosen()));
        } else if (e instanceof Event.TaskFailed f) {
            fail(w, ti, f.error(), f.retryable());
        } else if (e instanceof Event.TaskTimedOut t) {
            fail(w, ti, "timed out" + (t.reason() == null ? "" : ": " + t.reason()), true);
        } else if (e instanceof Event.TaskSkipped s) {
            end(w, ti.withState(TaskState.SKIPPED).withResult(null, s.reason()));
        } else if (e instanceof Event.TaskRescheduled r) {
            reschedule(w, ti, r);
        } else {
            throw new IllegalStateException("unhandled task event " + e);
        }
        return null;
    }

    private static String stale(Event.TaskEvent e, TaskInstance ti) {
        return e.getClass().getSimpleName() + " for " + e.task() + " try " + e.tryNumber()
                + " ignored: instance is " + ti.state().airflowName() + " at try " + ti.tryNumber();
    }

    private static String onTimer(Working w, Event.TimerFired f, TaskInstance ti) {
        switch (f.kind()) {
            case RETRY, RESCHEDULE -> {
                TaskState waiting = f.kind() == Timer.Kind.RETRY ? TaskState.UP_FOR_RETRY
                        : TaskState.UP_FOR_RESCHEDULE;
                if (ti.state() != waiting || ti.tryNumber() != f.tryNumber()) {
                    return stale(f, ti);
                }
                w.put(ti.withState(TaskState.SCHEDULED).withNextAttemptAt(null));
                return null;
            }
            case SLA, DEADLINE -> throw new IllegalStateException("miss timers are decided by Misses");
        }
        return null;
    }

    /** Gives back the run slot and pool slots an active instance held. */
    static void release(Working w, TaskInstance ti) {
        TaskSpec spec = w.dag.task(ti.taskId());
        if (spec.pool() != null) {
            w.poolDeltas.merge(spec.pool(), -spec.poolSlots(), Integer::sum);
            w.notes.add(new Notification.PoolSlotsFreed(w.run.runId(), spec.pool()));
        }
    }

    private static void succeed(Working w, TaskInstance ti, String outputJson) {
        TaskSpec spec = w.dag.task(ti.taskId());
        w.breakers.outcome(ti, true);
        if (spec.branch()) {
            List<String> chosen;
            try {
                chosen = BranchChoice.parse(w.dag, ti.taskId(), outputJson);
            } catch (IllegalArgumentException bad) {
                fail(w, ti.withResult(outputJson, null), bad.getMessage(), false);
                return;
            }
            end(w, ti.withState(TaskState.SUCCESS).withResult(outputJson, null));
            Set<String> follow = new HashSet<>(chosen);
            for (String d : w.dag.downstream(ti.taskId())) {
                TaskInstance rec = w.get(d);
                if (!follow.contains(d) && (rec.state() == TaskState.NONE || rec.state() == TaskState.SCHEDULED)) {
                    end(w, rec.withState(TaskState.SKIPPED).withResult(null, "branch " + ti.taskId()
                            + " chose " + String.join(",", chosen)));
                }
            }
        } else {
            end(w, ti.withState(TaskState.SUCCESS).withResult(outputJson, null));
        }
        if (spec.callbacks().onSuccess() != null) {
            w.notes.add(new Notification.TaskSucceededNote(w.run.runId(), ti.key(), ti.tryNumber()));
        }
        TaskInstance done = w.get(ti.key());
        if (done.state() == TaskState.SUCCESS) {
            Effects.task(w, Effect.Kind.SUCCESS, done, null, null);
            Misses.onSuccess(w, done);
        }
    }

    private static void fail(Working w, TaskInstance ti, String error, boolean retryable) {
        TaskSpec spec = w.dag.task(ti.taskId());
        w.breakers.outcome(ti, false);
        String runId = w.run.runId();
        if (retryable && ti.tryNumber() < ti.maxTries()) {
            Instant next = w.now.plus(RetryDelays.delay(spec.retry(), ti.tryNumber(), w.random));
            w.put(ti.withState(TaskState.UP_FOR_RETRY).withResult(null, error).withNextAttemptAt(next)
                    .withTimes(ti.queuedAt(), ti.startedAt(), w.now).withDeadline(null));
            w.timers.add(new Timer(runId, ti.key(), ti.tryNumber(), next, Timer.Kind.RETRY));
            w.notes.add(new Notification.TaskRetrying(runId, ti.key(), ti.tryNumber(), ti.maxTries(), error, next));
            Effects.task(w, Effect.Kind.RETRY, ti, error, null);
        } else {
            end(w, ti.withState(TaskState.FAILED).withResult(ti.outputJson(), error));
            w.notes.add(new Notification.TaskFailedFinal(runId, ti.key(), ti.tryNumber(), ti.maxTries(), error));
            Effects.task(w, Effect.Kind.FAILURE, ti, error, null);
        }
    }

    private static void reschedule(Working w, TaskInstance ti, Event.TaskRescheduled r) {
        Instant until = r.until() == null || r.until().isBefore(w.now) ? w.now : r.until();
        int keep = ti.tryNumber() - 1;
        w.put(ti.withState(TaskState.UP_FOR_RESCHEDULE).withTry(keep).withResult(null, r.reason())
                .withNextAttemptAt(until).withDeadline(null));
        w.timers.add(new Timer(w.run.runId(), ti.key(), keep, until, Timer.Kind.RESCHEDULE));
    }

    /** Stores an instance that just reached a terminal state and tells its downstream tasks. */
    static void end(Working w, TaskInstance done) {
        if (done.endedAt() == null) {
            done = done.withTimes(done.queuedAt(), done.startedAt(), w.now);
        }
        done = done.withDeadline(null).withNextAttemptAt(null);
        w.put(done);
        TaskState s = done.state();
        if (s == TaskState.REMOVED) {
            return;
        }
        for (String d : w.dag.downstream(done.taskId())) {
            TaskInstance rec = w.get(d);
            if (!w.marks.isOwn(rec.key())) {
                w.put(rec.withUpstream(rec.upstream().plus(s, 1)));
            }
            w.toEvaluate.add(d);
        }
    }
}
