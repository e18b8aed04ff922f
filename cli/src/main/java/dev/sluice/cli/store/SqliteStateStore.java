package dev.sluice.cli.store;

import dev.sluice.engine.BreakerState;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.MarkSource;
import dev.sluice.engine.RunType;
import dev.sluice.engine.RunView;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import dev.sluice.engine.UpstreamCounts;
import dev.sluice.model.Dag;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.store.ConcurrentUpdateException;
import dev.sluice.store.StateStore;
import dev.sluice.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteException;

/**
 * The embedded store: one SQLite file (xerial sqlite-jdbc) in WAL mode, by default {@code .sluice/sluice.db}.
 *
 * <p>One connection per store, guarded by a lock, with prepared statements reused across calls; two stores (two
 * {@code sluice} processes) on the same file serialise their write transactions through SQLite's file lock and
 * {@code busy_timeout}. {@link #apply} is one {@code BEGIN IMMEDIATE} transaction in which every write is
 * conditional (version checks, insert-if-absent, pool bounds); any failed condition rolls the whole transaction
 * back and throws {@link ConcurrentUpdateException}.
 *
 * <p>How the store learns about DAGs: {@link #view(Dag, String)} remembers the DAG's pool sizes and the run's DAG
 * (for topological positions). {@link #apply} writes the pool size it knows into the {@code pools} row before the
 * bounded update, so the bound also holds for another process that never saw the DAG. A pool whose size was never
 * seen is unbounded above; no pool ever goes below zero.
 *
 * <p>Instants are stored as INTEGER nanoseconds since the epoch (exact for 1677..2262; {@link Instant#MAX} and
 * {@link Instant#MIN} are kept as the extreme values, other instants outside that range saturate).
 */
public final class SqliteStateStore implements StateStore {
    /** How long a write waits for another process's transaction before giving up. */
    public static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(10);
    /** Environment variable naming the directory that holds {@code sluice.db}. */
    public static final String HOME_ENV = "SLUICE_HOME";
    public static final String FILE_NAME = "sluice.db";

    private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final int FIRST_PAGE = 4;
    private static final int MAX_PAGE = 256;
    private static final int MAX_REMEMBERED_RUNS = 1024;

    private static final String RUN_COLUMNS = "run_id, dag_id, run_type, logical_date, data_interval_start, "
            + "data_interval_end, state, conf_json, dag_version, queued_at, started_at, ended_at, pending, "
            + "active_tasks, waiting, failed_leaves, version";
    private static final String TI_COLUMNS = "run_id, task_id, map_index, state, try_number, max_tries, priority, "
            + "up_success, up_skipped, up_failed, up_upstream_failed, up_removed, map_count, item_json, output_json, "
            + "error, queued_at, started_at, ended_at, deadline, next_attempt_at, version, position, tentative_source, "
            + "tentative_before";
    private static final String WAITING_ORDER = " ORDER BY priority DESC, position, map_index LIMIT ?";

