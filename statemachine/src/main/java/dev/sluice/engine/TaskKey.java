package dev.sluice.engine;

import java.util.Objects;

/** Identifies a task instance within a run. {@code mapIndex} is -1 for an unmapped task or a mapped task's placeholder. */
public record TaskKey(String taskId, int mapIndex) implements Comparable<TaskKey> {
    public TaskKey {
        Objects.requireNonNull(taskId, "taskId");
        if (mapIndex < -1) {
            throw new IllegalArgumentException("mapIndex must be >= -1");
        }
    }

    public static TaskKey of(String taskId) {
        return new TaskKey(taskId, -1);
    }

    public boolean isMappedInstance() {
        return mapIndex >= 0;
    }

    @Override
    public int compareTo(TaskKey o) {
        int c = taskId.compareTo(o.taskId);
        return c != 0 ? c : Integer.compare(mapIndex, o.mapIndex);
    }

    @Override
    public String toString() {
        return mapIndex < 0 ? taskId : taskId + "[" + mapIndex + "]";
    }
}
