package dev.sluice.cli.store;

import static dev.sluice.cli.store.SqliteRows.INSTANCE_COLUMNS;
import static dev.sluice.cli.store.SqliteRows.INSTANCE_KEY;
import static dev.sluice.cli.store.SqliteRows.RUN_COLUMNS;

import dev.sluice.engine.BreakerState;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Pool;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.store.CachingRunView;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The store's reads that the engine's view makes: point queries, and pages of the waiting index. The caching is
 * {@link CachingRunView}'s; nothing is remembered here.
 */
final class SqliteReads implements CachingRunView.Loads {
    static final String SQL_RUNNING_RUNS = "SELECT count(*) AS n FROM runs WHERE dag_id = ? AND state = 'running'";
    private static final int FIRST_PAGE = 4;
    private static final int MAX_PAGE = 256;
    private static final String WAITING_ORDER = " ORDER BY priority DESC, position, map_index LIMIT ?";

    private final SqliteFile file;

    private final SqlitePools pools;

    SqliteReads(SqliteFile file) {
        this.pools = new SqlitePools(file);
        this.file = file;
    }

    private PreparedStatement ps(String sql) throws SQLException {
        return file.ps(sql);
    }

    @Override
    public DagRun run(String runId) {
        return file.locked("reading run " + runId, () -> {
            PreparedStatement p = ps("SELECT " + RUN_COLUMNS + " FROM runs WHERE run_id = ?");
            p.setString(1, runId);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? SqliteRows.run(rs) : null;
            }
        });
    }

    @Override
    public TaskInstance instance(String runId, TaskKey key) {
        return file.locked("reading task " + key + " of " + runId, () -> {
            PreparedStatement p = ps("SELECT " + INSTANCE_COLUMNS + " FROM task_instances WHERE "
                    + SqliteRows.matches(INSTANCE_KEY));
            p.setString(1, runId);
            p.setString(2, key.taskId());
            p.setInt(3, key.mapIndex());
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? SqliteRows.instance(rs) : null;
            }
        });
    }

    @Override
    public Iterator<TaskInstance> scheduled(String runId) {
        return new WaitingIterator(runId);
    }

    /** Slots in use in {@code pool}. */
    public int poolUsed(String pool) {
        return pool(pool).used();
    }

    @Override
    public Pool pool(String name) {
        return pools.pool(name);
    }

    @Override
    public DagRun previousRun(String dagId, Instant logicalDate, boolean skipManual) {
        return adjacentRun(dagId, logicalDate, skipManual, true);
    }

    /** The run just before ({@code before}) or just after {@code logicalDate}, by logical date, or null. */
    DagRun adjacentRun(String dagId, Instant logicalDate, boolean skipManual, boolean before) {
        String order = before ? "DESC" : "ASC";
        return file.locked("finding the run " + (before ? "before " : "after ") + logicalDate, () -> {
            PreparedStatement p = ps("SELECT " + RUN_COLUMNS + " FROM runs WHERE dag_id = ? AND logical_date "
                    + (before ? "<" : ">") + " ? AND (? = 0 OR run_type <> 'MANUAL') ORDER BY logical_date "
                    + order + ", run_id " + order + " LIMIT 1");
            p.setString(1, dagId);
            p.setLong(2, SqliteRows.nanos(logicalDate));
            p.setInt(3, skipManual ? 1 : 0);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? SqliteRows.run(rs) : null;
            }
        });
    }

    @Override
    public int runningRuns(String dagId) {
        return file.locked("counting running runs of " + dagId, () -> {
            PreparedStatement p = ps(SQL_RUNNING_RUNS);
            p.setString(1, dagId);
            return SqliteStateStore.count(p);
        });
    }

    @Override
    public BreakerState breaker(String name) {
        return file.locked("reading circuit breaker " + name, () -> {
            PreparedStatement p = ps("SELECT name, status, failures, opened_at, probe, version "
                    + "FROM circuit_breakers WHERE name = ?");
            p.setString(1, name);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? SqliteRows.breaker(rs) : null;
            }
        });
    }

    /** Keyset paging over the partial index, pages growing from 4 to 256 rows (admission usually needs one or two). */
    private final class WaitingIterator implements Iterator<TaskInstance> {
        private final String runId;
        private List<TaskInstance> page = Collections.emptyList();
        private int i;
        private boolean exhausted;
        private boolean started;
        private int pageSize = FIRST_PAGE;
        private int lastPriority;
        private int lastPosition;
        private int lastMapIndex;

        WaitingIterator(String runId) {
            this.runId = runId;
        }

        @Override
        public boolean hasNext() {
            if (i < page.size()) {
                return true;
            }
            if (exhausted) {
                return false;
            }
            page = file.locked("reading waiting tasks of " + runId, this::fetch);
            i = 0;
            return i < page.size();
        }

        @Override
        public TaskInstance next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return page.get(i++);
        }

        private List<TaskInstance> fetch() throws SQLException {
            PreparedStatement p;
            if (!started) {
                p = ps("SELECT " + INSTANCE_COLUMNS + " FROM task_instances WHERE run_id = ? "
                        + "AND state = 'scheduled'" + WAITING_ORDER);
                p.setString(1, runId);
                p.setInt(2, pageSize);
            } else {
                p = ps("SELECT " + INSTANCE_COLUMNS + " FROM task_instances WHERE run_id = ? "
                        + "AND state = 'scheduled' AND (priority < ? OR (priority = ? AND (position > ? "
                        + "OR (position = ? AND map_index > ?))))" + WAITING_ORDER);
                p.setString(1, runId);
                p.setInt(2, lastPriority);
                p.setInt(3, lastPriority);
                p.setInt(4, lastPosition);
                p.setInt(5, lastPosition);
                p.setInt(6, lastMapIndex);
                p.setInt(7, pageSize);
            }
            List<TaskInstance> rows = new ArrayList<>(pageSize);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    TaskInstance t = SqliteRows.instance(rs);
                    rows.add(t);
                    lastPriority = t.priority();
                    lastPosition = rs.getInt("position");
                    lastMapIndex = t.mapIndex();
                }
            }
            started = true;
            exhausted = rows.size() < pageSize;
            pageSize = Math.min(MAX_PAGE, pageSize * 2);
            return rows;
        }
    }
}
