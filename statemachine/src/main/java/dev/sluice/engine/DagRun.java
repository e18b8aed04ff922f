package dev.sluice.engine;

import dev.sluice.state.RunState;
import java.time.Instant;
import java.util.Objects;

/**
 * One run of a DAG, with the counters that let the engine finish it without scanning its tasks.
 *
 * <p>The counters change only when a decision changes how many instances are in each class, so a decision whose
 * changes cancel out (a finished task releasing the slot its downstream task takes) does not rewrite the run.
 *
 * @param dagVersion  content hash of the DAG version the run is pinned to
 * @param pending     instances with work ahead of them: scheduled, queued, running, up_for_retry or
 *                    up_for_reschedule. The run is over when it reaches 0: an instance still in {@code none} then can
 *                    never become ready, because every upstream completion evaluates its downstream tasks.
 * @param activeTasks instances queued or running (for max_active_tasks)
 * @param waiting     instances scheduled and not yet admitted (when 0, admission need not read the waiting list)
 * @param failedLeaves leaf instances that ended failed or upstream_failed (decides the final state)
 */
public record DagRun(
        String dagId,
        String runId,
        RunType type,
        Instant logicalDate,
        Instant dataIntervalStart,
        Instant dataIntervalEnd,
        RunState state,
        String confJson,
        String dagVersion,
        Instant queuedAt,
        Instant startedAt,
        Instant endedAt,
        int pending,
        int activeTasks,
        int waiting,
        int failedLeaves,
        long version) {

    public DagRun {
        Objects.requireNonNull(dagId, "dagId");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(logicalDate, "logicalDate");
        Objects.requireNonNull(state, "state");
    }

    public DagRun withState(RunState next) {
        return new DagRun(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state.transitionTo(next),
                confJson, dagVersion, queuedAt, startedAt, endedAt, pending, activeTasks, waiting, failedLeaves,
                version);
    }

    public DagRun withCounters(int pendingTasks, int active, int waitingTasks, int failed) {
        return new DagRun(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state, confJson,
                dagVersion, queuedAt, startedAt, endedAt, pendingTasks, active, waitingTasks, failed, version);
    }

    public DagRun withTimes(Instant started, Instant ended) {
        return new DagRun(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state, confJson,
                dagVersion, queuedAt, started, ended, pending, activeTasks, waiting, failedLeaves, version);
    }

    public DagRun withVersion(long v) {
        return new DagRun(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state, confJson,
                dagVersion, queuedAt, startedAt, endedAt, pending, activeTasks, waiting, failedLeaves, v);
    }
}
