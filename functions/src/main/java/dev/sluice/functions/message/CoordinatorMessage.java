package dev.sluice.functions.message;

import dev.sluice.engine.Timer;
import java.time.Instant;
import java.util.Objects;

/**
 * Everything that arrives on the coordinator queue. {@link Messages} reads and writes the JSON; the wire format
 * is documented there. One hierarchy for one consumer, so the coordinator's switch is exhaustive.
 */
public sealed interface CoordinatorMessage {

    /** The task runtime's report of a finished try. */
    record Completion(TaskRef task, TaskResult result) implements CoordinatorMessage {
        public Completion {
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(result, "result");
        }
    }

    /**
     * The OnFailure destination record of an asynchronous invocation: the function crashed, timed out, ran out of
     * memory, or the event expired before it ran. {@code condition} is Lambda's (RetriesExhausted,
     * EventAgeExceeded); {@code error} comes from the response payload.
     */
    record InvokeFailed(TaskRef task, String condition, String error) implements CoordinatorMessage {
        public InvokeFailed {
            Objects.requireNonNull(task, "task");
        }
    }

    /** A retry or reschedule timer delivered as a delayed SQS message. */
    record TimerDue(TaskRef task, Timer.Kind kind, Instant fireAt) implements CoordinatorMessage {
        public TimerDue {
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(fireAt, "fireAt");
        }
    }

    /**
     * Checks that a dispatched try started and is still within its lease; sent (delayed) with every dispatch.
     * A try that was never started, or runs past its deadline, times out (retryable).
     */
    record Watchdog(TaskRef task) implements CoordinatorMessage {
        public Watchdog {
            Objects.requireNonNull(task, "task");
        }
    }

    /**
     * "Trigger DAG X with conf": from {@code sluice trigger} or any producer.
     *
     * @param runId       the run id to use, or null to derive one from the message's send time
     * @param logicalDate the logical date, or null for the send time
     */
    record Trigger(String dagId, String confJson, String runId, Instant logicalDate) implements CoordinatorMessage {
        public Trigger {
            Objects.requireNonNull(dagId, "dagId");
        }
    }

    /** Clear tasks of a run (and optionally everything downstream) so they run again: {@code sluice tasks clear}. */
    record Clear(String runId, java.util.List<String> taskIds, boolean downstream, boolean latestVersion)
            implements CoordinatorMessage {
        public Clear {
            Objects.requireNonNull(runId, "runId");
            taskIds = java.util.List.copyOf(taskIds);
            if (taskIds.isEmpty()) {
                throw new IllegalArgumentException("clear needs at least one task id");
            }
        }

        /** A clear on the run's own version. */
        public Clear(String runId, java.util.List<String> taskIds, boolean downstream) {
            this(runId, taskIds, downstream, false);
        }
    }

    /**
     * Mark tasks of a run (taskIds non-empty: success, failed or skipped) or the run itself (taskIds empty: success
     * or failed) by hand.
     */
    record Mark(String runId, java.util.List<String> taskIds, String state) implements CoordinatorMessage {
        public Mark {
            Objects.requireNonNull(runId, "runId");
            Objects.requireNonNull(state, "state");
            taskIds = java.util.List.copyOf(taskIds);
        }
    }

    /**
     * Effects recorded outside the coordinator (a try's {@code on_execute}, recorded by the task runtime's claim),
     * for the coordinator to send to the command runner: it looks each key up and sends the ones still pending.
     */
    record RunEffects(String dagId, String dagVersion, String runId, java.util.List<String> keys)
            implements CoordinatorMessage {
        public RunEffects {
            Objects.requireNonNull(dagId, "dagId");
            Objects.requireNonNull(dagVersion, "dagVersion");
            Objects.requireNonNull(runId, "runId");
            keys = java.util.List.copyOf(keys);
        }
    }

    /** Continue a run: more tasks were ready than one decision may start, or slots were freed elsewhere. */
    record Continue(String dagId, String dagVersion, String runId) implements CoordinatorMessage {
        public Continue {
            Objects.requireNonNull(dagId, "dagId");
            Objects.requireNonNull(dagVersion, "dagVersion");
            Objects.requireNonNull(runId, "runId");
        }
    }

    /**
     * The rest of a tick that stopped early (its invocation's time ran short): the tick's steps from
     * {@code phase} on, in the DAG step from the DAG {@code fromDagId} on (null: from the first, by dag_id). A
     * plain {@code {"type":"tick"}} is a whole tick. Each step re-reads what is due, so the rest is exactly what the
     * stopped tick did not do; doing a step twice is harmless (deterministic run ids, conditional writes).
     */
    record Tick(TickPhase phase, String fromDagId) implements CoordinatorMessage {
        public Tick {
            Objects.requireNonNull(phase, "phase");
            if (phase != TickPhase.DAGS && fromDagId != null) {
                throw new IllegalArgumentException("fromDagId belongs to the dags phase only, not " + phase);
            }
        }

        /** A whole tick. */
        public static Tick whole() {
            return new Tick(TickPhase.DAGS, null);
        }
    }

    /** The tick's steps, in order: every DAG's due runs, then stored timers, then overdue tries. */
    enum TickPhase {
        DAGS, TIMERS, OVERDUE
    }
}
