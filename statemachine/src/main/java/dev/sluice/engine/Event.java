package dev.sluice.engine;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything that can happen to a run. Task events carry the try they are about, so a duplicate or a stale
 * delivery (an older try, a try already finished) is recognised and changes nothing.
 */
public sealed interface Event {

    /** Create a run. The run id is deterministic, so a repeated request for the same interval or object is a no-op. */
    record RunRequested(String runId, RunType type, Instant logicalDate, Instant dataIntervalStart,
                        Instant dataIntervalEnd, String confJson, String dagVersion) implements Event {
        public RunRequested {
            Objects.requireNonNull(runId, "runId");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(logicalDate, "logicalDate");
        }
    }

    /** Periodic nudge: start a queued run if max_active_runs allows, and admit waiting tasks to freed slots. */
    record Tick() implements Event {
    }

    /** The task runtime claimed the try and began work. */
    record TaskStarted(TaskKey task, int tryNumber) implements TaskEvent {
    }

    record TaskSucceeded(TaskKey task, int tryNumber, String outputJson) implements TaskEvent {
    }

    record TaskFailed(TaskKey task, int tryNumber, String error, boolean retryable) implements TaskEvent {
    }

    record TaskSkipped(TaskKey task, int tryNumber, String reason) implements TaskEvent {
    }

    /** A branch task finished and chose these downstream task (or group) ids. */
    record BranchChosen(TaskKey task, int tryNumber, List<String> chosen) implements TaskEvent {
        public BranchChosen {
            chosen = List.copyOf(chosen);
        }
    }

    /** The try ran past execution_timeout, or was lost (no report before its deadline). Retryable. */
    record TaskTimedOut(TaskKey task, int tryNumber, String reason) implements TaskEvent {
    }

    /** The try asked to be run again later without using up a try (a sensor poke, an open circuit breaker). */
    record TaskRescheduled(TaskKey task, int tryNumber, Instant until, String reason) implements TaskEvent {
    }

    /** A timer set by an earlier decision is due. */
    record TimerFired(TaskKey task, int tryNumber, Timer.Kind kind) implements TaskEvent {
    }

    /** Reset tasks (and optionally everything downstream of them) so they run again. */
    record ClearTasks(List<String> taskIds, boolean downstream, String dagVersion) implements Event {
        public ClearTasks {
            taskIds = List.copyOf(taskIds);
        }

        /** Clears on the run's own version. */
        public ClearTasks(List<String> taskIds, boolean downstream) {
            this(taskIds, downstream, null);
        }
    }

    /**
     * Set tasks to a final state by hand (Airflow's "mark success / failed / skipped"): their old outcome is taken
     * back, the new one counts for their downstream tasks, and a finished run is decided again from its leaves.
     *
     * @param state success, failed or skipped
     */
    record MarkTasks(List<String> taskIds, dev.sluice.state.TaskState state) implements Event {
        public MarkTasks {
            taskIds = List.copyOf(taskIds);
            Objects.requireNonNull(state, "state");
            if (state != dev.sluice.state.TaskState.SUCCESS && state != dev.sluice.state.TaskState.FAILED
                    && state != dev.sluice.state.TaskState.SKIPPED) {
                throw new IllegalArgumentException("a task is marked success, failed or skipped, not "
                        + state.airflowName());
            }
        }
    }

    /**
     * Set a run to success or failed by hand, as Airflow does: success marks every task that did not succeed
     * success; failed marks queued and running tasks failed and tasks yet to run skipped, and keeps finished ones.
     */
    record MarkRun(dev.sluice.state.RunState state) implements Event {
        public MarkRun {
            Objects.requireNonNull(state, "state");
            if (!state.isTerminal()) {
                throw new IllegalArgumentException("a run is marked success or failed, not " + state.airflowName());
            }
        }
    }

    /** Events about one task instance's try. */
    sealed interface TaskEvent extends Event {
        TaskKey task();

        int tryNumber();
    }
}
