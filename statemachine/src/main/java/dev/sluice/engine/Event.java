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
    record ClearTasks(List<String> taskIds, boolean downstream) implements Event {
        public ClearTasks {
            taskIds = List.copyOf(taskIds);
        }
    }

    /** Events about one task instance's try. */
    sealed interface TaskEvent extends Event {
        TaskKey task();

        int tryNumber();
    }
}
