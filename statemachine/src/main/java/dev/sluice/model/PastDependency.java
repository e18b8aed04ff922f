package dev.sluice.model;

/**
 * Airflow's {@code depends_on_past} and {@code wait_for_downstream}: what an instance of a task waits for in the
 * previous run of its DAG before it may start.
 */
public enum PastDependency {
    /** Nothing: the instance starts when its trigger rule passes. */
    NONE,
    /** The same task must have ended success or skipped in the previous run. */
    DEPENDS_ON_PAST,
    /** As {@link #DEPENDS_ON_PAST}, and the task's direct downstream tasks must have, too. */
    WAIT_FOR_DOWNSTREAM;

    public boolean any() {
        return this != NONE;
    }
}
