package dev.sluice.engine;

import java.time.Instant;
import java.util.Iterator;

/**
 * The part of the stored state that {@link Engine#decide} reads: one run, the task instances it asks for, and
 * the cross-run counters. Stores may load it lazily; the engine only touches the event's neighbourhood.
 */
public interface RunView {
    /** The run, or null when it does not exist yet. */
    DagRun run();

    /** The stored instance, or null when there is none. */
    TaskInstance instance(TaskKey key);

    /**
     * Instances of this run in state SCHEDULED (ready, waiting for a slot), in admission order:
     * priority descending, then the DAG's topological position, then map index. May be lazy.
     */
    Iterator<TaskInstance> scheduledInPriorityOrder();

    /** Slots in use in {@code pool}, across all runs. */
    int poolUsed(String pool);

    /** The pool as stored (its size, where the size came from, slots in use); by default only its slots in use. */
    default Pool pool(String name) {
        return new Pool(name, null, poolUsed(name), null, null);
    }

    /** Runs of this DAG in state RUNNING (for max_active_runs). */
    int runningRunsOfDag();

    /**
     * An upstream output as the engine must read it to map over it ({@code expand_from}). A store that keeps large
     * outputs elsewhere and records a reference instead (the AWS runtime: {@code {"$ref":"s3://..."}}) loads the
     * value here; the others return {@code outputJson} unchanged. Called only when a mapped task expands.
     */
    default String loadOutput(String outputJson) {
        return outputJson;
    }

    /**
     * A hint that the engine reads these instances next: a store may read them together (one request instead of one
     * each). Every read of them after this returns must be at least as new as a read started after it was called.
     */
    default void prefetch(java.util.Collection<TaskKey> keys) {
    }

    /** The stored circuit breaker of this name, or null when it was never written (closed). */
    default BreakerState breaker(String name) {
        return null;
    }

    /**
     * The run of this DAG with the greatest logical date before {@code logicalDate}, leaving out manual runs when
     * {@code skipManual} (depends_on_past with catchup), or null when there is none. One item, never a list.
     */
    default DagRun previousRun(Instant logicalDate, boolean skipManual) {
        throw new UnsupportedOperationException("this view cannot read other runs (depends_on_past)");
    }

    /** The stored instance of another run of this DAG (depends_on_past), or null. */
    default TaskInstance otherRunInstance(String runId, TaskKey key) {
        throw new UnsupportedOperationException("this view cannot read other runs (depends_on_past)");
    }
}
