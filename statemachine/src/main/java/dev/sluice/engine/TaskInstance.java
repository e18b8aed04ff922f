package dev.sluice.engine;

import dev.sluice.state.TaskState;
import java.time.Instant;
import java.util.Objects;

/**
 * One task instance of one run, as stored. Immutable; the engine returns changed copies with
 * {@code version + 1}, and stores write them only if the stored version is still {@code version}.
 *
 * @param tryNumber   the try currently or last dispatched (0 before the first)
 * @param priority    priority_weight, copied so stores can order waiting instances without the DAG
 * @param mapCount    for a mapped task's placeholder (mapIndex -1): the number of instances once expanded, else -1
 * @param itemJson    for a mapped instance: its item as JSON text
 * @param outputJson  the output (XCom) as JSON text, or null
 * @param deadline    when the current try times out, or null
 * @param nextAttemptAt when an up_for_retry / up_for_reschedule instance becomes schedulable again
 * @param version     optimistic-locking version; 0 = not stored yet
 * @param tentative   set when this item was written ahead of the completion that caused the change (ordered writes,
 *                    see {@link Tentative}); null otherwise
 *
 * <p>Build instances by name with {@link #builder} or {@link #toBuilder}; the canonical constructor is for the builder
 * and the {@code with*} copies.
 */
