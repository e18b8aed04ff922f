package dev.sluice.engine;

import dev.sluice.state.RunState;

/** Things the adapters should tell someone about or act on after the writes succeed. */
public sealed interface Notification {
    String runId();

    record RunFinished(String dagId, String runId, RunState state) implements Notification {
    }

    /** A try failed and will be retried ({@code on_retry}). */
    record TaskRetrying(String runId, TaskKey task, int tryNumber, int maxTries, String error,
                        java.time.Instant nextAttemptAt) implements Notification {
    }

    /** A task instance failed for good, on its final try ({@code on_failure}). */
    record TaskFailedFinal(String runId, TaskKey task, int tryNumber, int maxTries, String error)
            implements Notification {
    }

    record TaskSucceededNote(String runId, TaskKey task, int tryNumber) implements Notification {
    }

    record SlaMissed(String runId, TaskKey task) implements Notification {
    }

    /** Pool slots were released; waiting tasks of other runs in this pool may now fit. */
    record PoolSlotsFreed(String runId, String pool) implements Notification {
    }

    /**
     * The DAG declares a size for a pool that differs from the size the pool has ({@code sluice pools set}, or the
     * DAG that holds its slots); admission used {@code size}. A warning, never an error.
     */
    record PoolSizeConflict(String runId, String pool, int declared, int size, String sizeFrom)
            implements Notification {
        /** One sentence for a person. */
        public String message() {
            return "pool " + pool + " has size " + size + " (" + sizeFrom + "), not the " + declared
                    + " this DAG declares; using " + size;
        }
    }

    /**
     * An instance ended that a task of the next run of this DAG may wait for (depends_on_past,
     * wait_for_downstream): the runtime sends a {@link Event.Tick} to the run after this one by logical date.
     */
    record PastDone(String runId, String dagId, java.time.Instant logicalDate) implements Notification {
    }

    /** More instances are ready than one decision may start; send a {@link Event.Tick} to continue. */
    record MoreReady(String runId) implements Notification {
    }

    /** An event changed nothing (duplicate, stale try, finished run). Logged, never an error. */
    record Ignored(String runId, String reason) implements Notification {
    }
}
