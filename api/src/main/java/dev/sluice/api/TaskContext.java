package dev.sluice.api;

import java.time.Instant;
import java.util.Map;

/** What a task may know about its try. Read-only. */
public interface TaskContext {
    String dagId();

    String runId();

    String taskId();

    /** -1 for an unmapped task, otherwise the index of this instance in the expansion. */
    int mapIndex();

    /** The mapped item for a mapped task, or null. */
    Object item();

    /** 1 for the first try. */
    int tryNumber();

    /** retries + 1. */
    int maxTries();

    /** The logical date (Airflow's data interval start). */
    Instant logicalDate();

    Instant dataIntervalStart();

    Instant dataIntervalEnd();

    /** The logical date as YYYY-MM-DD in the DAG's time zone, Airflow's {@code ds}. */
    String ds();

    /** DAG params, overlaid by task params, overlaid by the run's conf. */
    Map<String, Object> params();

    /** Outputs of the direct upstream tasks by task id (a mapped upstream gives a list in map-index order). */
    Map<String, Object> upstreamOutputs();

    default Object upstreamOutput(String taskId) {
        return upstreamOutputs().get(taskId);
    }

    /** A line logger whose lines carry the dag, run, task and try ids. */
    void log(String message);

    /**
     * A variable's value, as templates see {@code var.value.NAME}; a sensitive one (its name contains password,
     * secret, api_key, ...) is masked in the try's logs and output from then on.
     *
     * @throws IllegalArgumentException naming the variable when it is not set
     */
    default String variable(String name) {
        throw new UnsupportedOperationException("variables are not available in this context");
    }

    /** A variable's value, or {@code fallback} when it is not set ({@code var.value.get('x', 'fallback')}). */
    default String variable(String name, String fallback) {
        try {
            return variable(name);
        } catch (IllegalArgumentException e) {
            return fallback;
        }
    }

    /**
     * A connection, as templates see {@code conn.ID}; its password is masked in the try's logs and output.
     *
     * @throws IllegalArgumentException naming the connection when it does not exist
     */
    default Connection connection(String connId) {
        throw new UnsupportedOperationException("connections are not available in this context");
    }
}
