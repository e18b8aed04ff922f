package dev.sluice.cli.store;

import static dev.sluice.cli.store.SqliteRows.INSTANCE_COLUMNS;
import static dev.sluice.cli.store.SqliteRows.INSTANCE_KEY;
import static dev.sluice.cli.store.SqliteRows.INSTANCE_STATE;
import static dev.sluice.cli.store.SqliteRows.RUN_COLUMNS;
import static dev.sluice.cli.store.SqliteRows.RUN_DATA;
import static dev.sluice.cli.store.SqliteRows.RUN_KEY;

import dev.sluice.engine.BreakerState;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Effect;
import dev.sluice.engine.EffectJson;
import dev.sluice.engine.Pool;
import dev.sluice.engine.RunView;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.Timer;
import dev.sluice.engine.WriteContext;
import dev.sluice.model.Dag;
import dev.sluice.state.RunState;
import dev.sluice.store.CachingRunView;
import dev.sluice.store.ConcurrentUpdateException;
import dev.sluice.store.StateStore;
import dev.sluice.store.StoreException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The embedded store: one SQLite file (xerial sqlite-jdbc) in WAL mode, by default {@code .sluice/sluice.db}.
 *
 * <p>One connection per store ({@link SqliteFile}: opening, locking, migration, errors), with prepared statements
 * reused across calls; two stores (two {@code sluice} processes) on the same file serialise their write transactions
 * through SQLite's file lock and {@code busy_timeout}. {@link #apply} is one {@code BEGIN IMMEDIATE} transaction in
 * which every write is conditional (version checks, insert-if-absent, pool bounds, max_active_runs); any failed
 * condition rolls the whole transaction back and throws {@link ConcurrentUpdateException}. Rows map to records in
 * {@link SqliteRows}.
 *
 * <p>It remembers nothing between calls: pool sizes, max_active_runs and topological positions come with each
 * decision ({@link WriteContext}), so a process that never viewed a run applies its decisions with the same bounds.
 * Pools follow {@link dev.sluice.engine.PoolBound} ({@link SqlitePools}); giving slots back never fails.
 */
public final class SqliteStateStore implements StateStore {
    /** How long a write waits for another process's transaction before giving up. */
    public static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(10);
    /** Environment variable naming the directory that holds {@code sluice.db}. */
    public static final String HOME_ENV = "SLUICE_HOME";
    public static final String FILE_NAME = "sluice.db";
    /**
     * Environment variable: how long, in milliseconds, a transaction waits for another process's lock before it
     * gives up with a {@link DatabaseBusyException} (default {@link #DEFAULT_BUSY_TIMEOUT}). The local runner then
     * waits and tries again; tests set it low to see that happen quickly.
     */
    public static final String BUSY_TIMEOUT_ENV = "SLUICE_BUSY_TIMEOUT_MS";


    private static final String SQL_INSERT_RUN = "INSERT INTO runs (" + RUN_COLUMNS + ") VALUES ("
            + SqliteRows.placeholders(RUN_KEY.size() + RUN_DATA.size()) + ") ON CONFLICT (run_id) DO NOTHING";
    private static final String SQL_UPDATE_RUN = "UPDATE runs SET " + SqliteRows.assignments(RUN_DATA)
            + " WHERE run_id = ? AND version = ?";
    private static final List<String> INSTANCE_INSERT = SqliteRows.concat(INSTANCE_KEY, INSTANCE_STATE,
            List.of("version"));
    private static final String SQL_INSERT_TI = "INSERT INTO task_instances (" + String.join(", ", INSTANCE_INSERT)
            + ", position) VALUES (" + SqliteRows.placeholders(INSTANCE_INSERT.size()) + ", "
            + "coalesce(?, (SELECT p.position FROM task_instances p WHERE p.run_id = ? AND p.task_id = ? LIMIT 1), 0))"
            + " ON CONFLICT (run_id, task_id, map_index) DO NOTHING";
    private static final List<String> INSTANCE_UPDATE = SqliteRows.concat(INSTANCE_STATE, List.of("version"));
    private static final String SQL_UPDATE_TI = "UPDATE task_instances SET " + SqliteRows.assignments(INSTANCE_UPDATE)
            + " WHERE " + SqliteRows.matches(INSTANCE_KEY) + " AND version = ?";
    private static final String SQL_INSERT_TIMER = "INSERT INTO timers (fire_at, run_id, task_id, map_index, "
            + "try_number, kind) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
    private static final String TIMER_KEY = "fire_at = ? AND run_id = ? AND task_id = ? AND map_index = ? "
            + "AND try_number = ? AND kind = ?";

