package dev.sluice.cli.store;

import dev.sluice.engine.BreakerState;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.MarkSource;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import dev.sluice.engine.UpstreamCounts;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows of the embedded database and the records they hold, by column name: reads with {@code rs.getXxx("column")},
 * writes through a map of column to value bound in the order of a column list, so no statement counts slots.
 *
 * <p>Instants are stored as INTEGER nanoseconds since the epoch (exact for 1677..2262; {@link Instant#MAX} and
 * {@link Instant#MIN} are kept as the extreme values, other instants outside that range saturate).
 */
final class SqliteRows {
    static final List<String> RUN_KEY = List.of("run_id");
    /** Every column of a run but its key, in schema order. */
    static final List<String> RUN_DATA = List.of("dag_id", "run_type", "logical_date", "data_interval_start",
            "data_interval_end", "state", "conf_json", "dag_version", "queued_at", "started_at", "ended_at",
            "pending", "active_tasks", "waiting", "failed_leaves", "version", "earlier_versions");
    static final List<String> INSTANCE_KEY = List.of("run_id", "task_id", "map_index");
    /** What an instance's state is made of (everything but its key, version and position). */
    static final List<String> INSTANCE_STATE = List.of("state", "try_number", "max_tries", "priority",
            "up_success", "up_skipped", "up_failed", "up_upstream_failed", "up_removed", "map_count", "item_json",
            "output_json", "error", "queued_at", "started_at", "ended_at", "deadline", "next_attempt_at",
            "tentative_source", "tentative_before");

    static final String RUN_COLUMNS = String.join(", ", concat(RUN_KEY, RUN_DATA));
    static final String INSTANCE_COLUMNS = String.join(", ", concat(INSTANCE_KEY, INSTANCE_STATE))
            + ", version, position";

    private SqliteRows() {
    }

    @SafeVarargs
    static List<String> concat(List<String>... lists) {
        return java.util.Arrays.stream(lists).flatMap(List::stream).toList();
    }

    /** {@code a = ?, b = ?, ...} */
    static String assignments(List<String> columns) {
        return String.join(", ", columns.stream().map(c -> c + " = ?").toList());
    }

    /** {@code a = ? AND b = ? ...} */
    static String matches(List<String> columns) {
        return String.join(" AND ", columns.stream().map(c -> c + " = ?").toList());
    }

    static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    // ---------------------------------------------------------------- records to columns

    static Map<String, Object> runRow(DagRun r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", r.runId());
        m.put("dag_id", r.dagId());
        m.put("run_type", r.type().name());
        m.put("logical_date", r.logicalDate());
        m.put("data_interval_start", r.dataIntervalStart());
        m.put("data_interval_end", r.dataIntervalEnd());
        m.put("state", r.state().airflowName());
        m.put("conf_json", r.confJson());
        m.put("dag_version", r.dagVersion());
        m.put("queued_at", r.queuedAt());
        m.put("started_at", r.startedAt());
        m.put("ended_at", r.endedAt());
        m.put("pending", r.pending());
        m.put("active_tasks", r.activeTasks());
        m.put("waiting", r.waiting());
        m.put("failed_leaves", r.failedLeaves());
        m.put("version", r.version());
        m.put("earlier_versions", DagRun.VersionChange.encode(r.earlierVersions()));
        return m;
    }

    static Map<String, Object> instanceRow(TaskInstance t) {
        UpstreamCounts u = t.upstream();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", t.runId());
        m.put("task_id", t.taskId());
        m.put("map_index", t.mapIndex());
        m.put("state", t.state().airflowName());
        m.put("try_number", t.tryNumber());
        m.put("max_tries", t.maxTries());
        m.put("priority", t.priority());
        m.put("up_success", u.success());
        m.put("up_skipped", u.skipped());
        m.put("up_failed", u.failed());
        m.put("up_upstream_failed", u.upstreamFailed());
        m.put("up_removed", u.removed());
        m.put("map_count", t.mapCount());
        m.put("item_json", t.itemJson());
        m.put("output_json", t.outputJson());
        m.put("error", t.error());
        m.put("queued_at", t.queuedAt());
        m.put("started_at", t.startedAt());
        m.put("ended_at", t.endedAt());
        m.put("deadline", t.deadline());
        m.put("next_attempt_at", t.nextAttemptAt());
        m.put("tentative_source", t.tentative() == null ? null : t.tentative().source().encode());
        m.put("tentative_before", t.tentative() == null ? null : t.tentative().before().airflowName());
        m.put("version", t.version());
        return m;
    }

    /**
     * Binds {@code row}'s values of {@code columns}, in that order, from parameter {@code first}; returns the next
     * parameter index.
     */
    static int bind(PreparedStatement p, int first, Map<String, Object> row, List<String> columns)
            throws SQLException {
        int i = first;
        for (String c : columns) {
            if (!row.containsKey(c)) {
                throw new IllegalArgumentException("no value for column " + c);
            }
            bindValue(p, i++, row.get(c));
        }
        return i;
    }

    /** Binds one value: null, text, a whole number, or an instant (as nanoseconds). */
    static void bindValue(PreparedStatement p, int i, Object v) throws SQLException {
        if (v == null) {
            p.setNull(i, Types.NULL);
        } else if (v instanceof String s) {
            p.setString(i, s);
        } else if (v instanceof Integer n) {
            p.setInt(i, n);
        } else if (v instanceof Long n) {
            p.setLong(i, n);
        } else if (v instanceof Instant t) {
            p.setLong(i, nanos(t));
        } else {
            throw new IllegalArgumentException("cannot store a " + v.getClass().getName());
        }
    }

    // ---------------------------------------------------------------- columns to records

    static DagRun run(ResultSet rs) throws SQLException {
        return new DagRun(rs.getString("dag_id"), rs.getString("run_id"), RunType.valueOf(rs.getString("run_type")),
                instant(rs, "logical_date"), instant(rs, "data_interval_start"), instant(rs, "data_interval_end"),
                RunState.fromAirflowName(rs.getString("state")), rs.getString("conf_json"),
                rs.getString("dag_version"), instant(rs, "queued_at"), instant(rs, "started_at"),
                instant(rs, "ended_at"), rs.getInt("pending"), rs.getInt("active_tasks"), rs.getInt("waiting"),
                rs.getInt("failed_leaves"), rs.getLong("version"),
                DagRun.VersionChange.decode(rs.getString("earlier_versions")));
    }

    static TaskInstance instance(ResultSet rs) throws SQLException {
        String source = rs.getString("tentative_source");
        TaskInstance.Tentative tentative = source == null ? null : new TaskInstance.Tentative(
                MarkSource.decode(source), TaskState.fromAirflowName(rs.getString("tentative_before")));
        return TaskInstance.builder(rs.getString("run_id"), rs.getString("task_id")).mapIndex(rs.getInt("map_index"))
                .state(TaskState.fromAirflowName(rs.getString("state"))).tryNumber(rs.getInt("try_number"))
                .maxTries(rs.getInt("max_tries")).priority(rs.getInt("priority"))
                .upstream(new UpstreamCounts(rs.getInt("up_success"), rs.getInt("up_skipped"), rs.getInt("up_failed"),
                        rs.getInt("up_upstream_failed"), rs.getInt("up_removed")))
                .mapCount(rs.getInt("map_count")).itemJson(rs.getString("item_json"))
                .outputJson(rs.getString("output_json")).error(rs.getString("error"))
                .queuedAt(instant(rs, "queued_at")).startedAt(instant(rs, "started_at"))
                .endedAt(instant(rs, "ended_at")).deadline(instant(rs, "deadline"))
                .nextAttemptAt(instant(rs, "next_attempt_at")).version(rs.getLong("version")).tentative(tentative)
                .build();
    }

    static Timer timer(ResultSet rs) throws SQLException {
        return new Timer(rs.getString("run_id"), new TaskKey(rs.getString("task_id"), rs.getInt("map_index")),
                rs.getInt("try_number"), instant(rs.getLong("fire_at")), Timer.Kind.valueOf(rs.getString("kind")));
    }

    static BreakerState breaker(ResultSet rs) throws SQLException {
        return new BreakerState(rs.getString("name"), BreakerState.Status.valueOf(rs.getString("status")),
                rs.getInt("failures"), instant(rs, "opened_at"), rs.getString("probe"), rs.getLong("version"));
    }

    // ---------------------------------------------------------------- instants

    static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : instant(v);
    }

    static long nanos(Instant t) {
        if (t.equals(Instant.MAX)) {
            return Long.MAX_VALUE;
        }
        if (t.equals(Instant.MIN)) {
            return Long.MIN_VALUE;
        }
        try {
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
        } catch (ArithmeticException e) {
            return t.getEpochSecond() < 0 ? Long.MIN_VALUE + 1 : Long.MAX_VALUE - 1;
        }
    }

    static Instant instant(long n) {
        if (n == Long.MAX_VALUE) {
            return Instant.MAX;
        }
        if (n == Long.MIN_VALUE) {
            return Instant.MIN;
        }
        return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
    }
}