public record TaskInstance(
        String runId,
        String taskId,
        int mapIndex,
        TaskState state,
        int tryNumber,
        int maxTries,
        int priority,
        UpstreamCounts upstream,
        int mapCount,
        String itemJson,
        String outputJson,
        String error,
        Instant queuedAt,
        Instant startedAt,
        Instant endedAt,
        Instant deadline,
        Instant nextAttemptAt,
        long version,
        Tentative tentative) {

    /**
     * Marks an item written before the instance whose completion caused the change (the "source" try). Until that
     * source is committed (no longer active at that try), the change must be treated as possibly half-applied: the
     * source's redelivered completion recognises it as its own and does not apply it twice, and other decisions wait.
     *
     * @param source the completion that wrote the mark: task id, map index, try number and kind of report
     * @param before this item's state before the change, so counters are not moved twice by a replay
     */
    public record Tentative(MarkSource source, TaskState before) {
        public Tentative {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(before, "before");
        }
    }

    public TaskInstance {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(state, "state");
        upstream = upstream == null ? UpstreamCounts.ZERO : upstream;
    }

    /** A new instance: state none, try 0, one try, no map index, counts, times or output, version 0. */
    public static Builder builder(String runId, String taskId) {
        return new Builder(runId, taskId);
    }

    /** A builder holding every field of this instance. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public static TaskInstance initial(String runId, String taskId, int maxTries, int priority) {
        return new TaskInstance(runId, taskId, -1, TaskState.NONE, 0, maxTries, priority, UpstreamCounts.ZERO, -1,
                null, null, null, null, null, null, null, null, 0, null);
    }

    public TaskKey key() {
        return new TaskKey(taskId, mapIndex);
    }

    // The copies below and initial() call the canonical constructor themselves, on purpose: they are the engine's
    // hottest allocations (several per changed instance), and a builder per copy made bench/engine.sh measurably
    // slower. Every other construction goes through the builder, by name.

    /** A legal state change (checked against the transition table). */
    public TaskInstance withState(TaskState next) {
        return new TaskInstance(runId, taskId, mapIndex, state.transitionTo(next), tryNumber, maxTries, priority,
                upstream, mapCount, itemJson, outputJson, error, queuedAt, startedAt, endedAt, deadline,
                nextAttemptAt, version, tentative);
    }

    public TaskInstance withTry(int n) {
        return new TaskInstance(runId, taskId, mapIndex, state, n, maxTries, priority, upstream, mapCount, itemJson,
                outputJson, error, queuedAt, startedAt, endedAt, deadline, nextAttemptAt, version, tentative);
    }

    public TaskInstance withUpstream(UpstreamCounts c) {
        return new TaskInstance(runId, taskId, mapIndex, state, tryNumber, maxTries, priority, c, mapCount, itemJson,
                outputJson, error, queuedAt, startedAt, endedAt, deadline, nextAttemptAt, version, tentative);
    }

    public TaskInstance withMapCount(int n) {
        return new TaskInstance(runId, taskId, mapIndex, state, tryNumber, maxTries, priority, upstream, n, itemJson,
                outputJson, error, queuedAt, startedAt, endedAt, deadline, nextAttemptAt, version, tentative);
    }

    public TaskInstance withResult(String output, String err) {
        return new TaskInstance(runId, taskId, mapIndex, state, tryNumber, maxTries, priority, upstream, mapCount,
                itemJson, output, err, queuedAt, startedAt, endedAt, deadline, nextAttemptAt, version, tentative);
    }

    public TaskInstance withTimes(Instant queued, Instant started, Instant ended) {
        return new TaskInstance(runId, taskId, mapIndex, state, tryNumber, maxTries, priority, upstream, mapCount,
                itemJson, outputJson, error, queued, started, ended, deadline, nextAttemptAt, version, tentative);
    }

    public TaskInstance withDeadline(Instant d) {
        return new TaskInstance(runId, taskId, mapIndex, state, tryNumber, maxTries, priority, upstream, mapCount,
                itemJson, outputJson, error, queuedAt, startedAt, endedAt, d, nextAttemptAt, version, tentative);
    }

    public TaskInstance withNextAttemptAt(Instant t) {
        return new TaskInstance(runId, taskId, mapIndex, state, tryNumber, maxTries, priority, upstream, mapCount,
                itemJson, outputJson, error, queuedAt, startedAt, endedAt, deadline, t, version, tentative);
    }

    public TaskInstance withVersion(long v) {
        return new TaskInstance(runId, taskId, mapIndex, state, tryNumber, maxTries, priority, upstream, mapCount,
                itemJson, outputJson, error, queuedAt, startedAt, endedAt, deadline, nextAttemptAt, v, tentative);
    }

    public TaskInstance withTentative(Tentative t) {
        return new TaskInstance(runId, taskId, mapIndex, state, tryNumber, maxTries, priority, upstream, mapCount,
                itemJson, outputJson, error, queuedAt, startedAt, endedAt, deadline, nextAttemptAt, version, t);
    }

    /** A mapped instance created by expansion; it is ready at once. */
    public static TaskInstance mappedInstance(TaskInstance placeholder, int index, String itemJson) {
        return builder(placeholder.runId, placeholder.taskId).mapIndex(index).maxTries(placeholder.maxTries)
                .priority(placeholder.priority).itemJson(itemJson).build();
    }

    /** Builds an instance field by field; {@link #build()} checks it like the record's constructor. */
    public static final class Builder {
        private final String runId;
        private final String taskId;
        private int mapIndex = -1;
        private TaskState state = TaskState.NONE;
        private int tryNumber;
        private int maxTries = 1;
        private int priority = 1;
        private UpstreamCounts upstream = UpstreamCounts.ZERO;
        private int mapCount = -1;
        private String itemJson;
        private String outputJson;
        private String error;
        private Instant queuedAt;
        private Instant startedAt;
        private Instant endedAt;
        private Instant deadline;
        private Instant nextAttemptAt;
        private long version;
        private Tentative tentative;

        private Builder(String runId, String taskId) {
            this.runId = runId;
            this.taskId = taskId;
        }

        private Builder(TaskInstance t) {
            runId = t.runId;
            taskId = t.taskId;
            mapIndex = t.mapIndex;
            state = t.state;
            tryNumber = t.tryNumber;
            maxTries = t.maxTries;
            priority = t.priority;
            upstream = t.upstream;
            mapCount = t.mapCount;
            itemJson = t.itemJson;
            outputJson = t.outputJson;
            error = t.error;
            queuedAt = t.queuedAt;
            startedAt = t.startedAt;
            endedAt = t.endedAt;
            deadline = t.deadline;
            nextAttemptAt = t.nextAttemptAt;
            version = t.version;
            tentative = t.tentative;
        }

        public Builder mapIndex(int v) {
            mapIndex = v;
            return this;
        }

        /** Sets the state as is; {@link TaskInstance#withState} is the checked transition. */
        public Builder state(TaskState v) {
            state = v;
            return this;
        }

        public Builder tryNumber(int v) {
            tryNumber = v;
            return this;
        }

        public Builder maxTries(int v) {
            maxTries = v;
            return this;
        }

        public Builder priority(int v) {
            priority = v;
            return this;
        }

        public Builder upstream(UpstreamCounts v) {
            upstream = v;
            return this;
        }

        public Builder mapCount(int v) {
            mapCount = v;
            return this;
        }

        public Builder itemJson(String v) {
            itemJson = v;
            return this;
        }

        public Builder outputJson(String v) {
            outputJson = v;
            return this;
        }

        public Builder error(String v) {
            error = v;
            return this;
        }

        public Builder queuedAt(Instant v) {
            queuedAt = v;
            return this;
        }

        public Builder startedAt(Instant v) {
            startedAt = v;
            return this;
        }

        public Builder endedAt(Instant v) {
            endedAt = v;
            return this;
        }

        public Builder deadline(Instant v) {
            deadline = v;
            return this;
        }

        public Builder nextAttemptAt(Instant v) {
            nextAttemptAt = v;
            return this;
        }

        public Builder version(long v) {
            version = v;
            return this;
        }

        public Builder tentative(Tentative v) {
            tentative = v;
            return this;
        }

        public TaskInstance build() {
            return new TaskInstance(runId, taskId, mapIndex, state, tryNumber, maxTries, priority, upstream, mapCount,
                    itemJson, outputJson, error, queuedAt, startedAt, endedAt, deadline, nextAttemptAt, version,
                    tentative);
        }
    }
}