    private final SqliteFile file;
    private final SqliteReads reads;
    private final SqlitePools pools;
    private final SqliteCleanup cleanup;

    private SqliteStateStore(SqliteFile file) {
        this.file = file;
        this.reads = new SqliteReads(file);
        this.pools = new SqlitePools(file);
        this.cleanup = new SqliteCleanup(file);
    }

    /** {@code $SLUICE_HOME/sluice.db} when SLUICE_HOME is set, else {@code .sluice/sluice.db} (relative). */
    public static Path defaultPath() {
        return defaultPath(System.getenv(HOME_ENV));
    }

    /** {@code <sluiceHome>/sluice.db}, or {@code .sluice/sluice.db} when {@code sluiceHome} is null or blank. */
    public static Path defaultPath(String sluiceHome) {
        if (sluiceHome == null || sluiceHome.isBlank()) {
            return Path.of(".sluice", FILE_NAME);
        }
        return Path.of(sluiceHome).resolve(FILE_NAME);
    }

    /** Opens (creating if absent) the database at {@code dbFile}, waiting up to 10 s for other processes. */
    public static SqliteStateStore open(Path dbFile) {
        return open(dbFile, DEFAULT_BUSY_TIMEOUT);
    }

    /**
     * Opens (creating if absent) the database at {@code dbFile}. A file that is not a Sluice database (another
     * SQLite file, random bytes, text) or is corrupt is refused with a {@link StoreException} and never written to.
     *
     * @param busyTimeout how long a transaction waits for another process's lock before failing (retryable)
     */
    public static SqliteStateStore open(Path dbFile, Duration busyTimeout) {
        return new SqliteStateStore(SqliteFile.open(dbFile, busyTimeout));
    }

    /** Opens an existing database to read only (its folder need not be writable); every write fails. */
    public static SqliteStateStore openReadOnly(Path dbFile, Duration busyTimeout) {
        return new SqliteStateStore(SqliteFile.openReadOnly(dbFile, busyTimeout));
    }

    /**
     * The busy timeout that {@code value} (of {@link #BUSY_TIMEOUT_ENV}) names: a whole number of milliseconds, 0
     * or more; {@link #DEFAULT_BUSY_TIMEOUT} when null or blank.
     */
    public static Duration busyTimeout(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_BUSY_TIMEOUT;
        }
        try {
            long ms = Long.parseLong(value.strip());
            if (ms >= 0) {
                return Duration.ofMillis(ms);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new StoreException(BUSY_TIMEOUT_ENV + " must be a whole number of milliseconds, 0 or more; got '"
                + value + "'", false);
    }

    public Path path() {
        return file.path();
    }

    static long nanos(Instant t) {
        return SqliteRows.nanos(t);
    }

    static Instant instant(long n) {
        return SqliteRows.instant(n);
    }

    private PreparedStatement ps(String sql) throws SQLException {
        return file.ps(sql);
    }

    private static List<DagRun> queryRuns(PreparedStatement p) throws SQLException {
        List<DagRun> out = new ArrayList<>();
        try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
                out.add(SqliteRows.run(rs));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- the port

    @Override
    public void putDagVersion(String dagId, String version, String specText) {
        file.locked("storing a DAG version", () -> {
            PreparedStatement p = ps("INSERT INTO dag_versions (dag_id, version, spec_text) VALUES (?, ?, ?) "
                    + "ON CONFLICT (dag_id, version) DO NOTHING");
            p.setString(1, dagId);
            p.setString(2, version);
            p.setString(3, specText);
            return p.executeUpdate();
        });
    }

    @Override
    public Optional<String> dagVersion(String dagId, String version) {
        return file.locked("reading a DAG version", () -> {
            PreparedStatement p = ps("SELECT spec_text FROM dag_versions WHERE dag_id = ? AND version = ?");
            p.setString(1, dagId);
            p.setString(2, version);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString("spec_text")) : Optional.empty();
            }
        });
    }

    @Override
    public Optional<DagRun> run(String runId) {
        return Optional.ofNullable(reads.run(runId));
    }

    @Override
    public List<DagRun> runs(String dagId, int limit) {
        return listRuns(dagId, null, 0, limit);
    }

