package dev.sluice.engine;

import dev.sluice.state.RunState;
import java.time.Instant;
import java.util.Objects;

/**
 * One run of a DAG, with the counters that let the engine finish it without scanning its tasks.
 *
 * @param dagVersion  content hash of the DAG version the run is pinned to
 * @param unfinished  task instances not yet in a terminal state
 * @param activeTasks instances queued or running (for max_active_tasks)
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
        int unfinished,
        int activeTasks,
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
                confJson, dagVersion, queuedAt, startedAt, endedAt, unfinished, activeTasks, failedLeaves, version);
    }

    public DagRun withCounters(int unfinishedTasks, int active, int failed) {
        return new DagRun(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state, confJson,
                dagVersion, queuedAt, startedAt, endedAt, unfinishedTasks, active, failed, version);
    }

    public DagRun withTimes(Instant started, Instant ended) {
        return new DagRun(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state, confJson,
                dagVersion, queuedAt, started, ended, unfinished, activeTasks, failedLeaves, version);
    }

    public DagRun withVersion(long v) {
        return new DagRun(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state, confJson,
                dagVersion, queuedAt, startedAt, endedAt, unfinished, activeTasks, failedLeaves, v);
    }
}
