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
}