    /**
     * Runs newest first (logical date descending, then run id), for {@code sluice runs list}: optionally of one
     * DAG ({@code dagId} null = all) and one state ({@code state} null = any), skipping {@code offset} runs.
     */
    public List<DagRun> listRuns(String dagId, RunState state, int offset, int limit) {
        return file.locked("listing runs", () -> {
            StringBuilder sql = new StringBuilder("SELECT " + RUN_COLUMNS + " FROM runs WHERE 1 = 1");
            if (dagId != null) {
                sql.append(" AND dag_id = ?");
            }
            if (state != null) {
                sql.append(" AND state = ?");
            }
            sql.append(" ORDER BY logical_date DESC, run_id LIMIT ? OFFSET ?");
            PreparedStatement p = ps(sql.toString());
            int i = 1;
            if (dagId != null) {
                p.setString(i++, dagId);
            }
            if (state != null) {
                p.setString(i++, state.airflowName());
            }
            p.setInt(i++, Math.max(0, limit));
            p.setInt(i, Math.max(0, offset));
            return queryRuns(p);
        });
    }

    /** How many runs there are (of one DAG, or of all when {@code dagId} is null), for paging. */
    public int countRuns(String dagId) {
        return file.locked("counting runs", () -> {
            PreparedStatement p = ps(dagId == null ? "SELECT count(*) AS n FROM runs"
                    : "SELECT count(*) AS n FROM runs WHERE dag_id = ?");
            if (dagId != null) {
                p.setString(1, dagId);
            }
            return count(p);
        });
    }

    static int count(PreparedStatement p) throws SQLException {
        try (ResultSet rs = p.executeQuery()) {
            return rs.next() ? rs.getInt("n") : 0;
        }
    }

    @Override
    public List<DagRun> runs(String dagId, RunState state, int limit) {
        return file.locked("listing runs", () -> {
            PreparedStatement p = ps("SELECT " + RUN_COLUMNS + " FROM runs WHERE dag_id = ? AND state = ? "
                    + "ORDER BY logical_date, run_id LIMIT ?");
            p.setString(1, dagId);
            p.setString(2, state.airflowName());
            p.setInt(3, Math.max(0, limit));
            return queryRuns(p);
        });
    }

    @Override
    public Optional<Instant> latestLogicalDate(String dagId, String runIdPrefix) {
        return file.locked("reading the latest logical date", () -> {
            PreparedStatement p = ps("SELECT max(logical_date) AS latest FROM runs WHERE dag_id = ? "
                    + "AND substr(run_id, 1, length(?)) = ?");
            p.setString(1, dagId);
            p.setString(2, runIdPrefix);
            p.setString(3, runIdPrefix);
            try (ResultSet rs = p.executeQuery()) {
                return Optional.ofNullable(rs.next() ? SqliteRows.instant(rs, "latest") : null);
            }
        });
    }

    @Override
    public Optional<DagRun> previousRun(String dagId, Instant logicalDate, boolean skipManual) {
        return Optional.ofNullable(reads.previousRun(dagId, logicalDate, skipManual));
    }

    @Override
    public Optional<DagRun> nextRun(String dagId, Instant logicalDate, boolean skipManual) {
        return Optional.ofNullable(reads.adjacentRun(dagId, logicalDate, skipManual, false));
    }

