package dev.sluice.functions.message;

import dev.sluice.engine.TaskKey;
import java.util.Objects;

/** One try of one task instance, with the DAG version its run is pinned to: what every task message is about. */
public record TaskRef(String dagId, String dagVersion, String runId, String taskId, int mapIndex, int tryNumber) {
    public TaskRef {
        Objects.requireNonNull(dagId, "dagId");
        Objects.requireNonNull(dagVersion, "dagVersion");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(taskId, "taskId");
        if (tryNumber < 0) {
            throw new IllegalArgumentException("tryNumber must be >= 0, got " + tryNumber);
        }
        if (mapIndex < -1) {
            throw new IllegalArgumentException("mapIndex must be >= -1, got " + mapIndex);
        }
    }

    public TaskKey key() {
        return new TaskKey(taskId, mapIndex);
    }

    @Override
    public String toString() {
        return dagId + "/" + runId + "/" + taskId + (mapIndex >= 0 ? "[" + mapIndex + "]" : "") + "#" + tryNumber;
    }
}
