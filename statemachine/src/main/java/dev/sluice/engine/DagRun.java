package dev.sluice.engine;

import dev.sluice.state.RunState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One run of a DAG, with the counters that let the engine finish it without scanning its tasks.
 *
 * <p>The counters change only when a decision changes how many instances are in each class, so a decision whose
 * changes cancel out (a finished task releasing the slot its downstream task takes) does not rewrite the run.
 *
 * @param dagVersion  content hash of the DAG version the run is pinned to
 * @param pending     instances with work ahead of them: scheduled, queued, running, up_for_retry or
 *                    up_for_reschedule. The run is over when it reaches 0: an instance still in {@code none} then can
 *                    never become ready, because every upstream completion evaluates its downstream tasks.
 * @param activeTasks instances queued or running (for max_active_tasks)
 * @param waiting     instances scheduled and not yet admitted (when 0, admission need not read the waiting list)
 * @param failedLeaves leaf instances that ended failed or upstream_failed (decides the final state)
 * @param earlierVersions the versions the run was pinned to before a clear moved it to {@code dagVersion}, oldest
 *                    first, each with when it stopped being the run's version: a try queued before that ran it
 */
public record DagRun(
        String dagId,
        String runId,
        RunType type,
        Instant logicalDate,
        Instant dataIntervalStart,
        Instant dataIntervalEnd,
        RunState state,
        String confJson,
        String dagVersion,
        Instant queuedAt,
        Instant startedAt,
        Instant endedAt,
        int pending,
        int activeTasks,
        int waiting,
        int failedLeaves,
        long version,
        List<VersionChange> earlierVersions) {

    /**
     * A version the run left: tries queued before {@code until} ran {@code version}.
     * Stored as text by {@link #encode(List)}: {@code version@epochMillis} joined by commas.
     */
    public record VersionChange(String version, Instant until) {
        public VersionChange {
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(until, "until");
            if (version.indexOf('@') >= 0 || version.indexOf(',') >= 0) {
                throw new IllegalArgumentException("a DAG version has no '@' or ',': " + version);
            }
        }

        /** The changes as one text, or null when there are none. */
        public static String encode(List<VersionChange> changes) {
            if (changes == null || changes.isEmpty()) {
                return null;
            }
            StringBuilder b = new StringBuilder();
            for (VersionChange c : changes) {
                b.append(b.length() == 0 ? "" : ",").append(c.version).append('@').append(c.until.toEpochMilli());
            }
            return b.toString();
        }

        /** Reads {@link #encode(List)}'s text back; null or empty is no changes. */
        public static List<VersionChange> decode(String text) {
            if (text == null || text.isEmpty()) {
                return List.of();
            }
            List<VersionChange> out = new ArrayList<>();
            for (String part : text.split(",")) {
                int at = part.lastIndexOf('@');
                if (at <= 0) {
                    throw new IllegalArgumentException("not a version change (version@epochMillis): '" + part + "'");
                }
                out.add(new VersionChange(part.substring(0, at),
                        Instant.ofEpochMilli(Long.parseLong(part.substring(at + 1)))));
            }
            return List.copyOf(out);
        }
    }

    /** A run that never changed version. */
    public DagRun(String dagId, String runId, RunType type, Instant logicalDate, Instant dataIntervalStart,
            Instant dataIntervalEnd, RunState state, String confJson, String dagVersion, Instant queuedAt,
            Instant startedAt, Instant endedAt, int pending, int activeTasks, int waiting, int failedLeaves,
            long version) {
        this(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state, confJson, dagVersion,
                queuedAt, startedAt, endedAt, pending, activeTasks, waiting, failedLeaves, version, List.of());
    }

    public DagRun {
        Objects.requireNonNull(dagId, "dagId");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(logicalDate, "logicalDate");
        Objects.requireNonNull(state, "state");
        earlierVersions = earlierVersions == null ? List.of() : List.copyOf(earlierVersions);
    }

    /**
     * The DAG version a try queued at {@code queuedAt} ran: the run's version then. Null for a try never queued.
     */
    public String versionAt(Instant queuedAt) {
        if (queuedAt == null) {
            return null;
        }
        for (VersionChange c : earlierVersions) {
            if (queuedAt.isBefore(c.until())) {
                return c.version();
            }
        }
        return dagVersion;
    }

    /** The run moved to {@code next} at {@code at}: later tries run it, earlier ones keep the version they ran. */
    public DagRun withDagVersion(String next, Instant at) {
        if (Objects.equals(next, dagVersion)) {
            return this;
        }
        List<VersionChange> changes = new ArrayList<>(earlierVersions);
        if (dagVersion != null) {
            changes.add(new VersionChange(dagVersion, at));
        }
        return new DagRun(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state, confJson,
                next, queuedAt, startedAt, endedAt, pending, activeTasks, waiting, failedLeaves, version, changes);
    }

    public DagRun withState(RunState next) {
        return new DagRun(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state.transitionTo(next),
                confJson, dagVersion, queuedAt, startedAt, endedAt, pending, activeTasks, waiting, failedLeaves,
                version, earlierVersions);
    }

    public DagRun withCounters(int pendingTasks, int active, int waitingTasks, int failed) {
        return new DagRun(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state, confJson,
                dagVersion, queuedAt, startedAt, endedAt, pendingTasks, active, waitingTasks, failed, version,
                earlierVersions);
    }

    public DagRun withTimes(Instant started, Instant ended) {
        return new DagRun(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state, confJson,
                dagVersion, queuedAt, started, ended, pending, activeTasks, waiting, failedLeaves, version,
                earlierVersions);
    }

    public DagRun withVersion(long v) {
        return new DagRun(dagId, runId, type, logicalDate, dataIntervalStart, dataIntervalEnd, state, confJson,
                dagVersion, queuedAt, startedAt, endedAt, pending, activeTasks, waiting, failedLeaves, v,
                earlierVersions);
    }
}