    @Override
    public List<TaskInstance> instances(String runId) {
        return file.locked("reading the task instances of " + runId, () -> {
            PreparedStatement p = ps("SELECT " + INSTANCE_COLUMNS + " FROM task_instances WHERE run_id = ? "
                    + "ORDER BY task_id, map_index");
            p.setString(1, runId);
            List<TaskInstance> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(SqliteRows.instance(rs));
                }
            }
            return out;
        });
    }

    @Override
    public RunView view(Dag dag, String runId) {
        return new CachingRunView(reads, dag.dagId(), runId);
    }

    @Override
    public void apply(Decision d) throws ConcurrentUpdateException {
        if (d.isNoop() && d.poolDeltas().isEmpty() && d.timers().isEmpty()) {
            return;
        }
        file.inTransaction("applying a decision", () -> {
            applyInTransaction(d);
            return null;
        });
    }

    private void applyInTransaction(Decision d) throws SQLException {
        WriteContext ctx = d.context();
        DagRun run = d.run();
        if (run != null) {
            if (ctx.maxActiveRuns() != null && run.state() == RunState.RUNNING) {
                checkRunMayStart(run, ctx.maxActiveRuns());
            }
            Map<String, Object> row = SqliteRows.runRow(run);
            PreparedStatement p;
            if (run.version() == 1) {
                p = ps(SQL_INSERT_RUN);
                SqliteRows.bind(p, 1, row, SqliteRows.concat(RUN_KEY, RUN_DATA));
            } else {
                p = ps(SQL_UPDATE_RUN);
                int i = SqliteRows.bind(p, 1, row, RUN_DATA);
                p.setString(i++, run.runId());
                p.setLong(i, run.version() - 1);
            }
            if (p.executeUpdate() != 1) {
                throw new ConcurrentUpdateException("run " + run.runId() + " changed (expected version "
                        + (run.version() - 1) + ")");
            }
        }
        for (TaskInstance t : d.instances()) {
            if (writeInstance(t, ctx) != 1) {
                throw new ConcurrentUpdateException("task " + t.key() + " of " + t.runId()
                        + " changed (expected version " + (t.version() - 1) + ")");
            }
        }
        for (Map.Entry<String, Integer> e : d.poolDeltas().entrySet()) {
            pools.apply(e.getKey(), e.getValue(), ctx.poolBound(e.getKey()));
        }
        for (BreakerState b : d.breakers()) {
            PreparedStatement p = ps(b.version() == 1
                    ? "INSERT OR IGNORE INTO circuit_breakers (status, failures, opened_at, probe, version, name) "
                    + "VALUES (?, ?, ?, ?, ?, ?)"
                    : "UPDATE circuit_breakers SET status = ?, failures = ?, opened_at = ?, probe = ?, version = ? "
                    + "WHERE name = ? AND version = ?");
            p.setString(1, b.status().name());
            p.setInt(2, b.failures());
            SqliteRows.bindValue(p, 3, b.openedAt());
            SqliteRows.bindValue(p, 4, b.probe());
            p.setLong(5, b.version());
            p.setString(6, b.name());
            if (b.version() != 1) {
                p.setLong(7, b.version() - 1);
            }
            if (p.executeUpdate() != 1) {
                throw new ConcurrentUpdateException("circuit breaker " + b.name() + " changed (expected version "
                        + (b.version() - 1) + ")");
            }
        }
        for (Timer t : d.timers()) {
            bindTimer(ps(SQL_INSERT_TIMER), t).executeUpdate();
        }
        for (Effect e : d.effects()) {
            // Written once per key: a second decision asking for it leaves the first as it is.
            PreparedStatement p = ps("INSERT OR IGNORE INTO effects (run_id, effect_key, state, body) VALUES (?, ?, ?, ?)");
            p.setString(1, e.runId());
            p.setString(2, e.key());
            p.setString(3, e.state().wireName());
            p.setString(4, EffectJson.write(e));
            p.executeUpdate();
        }
    }

    @Override
    public List<Effect> effects(String runId) {
        return file.locked("reading effects", () -> {
            PreparedStatement p = ps("SELECT body, state, detail FROM effects WHERE run_id = ? ORDER BY rowid");
            p.setString(1, runId);
            List<Effect> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(EffectJson.read(rs.getString(1)).withState(Effect.State.fromWire(rs.getString(2)),
                            rs.getString(3)));
                }
            }
            return out;
        });
    }

    @Override
    public boolean claimEffect(Effect e) {
        return file.locked("claiming an effect", () -> {
            PreparedStatement p = ps("UPDATE effects SET state = 'running' WHERE run_id = ? AND effect_key = ? "
                    + "AND state = 'pending'");
            p.setString(1, e.runId());
            p.setString(2, e.key());
            return p.executeUpdate() == 1;
        });
    }

    @Override
    public void finishEffect(Effect e, Effect.State state, String detail) {
        file.locked("recording an effect's end", () -> {
            PreparedStatement p = ps("UPDATE effects SET state = ?, detail = ? WHERE run_id = ? AND effect_key = ? "
                    + "AND state = 'running'");
            p.setString(1, state.wireName());
            p.setString(2, detail);
            p.setString(3, e.runId());
            p.setString(4, e.key());
            return p.executeUpdate();
        });
    }

    /** A run that starts must leave the DAG within max_active_runs (another process may have started one). */
    private void checkRunMayStart(DagRun run, int maxActiveRuns) throws SQLException {
        PreparedStatement p = ps(SqliteReads.SQL_RUNNING_RUNS + " AND run_id <> ?");
        p.setString(1, run.dagId());
        p.setString(2, run.runId());
        int running = count(p);
        if (running >= maxActiveRuns) {
            throw new ConcurrentUpdateException("run " + run.runId() + " cannot start: " + running + " runs of "
                    + run.dagId() + " are running (max_active_runs " + maxActiveRuns + ")");
        }
    }

    private int writeInstance(TaskInstance t, WriteContext ctx) throws SQLException {
        Map<String, Object> row = SqliteRows.instanceRow(t);
        if (t.version() == 1) {
            PreparedStatement p = ps(SQL_INSERT_TI);
            int i = SqliteRows.bind(p, 1, row, INSTANCE_INSERT);
            // The position the decision names, else that of another instance of the task, else 0.
            SqliteRows.bindValue(p, i++, ctx.hasPosition(t.taskId()) ? ctx.position(t.taskId()) : null);
            p.setString(i++, t.runId());
            p.setString(i, t.taskId());
            return p.executeUpdate();
        }
        PreparedStatement p = ps(SQL_UPDATE_TI);
        int i = SqliteRows.bind(p, 1, row, INSTANCE_UPDATE);
        i = SqliteRows.bind(p, i, row, INSTANCE_KEY);
        p.setLong(i, t.version() - 1);
        return p.executeUpdate();
    }

    private static PreparedStatement bindTimer(PreparedStatement p, Timer t) throws SQLException {
        p.setLong(1, SqliteRows.nanos(t.fireAt()));
        p.setString(2, t.runId());
        p.setString(3, t.task().taskId());
        p.setInt(4, t.task().mapIndex());
        p.setInt(5, t.tryNumber());
        p.setString(6, t.kind().name());
        return p;
    }

    @Override
    public List<Timer> dueTimers(Instant now, int limit) {
        return file.locked("reading due timers", () -> {
            PreparedStatement p = ps("SELECT fire_at, run_id, task_id, map_index, try_number, kind FROM timers "
                    + "WHERE fire_at <= ? ORDER BY fire_at, run_id, task_id, map_index, try_number, kind LIMIT ?");
            p.setLong(1, SqliteRows.nanos(now));
            p.setInt(2, Math.max(0, limit));
            List<Timer> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(SqliteRows.timer(rs));
                }
            }
            return out;
        });
    }

    @Override
    public void deleteTimer(Timer t) {
        file.locked("deleting a timer", () -> bindTimer(ps("DELETE FROM timers WHERE " + TIMER_KEY), t)
                .executeUpdate());
    }

    @Override
    public List<BreakerState> breakers() {
        return file.locked("reading circuit breakers", () -> {
            List<BreakerState> out = new ArrayList<>();
            try (ResultSet rs = ps("SELECT name, status, failures, opened_at, probe, version FROM circuit_breakers "
                    + "ORDER BY name").executeQuery()) {
                while (rs.next()) {
                    out.add(SqliteRows.breaker(rs));
                }
            }
            return out;
        });
    }

    @Override
    public boolean resetBreaker(String name) {
        return file.locked("resetting circuit breaker " + name, () -> {
            PreparedStatement p = ps("UPDATE circuit_breakers SET status = 'CLOSED', failures = 0, opened_at = NULL, "
                    + "probe = NULL, version = version + 1 WHERE name = ?");
            p.setString(1, name);
            return p.executeUpdate() == 1;
        });
    }

    @Override
    public int poolUsed(String pool) {
        return reads.poolUsed(pool);
    }

    @Override
    public List<Pool> pools() {
        return pools.all();
    }

    @Override
    public void setPool(String name, int size, String description) {
        pools.set(name, size, description);
    }

    @Override
    public PoolDeletion deletePool(String name) {
        return pools.delete(name);
    }

    // ---------------------------------------------------------------- sluice db clean

    /** A run that ended, with how many task instances it has. */
    public record EndedRun(DagRun run, int taskInstances) {
    }

    /** What removing one run did: {@code removed} is false when the run no longer qualified (nothing was removed). */
    public record RunDeletion(boolean removed, int taskInstances, int timers) {
    }

    /**
     * Runs that ended (success or failed) before {@code cutoff}, by their end time (their logical date when they have
     * none), oldest first; only those of {@code dagId} unless it is null. Queued and running runs are never listed.
     */
    public List<EndedRun> endedRunsBefore(Instant cutoff, String dagId) {
        return cleanup.endedBefore(cutoff, dagId);
    }

    /**
     * Removes the run, its task instances and its timers in one transaction, if it still ended before
     * {@code cutoff}; a run resumed by another process since it was listed is left alone.
     *
     * @throws DatabaseBusyException when another process held the database for longer than the busy timeout
     */
    public RunDeletion deleteEndedRun(String runId, Instant cutoff) {
        return cleanup.delete(runId, cutoff);
    }

    /** Runs {@code PRAGMA integrity_check}; "ok" when the file is sound. */
    public String integrityCheck() {
        return file.locked("checking integrity", () -> {
            try (Statement s = file.statement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                List<String> lines = new ArrayList<>();
                while (rs.next()) {
                    lines.add(rs.getString(1));
                }
                return String.join("\n", lines);
            }
        });
    }

    @Override
    public void close() {
        file.close();
    }
}
