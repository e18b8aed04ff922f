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
     * @param source task id, map index and try number of the source: {@code taskId#mapIndex#try}
     * @param before this item's state before the change, so counters are not moved twice by a replay
     */
    public record Tentative(String source, TaskState before) {
        public Tentative {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(before, "before");
        }

        public static String sourceOf(TaskKey key, int tryNumber) {
            return key.taskId() + "#" + key.mapIndex() + "#" + tryNumber;
        }
    }

    /** An instance with no tentative mark. */
    public TaskInstance(String runId, String taskId, int mapIndex, TaskState state, int tryNumber, int maxTries,
                        int priority, UpstreamCounts upstream, int mapCount, String itemJson, String outputJson,
                        String error, Instant queuedAt, Instant startedAt, Instant endedAt, Instant deadline,
                        Instant nextAttemptAt, long version) {
        this(runId, taskId, mapIndex, state, tryNumber, maxTries, priority, upstream, mapCount, itemJson, outputJson,
                error, queuedAt, startedAt, endedAt, deadline, nextAttemptAt, version, null);
    }

    public TaskInstance {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(state, "state");
        upstream = upstream == null ? UpstreamCounts.ZERO : upstream;
    }

    public static TaskInstance initial(String runId, String taskId, int maxTries, int priority) {
        return new TaskInstance(runId, taskId, -1, TaskState.NONE, 0, maxTries, priority, UpstreamCounts.ZERO, -1,
                null, null, null, null, null, null, null, null, 0);
    }

    public TaskKey key() {
        return new TaskKey(taskId, mapIndex);
    }

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
        return new TaskInstance(placeholder.runId, placeholder.taskId, index, TaskState.NONE, 0, placeholder.maxTries,
                placeholder.priority, UpstreamCounts.ZERO, -1, itemJson, null, null, null, null, null, null, null, 0);
    }
}