    private static final String SQL_INSERT_RUN = "INSERT INTO runs (" + RUN_COLUMNS + ") VALUES "
            + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING";
    private static final String SQL_UPDATE_RUN = "UPDATE runs SET dag_id = ?, run_type = ?, logical_date = ?, "
            + "data_interval_start = ?, data_interval_end = ?, state = ?, conf_json = ?, dag_version = ?, "
            + "queued_at = ?, started_at = ?, ended_at = ?, pending = ?, active_tasks = ?, waiting = ?, "
            + "failed_leaves = ?, "
            + "version = ? WHERE run_id = ? AND version = ?";
    private static final String SQL_INSERT_TI = "INSERT INTO task_instances (run_id, task_id, map_index, state, "
            + "try_number, max_tries, priority, up_success, up_skipped, up_failed, up_upstream_failed, up_removed, "
            + "map_count, item_json, output_json, error, queued_at, started_at, ended_at, deadline, next_attempt_at, "
            + "tentative_source, tentative_before, version, position) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            + "coalesce(?, (SELECT p.position FROM task_instances p WHERE p.run_id = ? AND p.task_id = ? LIMIT 1), 0))"
            + " ON CONFLICT (run_id, task_id, map_index) DO NOTHING";
    private static final String SQL_UPDATE_TI = "UPDATE task_instances SET state = ?, try_number = ?, max_tries = ?, "
            + "priority = ?, up_success = ?, up_skipped = ?, up_failed = ?, up_upstream_failed = ?, up_removed = ?, "
            + "map_count = ?, item_json = ?, output_json = ?, error = ?, queued_at = ?, started_at = ?, ended_at = ?, "
            + "deadline = ?, next_attempt_at = ?, tentative_source = ?, tentative_before = ?, version = ? "
            + "WHERE run_id = ? AND task_id = ? AND map_index = ? AND version = ?";
    private static final String SQL_POOL_SIZE = "INSERT INTO pools (name, used, size) VALUES (?, 0, ?) "
            + "ON CONFLICT (name) DO UPDATE SET size = excluded.size WHERE size IS NOT excluded.size";
    private static final String SQL_POOL_ROW = "INSERT INTO pools (name, used, size) VALUES (?, 0, NULL) "
            + "ON CONFLICT (name) DO NOTHING";
    private static final String SQL_POOL_DELTA = "UPDATE pools SET used = used + ? WHERE name = ? "
            + "AND used + ? BETWEEN 0 AND coalesce(size, 9223372036854775807)";
    private static final String SQL_INSERT_TIMER = "INSERT INTO timers (fire_at, run_id, task_id, map_index, "
            + "try_number, kind) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

    private final Path path;
    private final Duration busyTimeout;
    private final Connection conn;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    /** Pool sizes from the DAGs this store has viewed. */
    private final Map<String, Integer> poolSizes = new HashMap<>();
    /** The DAG each recently viewed run was decided with, for topological positions of new instances. */
    private final Map<String, Dag> dagByRun = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Dag> eldest) {
            return size() > MAX_REMEMBERED_RUNS;
        }
    };
    private boolean closed;

    private SqliteStateStore(Path path, Duration busyTimeout, Connection conn) {
        this.path = path;
        this.busyTimeout = busyTimeout;
        this.conn = conn;
    }

    // ---------------------------------------------------------------- opening

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
        Path p = dbFile.toAbsolutePath().normalize();
        if (Files.isDirectory(p)) {
            checkFileBeforeOpening(p);
        }
        try {
            Path parent = p.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new StoreException("cannot create the directory for the Sluice database " + p + ": " + e, false, e);
        }
        // Two processes opening a database that does not exist yet would otherwise race: one could look at the file
        // while the other is still writing its first page or switching it to WAL, and refuse it as corrupt. Checking
        // and initialising under an exclusive lock on a sibling file makes opening one step. Held for milliseconds.
        Path lockFile = p.resolveSibling(p.getFileName() + ".open-lock");
        synchronized (OPEN_LOCK) { // a JVM may hold a file lock once: threads of one process take turns first
            return openWithFileLock(p, lockFile, busyTimeout);
        }
    }

    private static final Object OPEN_LOCK = new Object();

    private static SqliteStateStore openWithFileLock(Path p, Path lockFile, Duration busyTimeout) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lockFile,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock ignored = ch.lock()) {
            return openLocked(p, busyTimeout);
        } catch (IOException e) {
            throw new StoreException("cannot lock " + lockFile + " to open the Sluice database: " + e, false, e);
        }
    }

    private static SqliteStateStore openLocked(Path p, Duration busyTimeout) {
        checkFileBeforeOpening(p);
        Connection c;
        try {
            c = DriverManager.getConnection("jdbc:sqlite:" + p);
        } catch (SQLException e) {
            throw new StoreException("cannot open the Sluice database " + p + ": " + e.getMessage(), false, e);
        }
        SqliteStateStore store = new SqliteStateStore(p, busyTimeout, c);
        boolean ok = false;
        try {
            store.initialise();
            ok = true;
            return store;
        } finally {
            if (!ok) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // already failing
                }
            }
        }
    }

    private static String notSluiceMessage(Path p) {
        return p + " is not a Sluice database or is corrupt; move it away or set " + HOME_ENV;
    }

    private String lockedMessage() {
        return "database is locked by another sluice process: " + path + " (waited " + busyTimeout.toMillis()
                + " ms)";
    }

    /** Looks at the file's first bytes without SQLite, so a foreign file is refused before SQLite touches it. */
    private static void checkFileBeforeOpening(Path p) {
        if (Files.isDirectory(p)) {
            throw new StoreException(p + " is a directory, not a Sluice database; set " + HOME_ENV
                    + " to the directory that should hold " + FILE_NAME, false);
        }
        if (!Files.exists(p)) {
            return;
        }
        try {
            long size = Files.size(p);
            if (size == 0) {
                return; // SQLite treats an empty file as an empty database.
            }
            byte[] head = new byte[SQLITE_MAGIC.length];
            int n;
            try (InputStream in = Files.newInputStream(p)) {
                n = in.readNBytes(head, 0, head.length);
            }
            if (size < 100 || n < head.length || !Arrays.equals(head, SQLITE_MAGIC)) {
                throw new StoreException(notSluiceMessage(p), false);
            }
        } catch (IOException e) {
            throw new StoreException("cannot read the Sluice database " + p + ": " + e, false, e);
        }
    }

    private void initialise() {
        try (Statement s = conn.createStatement()) {
            // Connection settings only: nothing here writes to the file.
            s.execute("PRAGMA busy_timeout = " + Math.max(0, busyTimeout.toMillis()));
            s.execute("PRAGMA foreign_keys = ON");
            int appId;
            Set<String> tables = new HashSet<>();
            try {
                appId = queryInt(s, "PRAGMA application_id");
                try (ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
                    while (rs.next()) {
                        tables.add(rs.getString(1));
                    }
                }
            } catch (SQLException e) {
                if (isBusy(e)) {
                    throw new StoreException(lockedMessage(), true, e);
                }
                throw new StoreException(notSluiceMessage(path), false, e);
            }
            boolean fresh = appId == 0 && tables.isEmpty();
            if (!fresh && (appId != SqliteSchema.APPLICATION_ID || !tables.contains("schema_version"))) {
                throw new StoreException(notSluiceMessage(path), false);
            }
            if (!fresh) {
                checkSchemaVersion(s);
            }
            // WAL: readers never block the writer and vice versa, and a commit is one append to the -wal file.
            // synchronous=NORMAL: in WAL mode a commit is not fsynced; the WAL is synced at checkpoints. A killed
            // process (SIGKILL, crash, OOM kill) loses nothing committed: the data is in the OS page cache and the
            // WAL is replayed on the next open. Only an OS crash or power loss can drop the last few commits, and
            // never corrupts the file. That keeps "nothing that finished is lost" for process deaths, which is
            // what the local runtime promises, at a fraction of the cost of an fsync per decision.
            String mode = queryString(s, "PRAGMA journal_mode = WAL");
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new StoreException("cannot switch " + path + " to WAL mode (journal_mode is " + mode + ")",
                        false);
            }
            s.execute("PRAGMA synchronous = NORMAL");
            if (fresh) {
                createSchema(s);
            }
        } catch (SQLException e) {
            throw translate(e, "opening");
        }
    }

    private void checkSchemaVersion(Statement s) throws SQLException {
        int version;
        try {
            version = queryInt(s, "SELECT coalesce(max(version), 0) FROM schema_version");
        } catch (SQLException e) {
            if (isBusy(e)) {
                throw new StoreException(lockedMessage(), true, e);
            }
            throw new StoreException(notSluiceMessage(path), false, e);
        }
        if (version > SqliteSchema.VERSION) {
            throw new StoreException(path + " was written by a newer Sluice (schema version " + version
                    + "; this Sluice understands up to " + SqliteSchema.VERSION + "). Upgrade Sluice, or set "
                    + HOME_ENV + " to use another database.", false);
        }
        if (version < 1) {
            throw new StoreException(notSluiceMessage(path), false);
        }
        if (version == 1) {
            migrateFrom1(s);
        }
        // Tables added within a version (IF NOT EXISTS, no data change) are created on every open.
        s.execute(SqliteSchema.DDL.get(SqliteSchema.DDL.size() - 1));
    }

    /** Version 1 -> 2 in one transaction; another process may have done it first, so it looks again inside. */
    private void migrateFrom1(Statement s) throws SQLException {
        begin(s);
        boolean ok = false;
        try {
            if (queryInt(s, "SELECT coalesce(max(version), 0) FROM schema_version") == 1) {
                for (String sql : SqliteSchema.MIGRATE_FROM_1) {
                    s.execute(sql);
                }
            }
            s.execute("COMMIT");
            ok = true;
        } finally {
            if (!ok) {
                rollbackQuietly(s);
            }
        }
    }

    private void createSchema(Statement s) throws SQLException {
        begin(s);
        boolean ok = false;
        try {
            // Another process may have created it since we looked: everything below is idempotent.
            for (String ddl : SqliteSchema.DDL) {
                s.execute(ddl);
            }
            s.execute("INSERT INTO schema_version (version) SELECT " + SqliteSchema.VERSION
                    + " WHERE NOT EXISTS (SELECT 1 FROM schema_version)");
            s.execute("PRAGMA application_id = " + SqliteSchema.APPLICATION_ID);
            s.execute("COMMIT");
            ok = true;
        } finally {
            if (!ok) {
                rollbackQuietly(s);
            }
        }
    }

    private static int queryInt(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private static String queryString(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    // ---------------------------------------------------------------- plumbing

    public Path path() {
        return path;
    }

    private PreparedStatement ps(String sql) throws SQLException {
        PreparedStatement p = statements.get(sql);
        if (p == null) {
            p = conn.prepareStatement(sql);
            statements.put(sql, p);
        }
        return p;
    }

    private void enter() {
        lock.lock();
        if (closed) {
            lock.unlock();
            throw new StoreException("the Sluice database " + path + " is closed", false);
        }
    }

    private void begin(Statement s) throws SQLException {
        try {
            if (s == null) {
                ps("BEGIN IMMEDIATE").execute();
            } else {
                s.execute("BEGIN IMMEDIATE");
            }
        } catch (SQLException e) {
            if (isBusy(e)) {
                throw new StoreException(lockedMessage(), true, e);
            }
            throw e;
        }
    }

    private static void rollbackQuietly(Statement s) {
        try {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // no transaction left to roll back
        }
    }

    private static int primaryCode(SQLException e) {
        if (e instanceof SQLiteException se && se.getResultCode() != null) {
            return se.getResultCode().code & 0xff;
        }
        return e.getErrorCode() & 0xff;
    }

    private static boolean isBusy(SQLException e) {
        int c = primaryCode(e);
        return c == 5 || c == 6; // SQLITE_BUSY, SQLITE_LOCKED
    }

    private StoreException translate(SQLException e, String doing) {
        int c = primaryCode(e);
        return switch (c) {
            case 5, 6 -> new StoreException(lockedMessage(), true, e);
            case 11, 26 -> new StoreException(notSluiceMessage(path), false, e); // CORRUPT, NOTADB
            case 13 -> new StoreException("the disk holding " + path + " is full", false, e);
            case 8 -> new StoreException(path + " is read-only", false, e);
            case 10 -> new StoreException("I/O error on " + path + " while " + doing + ": " + e.getMessage(), true, e);
            default -> new StoreException("SQLite error on " + path + " while " + doing + ": " + e.getMessage(), false,
                    e);
        };
    }

    // ---- instants: INTEGER nanoseconds since the epoch ----

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

    private static void setInstant(PreparedStatement p, int i, Instant t) throws SQLException {
        if (t == null) {
            p.setNull(i, Types.INTEGER);
        } else {
            p.setLong(i, nanos(t));
        }
    }

    private static Instant getInstant(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : instant(v);
    }

    private static void setString(PreparedStatement p, int i, String s) throws SQLException {
        if (s == null) {
            p.setNull(i, Types.VARCHAR);
        } else {
            p.setString(i, s);
        }
    }

    private static DagRun readRun(ResultSet rs) throws SQLException {
        return new DagRun(rs.getString(2), rs.getString(1), RunType.valueOf(rs.getString(3)), getInstant(rs, 4),
                getInstant(rs, 5), getInstant(rs, 6), RunState.fromAirflowName(rs.getString(7)), rs.getString(8),
                rs.getString(9), getInstant(rs, 10), getInstant(rs, 11), getInstant(rs, 12), rs.getInt(13),
                rs.getInt(14), rs.getInt(15), rs.getInt(16), rs.getLong(17));
    }

    private static TaskInstance readInstance(ResultSet rs) throws SQLException {
        return TaskInstance.builder(rs.getString(1), rs.getString(2)).mapIndex(rs.getInt(3))
                .state(TaskState.fromAirflowName(rs.getString(4))).tryNumber(rs.getInt(5)).maxTries(rs.getInt(6))
                .priority(rs.getInt(7))
                .upstream(new UpstreamCounts(rs.getInt(8), rs.getInt(9), rs.getInt(10), rs.getInt(11), rs.getInt(12)))
                .mapCount(rs.getInt(13)).itemJson(rs.getString(14)).outputJson(rs.getString(15)).error(rs.getString(16))
                .queuedAt(getInstant(rs, 17)).startedAt(getInstant(rs, 18)).endedAt(getInstant(rs, 19))
                .deadline(getInstant(rs, 20)).nextAttemptAt(getInstant(rs, 21)).version(rs.getLong(22))
                .tentative(rs.getString(24) == null ? null : new TaskInstance.Tentative(
                        MarkSource.decode(rs.getString(24)), TaskState.fromAirflowName(rs.getString(25))))
                .build();
    }

    private List<DagRun> queryRuns(PreparedStatement p) throws SQLException {
        List<DagRun> out = new ArrayList<>();
        try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
                out.add(readRun(rs));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- the port

    @Override
    public void putDagVersion(String dagId, String version, String specText) {
        enter();
        try {
            PreparedStatement p = ps("INSERT INTO dag_versions (dag_id, version, spec_text) VALUES (?, ?, ?) "
                    + "ON CONFLICT (dag_id, version) DO NOTHING");
            p.setString(1, dagId);
            p.setString(2, version);
            p.setString(3, specText);
            p.executeUpdate();
        } catch (SQLException e) {
            throw translate(e, "storing a DAG version");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<String> dagVersion(String dagId, String version) {
        enter();
        try {
            PreparedStatement p = ps("SELECT spec_text FROM dag_versions WHERE dag_id = ? AND version = ?");
            p.setString(1, dagId);
            p.setString(2, version);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw translate(e, "reading a DAG version");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<DagRun> run(String runId) {
        enter();
        try {
            return Optional.ofNullable(readRunLocked(runId));
        } catch (SQLException e) {
            throw translate(e, "reading run " + runId);
        } finally {
            lock.unlock();
        }
    }

    private DagRun readRunLocked(String runId) throws SQLException {
        PreparedStatement p = ps("SELECT " + RUN_COLUMNS + " FROM runs WHERE run_id = ?");
        p.setString(1, runId);
        try (ResultSet rs = p.executeQuery()) {
            return rs.next() ? readRun(rs) : null;
        }
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
        enter();
        try {
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
        } catch (SQLException e) {
            throw translate(e, "listing runs");
        } finally {
            lock.unlock();
        }
    }

    /** How many runs there are (of one DAG, or of all when {@code dagId} is null), for paging. */
    public int countRuns(String dagId) {
        enter();
        try {
            PreparedStatement p = ps(dagId == null ? "SELECT count(*) FROM runs"
                    : "SELECT count(*) FROM runs WHERE dag_id = ?");
            if (dagId != null) {
                p.setString(1, dagId);
            }
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        } catch (SQLException e) {
            throw translate(e, "counting runs");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<DagRun> runs(String dagId, RunState state, int limit) {
        enter();
        try {
            PreparedStatement p = ps("SELECT " + RUN_COLUMNS + " FROM runs WHERE dag_id = ? AND state = ? "
                    + "ORDER BY logical_date, run_id LIMIT ?");
            p.setString(1, dagId);
            p.setString(2, state.airflowName());
            p.setInt(3, Math.max(0, limit));
            return queryRuns(p);
        } catch (SQLException e) {
            throw translate(e, "listing runs");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Instant> latestLogicalDate(String dagId, String runIdPrefix) {
        enter();
        try {
            PreparedStatement p = ps("SELECT max(logical_date) FROM runs WHERE dag_id = ? "
                    + "AND substr(run_id, 1, length(?)) = ?");
            p.setString(1, dagId);
            p.setString(2, runIdPrefix);
            p.setString(3, runIdPrefix);
            try (ResultSet rs = p.executeQuery()) {
                if (rs.next()) {
                    long v = rs.getLong(1);
                    if (!rs.wasNull()) {
                        return Optional.of(instant(v));
                    }
                }
                return Optional.empty();
            }
        } catch (SQLException e) {
            throw translate(e, "reading the latest logical date");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<TaskInstance> instances(String runId) {
        enter();
        try {
            PreparedStatement p = ps("SELECT " + TI_COLUMNS + " FROM task_instances WHERE run_id = ? "
                    + "ORDER BY task_id, map_index");
            p.setString(1, runId);
            List<TaskInstance> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(readInstance(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw translate(e, "reading the task instances of " + runId);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public RunView view(Dag dag, String runId) {
        enter();
        try {
            poolSizes.putAll(dag.pools());
            dagByRun.put(runId, dag);
        } finally {
            lock.unlock();
        }
        return new LazyView(dag, runId);
    }

    @Override
    public void apply(Decision d) throws ConcurrentUpdateException {
        if (d.isNoop() && d.poolDeltas().isEmpty() && d.timers().isEmpty()) {
            return;
        }
        enter();
        try {
            begin(null);
            boolean committed = false;
            try {
                applyInTransaction(d);
                ps("COMMIT").execute();
                committed = true;
            } finally {
                if (!committed) {
                    try {
                        ps("ROLLBACK").execute();
                    } catch (SQLException ignored) {
                        // nothing left to roll back
                    }
                }
            }
        } catch (SQLException e) {
            throw translate(e, "applying a decision");
        } finally {
            lock.unlock();
        }
    }

    private void applyInTransaction(Decision d) throws SQLException {
        DagRun run = d.run();
        if (run != null) {
            int n;
            if (run.version() == 1) {
                PreparedStatement p = ps(SQL_INSERT_RUN);
                p.setString(1, run.runId());
                p.setString(2, run.dagId());
                p.setString(3, run.type().name());
                setInstant(p, 4, run.logicalDate());
                setInstant(p, 5, run.dataIntervalStart());
                setInstant(p, 6, run.dataIntervalEnd());
                p.setString(7, run.state().airflowName());
                setString(p, 8, run.confJson());
                setString(p, 9, run.dagVersion());
                setInstant(p, 10, run.queuedAt());
                setInstant(p, 11, run.startedAt());
                setInstant(p, 12, run.endedAt());
                p.setInt(13, run.pending());
                p.setInt(14, run.activeTasks());
                p.setInt(15, run.waiting());
                p.setInt(16, run.failedLeaves());
                p.setLong(17, 1);
                n = p.executeUpdate();
            } else {
                PreparedStatement p = ps(SQL_UPDATE_RUN);
                p.setString(1, run.dagId());
                p.setString(2, run.type().name());
                setInstant(p, 3, run.logicalDate());
                setInstant(p, 4, run.dataIntervalStart());
                setInstant(p, 5, run.dataIntervalEnd());
                p.setString(6, run.state().airflowName());
                setString(p, 7, run.confJson());
                setString(p, 8, run.dagVersion());
                setInstant(p, 9, run.queuedAt());
                setInstant(p, 10, run.startedAt());
                setInstant(p, 11, run.endedAt());
                p.setInt(12, run.pending());
                p.setInt(13, run.activeTasks());
                p.setInt(14, run.waiting());
                p.setInt(15, run.failedLeaves());
                p.setLong(16, run.version());
                p.setString(17, run.runId());
                p.setLong(18, run.version() - 1);
                n = p.executeUpdate();
            }
            if (n != 1) {
                throw new ConcurrentUpdateException("run " + run.runId() + " changed (expected version "
                        + (run.version() - 1) + ")");
            }
        }
        for (TaskInstance t : d.instances()) {
            if (writeInstance(t) != 1) {
                throw new ConcurrentUpdateException("task " + t.key() + " of " + t.runId()
                        + " changed (expected version " + (t.version() - 1) + ")");
            }
        }
        for (Map.Entry<String, Integer> e : d.poolDeltas().entrySet()) {
            String pool = e.getKey();
            Integer size = poolSizes.get(pool);
            PreparedStatement row = ps(size != null ? SQL_POOL_SIZE : SQL_POOL_ROW);
            row.setString(1, pool);
            if (size != null) {
                row.setInt(2, size);
            }
            row.executeUpdate();
            PreparedStatement p = ps(SQL_POOL_DELTA);
            p.setInt(1, e.getValue());
            p.setString(2, pool);
            p.setInt(3, e.getValue());
            if (p.executeUpdate() != 1) {
                throw new ConcurrentUpdateException("pool " + pool + " cannot take " + e.getValue()
                        + " (size " + (size == null ? "unbounded" : size) + ")");
            }
        }
        for (BreakerState b : d.breakers()) {
            PreparedStatement p = ps(b.version() == 1
                    ? "INSERT OR IGNORE INTO circuit_breakers (status, failures, opened_at, probe, version, name) "
                    + "VALUES (?, ?, ?, ?, ?, ?)"
                    : "UPDATE circuit_breakers SET status = ?, failures = ?, opened_at = ?, probe = ?, version = ? "
                    + "WHERE name = ? AND version = ?");
            p.setString(1, b.status().name());
            p.setInt(2, b.failures());
            setInstant(p, 3, b.openedAt());
            setString(p, 4, b.probe());
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
            PreparedStatement p = ps(SQL_INSERT_TIMER);
            p.setLong(1, nanos(t.fireAt()));
            p.setString(2, t.runId());
            p.setString(3, t.task().taskId());
            p.setInt(4, t.task().mapIndex());
            p.setInt(5, t.tryNumber());
            p.setString(6, t.kind().name());
            p.executeUpdate();
        }
    }

    /** Binds the 20 columns an instance's state is made of, in schema order, starting at parameter {@code first}. */
    private static void bindState(PreparedStatement p, int first, TaskInstance t) throws SQLException {
        UpstreamCounts u = t.upstream();
        int i = first;
        p.setString(i++, t.state().airflowName());
        p.setInt(i++, t.tryNumber());
        p.setInt(i++, t.maxTries());
        p.setInt(i++, t.priority());
        p.setInt(i++, u.success());
        p.setInt(i++, u.skipped());
        p.setInt(i++, u.failed());
        p.setInt(i++, u.upstreamFailed());
        p.setInt(i++, u.removed());
        p.setInt(i++, t.mapCount());
        setString(p, i++, t.itemJson());
        setString(p, i++, t.outputJson());
        setString(p, i++, t.error());
        setInstant(p, i++, t.queuedAt());
        setInstant(p, i++, t.startedAt());
        setInstant(p, i++, t.endedAt());
        setInstant(p, i++, t.deadline());
        setInstant(p, i++, t.nextAttemptAt());
        setString(p, i++, t.tentative() == null ? null : t.tentative().source().encode());
        setString(p, i, t.tentative() == null ? null : t.tentative().before().airflowName());
    }

    private int writeInstance(TaskInstance t) throws SQLException {
        if (t.version() == 1) {
            PreparedStatement p = ps(SQL_INSERT_TI);
            p.setString(1, t.runId());
            p.setString(2, t.taskId());
            p.setInt(3, t.mapIndex());
            bindState(p, 4, t);
            p.setLong(24, 1);
            Dag dag = dagByRun.get(t.runId());
            if (dag != null && dag.hasTask(t.taskId())) {
                p.setInt(25, dag.position(t.taskId()));
            } else {
                p.setNull(25, Types.INTEGER);
            }
            p.setString(26, t.runId());
            p.setString(27, t.taskId());
            return p.executeUpdate();
        }
        PreparedStatement p = ps(SQL_UPDATE_TI);
        bindState(p, 1, t);
        p.setLong(21, t.version());
        p.setString(22, t.runId());
        p.setString(23, t.taskId());
        p.setInt(24, t.mapIndex());
        p.setLong(25, t.version() - 1);
        return p.executeUpdate();
    }

    @Override
    public List<Timer> dueTimers(Instant now, int limit) {
        enter();
        try {
            PreparedStatement p = ps("SELECT fire_at, run_id, task_id, map_index, try_number, kind FROM timers "
                    + "WHERE fire_at <= ? ORDER BY fire_at, run_id, task_id, map_index, try_number, kind LIMIT ?");
            p.setLong(1, nanos(now));
            p.setInt(2, Math.max(0, limit));
            List<Timer> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new Timer(rs.getString(2), new TaskKey(rs.getString(3), rs.getInt(4)), rs.getInt(5),
                            instant(rs.getLong(1)), Timer.Kind.valueOf(rs.getString(6))));
                }
            }
            return out;
        } catch (SQLException e) {
            throw translate(e, "reading due timers");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void deleteTimer(Timer t) {
        enter();
        try {
            PreparedStatement p = ps("DELETE FROM timers WHERE fire_at = ? AND run_id = ? AND task_id = ? "
                    + "AND map_index = ? AND try_number = ? AND kind = ?");
            p.setLong(1, nanos(t.fireAt()));
            p.setString(2, t.runId());
            p.setString(3, t.task().taskId());
            p.setInt(4, t.task().mapIndex());
            p.setInt(5, t.tryNumber());
            p.setString(6, t.kind().name());
            p.executeUpdate();
        } catch (SQLException e) {
            throw translate(e, "deleting a timer");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<BreakerState> breakers() {
        enter();
        try {
            List<BreakerState> out = new ArrayList<>();
            try (ResultSet rs = ps("SELECT name FROM circuit_breakers ORDER BY name").executeQuery()) {
                List<String> names = new ArrayList<>();
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
                for (String n : names) {
                    out.add(breakerLocked(n));
                }
            }
            return out;
        } catch (SQLException e) {
            throw translate(e, "reading circuit breakers");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean resetBreaker(String name) {
        enter();
        try {
            PreparedStatement p = ps("UPDATE circuit_breakers SET status = 'CLOSED', failures = 0, opened_at = NULL, "
                    + "probe = NULL, version = version + 1 WHERE name = ?");
            p.setString(1, name);
            return p.executeUpdate() == 1;
        } catch (SQLException e) {
            throw translate(e, "resetting circuit breaker " + name);
        } finally {
            lock.unlock();
        }
    }

    private BreakerState breakerLocked(String name) throws SQLException {
        PreparedStatement p = ps("SELECT status, failures, opened_at, probe, version FROM circuit_breakers "
                + "WHERE name = ?");
        p.setString(1, name);
        try (ResultSet rs = p.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            Instant openedAt = getInstant(rs, 3);
            return new BreakerState(name, BreakerState.Status.valueOf(rs.getString(1)), rs.getInt(2), openedAt,
                    rs.getString(4), rs.getLong(5));
        }
    }

    @Override
    public int poolUsed(String pool) {
        enter();
        try {
            return poolUsedLocked(pool);
        } catch (SQLException e) {
            throw translate(e, "reading pool " + pool);
        } finally {
            lock.unlock();
        }
    }

    private int poolUsedLocked(String pool) throws SQLException {
        PreparedStatement p = ps("SELECT used FROM pools WHERE name = ?");
        p.setString(1, pool);
        try (ResultSet rs = p.executeQuery()) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /** Runs {@code PRAGMA integrity_check}; "ok" when the file is sound. */
    public String integrityCheck() {
        enter();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            List<String> lines = new ArrayList<>();
            while (rs.next()) {
                lines.add(rs.getString(1));
            }
            return String.join("\n", lines);
        } catch (SQLException e) {
            throw translate(e, "checking integrity");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (PreparedStatement p : statements.values()) {
                try {
                    p.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
            }
            statements.clear();
            try {
                conn.close();
            } catch (SQLException e) {
                throw translate(e, "closing");
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- the lazy view

    /**
     * Reads on demand, each read a point query or one page of the waiting index; remembers what it read, so the
     * engine sees one consistent value per key within a decision. Versions guard against anything that changed
     * meanwhile: a decision built on a stale read fails its conditional write.
     */
    private final class LazyView implements RunView {
        private final Dag dag;
        private final String runId;
        private boolean runRead;
        private DagRun run;
        private final Map<TaskKey, TaskInstance> instances = new HashMap<>();
        private final Map<String, Integer> pools = new HashMap<>();
        private int running = -1;

        LazyView(Dag dag, String runId) {
            this.dag = dag;
            this.runId = runId;
        }

        @Override
        public DagRun run() {
            if (!runRead) {
                enter();
                try {
                    run = readRunLocked(runId);
                    runRead = true;
                } catch (SQLException e) {
                    throw translate(e, "reading run " + runId);
                } finally {
                    lock.unlock();
                }
            }
            return run;
        }

        @Override
        public TaskInstance instance(TaskKey key) {
            if (instances.containsKey(key)) {
                return instances.get(key);
            }
            enter();
            try {
                PreparedStatement p = ps("SELECT " + TI_COLUMNS + " FROM task_instances "
                        + "WHERE run_id = ? AND task_id = ? AND map_index = ?");
                p.setString(1, runId);
                p.setString(2, key.taskId());
                p.setInt(3, key.mapIndex());
                TaskInstance t;
                try (ResultSet rs = p.executeQuery()) {
                    t = rs.next() ? readInstance(rs) : null;
                }
                instances.put(key, t);
                return t;
            } catch (SQLException e) {
                throw translate(e, "reading task " + key + " of " + runId);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Iterator<TaskInstance> scheduledInPriorityOrder() {
            return new WaitingIterator();
        }

        @Override
        public int poolUsed(String pool) {
            Integer used = pools.get(pool);
            if (used == null) {
                used = SqliteStateStore.this.poolUsed(pool);
                pools.put(pool, used);
            }
            return used;
        }

        @Override
        public BreakerState breaker(String name) {
            enter();
            try {
                return breakerLocked(name);
            } catch (SQLException e) {
                throw translate(e, "reading circuit breaker " + name);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int runningRunsOfDag() {
            if (running < 0) {
                enter();
                try {
                    PreparedStatement p = ps("SELECT count(*) FROM runs WHERE dag_id = ? AND state = 'running'");
                    p.setString(1, dag.dagId());
                    try (ResultSet rs = p.executeQuery()) {
                        running = rs.next() ? rs.getInt(1) : 0;
                    }
                } catch (SQLException e) {
                    throw translate(e, "counting running runs of " + dag.dagId());
                } finally {
                    lock.unlock();
                }
            }
            return running;
        }

        /** Keyset paging over the partial index, pages growing from 4 to 256 rows (admission usually needs one or two). */
        private final class WaitingIterator implements Iterator<TaskInstance> {
            private List<TaskInstance> page = Collections.emptyList();
            private int i;
            private boolean exhausted;
            private boolean started;
            private int pageSize = FIRST_PAGE;
            private int lastPriority;
            private int lastPosition;
            private int lastMapIndex;

            @Override
            public boolean hasNext() {
                if (i < page.size()) {
                    return true;
                }
                if (exhausted) {
                    return false;
                }
                fetch();
                return i < page.size();
            }

            @Override
            public TaskInstance next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.get(i++);
            }

            private void fetch() {
                enter();
                try {
                    PreparedStatement p;
                    if (!started) {
                        p = ps("SELECT " + TI_COLUMNS + " FROM task_instances WHERE run_id = ? "
                                + "AND state = 'scheduled'" + WAITING_ORDER);
                        p.setString(1, runId);
                        p.setInt(2, pageSize);
                    } else {
                        p = ps("SELECT " + TI_COLUMNS + " FROM task_instances WHERE run_id = ? "
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
                            TaskInstance t = readInstance(rs);
                            rows.add(t);
                            lastPriority = t.priority();
                            lastPosition = rs.getInt(23);
                            lastMapIndex = t.mapIndex();
                            instances.putIfAbsent(t.key(), t);
                        }
                    }
                    started = true;
                    exhausted = rows.size() < pageSize;
                    page = rows;
                    i = 0;
                    pageSize = Math.min(MAX_PAGE, pageSize * 2);
                } catch (SQLException e) {
                    throw translate(e, "reading waiting tasks of " + runId);
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
