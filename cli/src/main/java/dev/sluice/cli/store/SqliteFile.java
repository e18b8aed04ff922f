package dev.sluice.cli.store;

import dev.sluice.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteException;

/**
 * The embedded database file: refusing files that are not ours (before SQLite touches them), opening under a lock so
 * two processes can create it at once, migrating the schema, and the one connection, guarded by a lock, with its
 * prepared statements and its error translation. Every use of the connection goes through {@link #locked} or
 * {@link #inTransaction}.
 */
final class SqliteFile implements AutoCloseable {
    private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final Object OPEN_LOCK = new Object();

    /** Work on the connection; runs with the lock held. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run() throws SQLException;
    }

    private final Path path;
    private final Duration busyTimeout;
    private final Connection conn;
    private final boolean readOnly;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private boolean closed;

    private SqliteFile(Path path, Duration busyTimeout, Connection conn) {
        this(path, busyTimeout, conn, false);
    }

    private SqliteFile(Path path, Duration busyTimeout, Connection conn, boolean readOnly) {
        this.path = path;
        this.busyTimeout = busyTimeout;
        this.conn = conn;
        this.readOnly = readOnly;
    }

    /**
     * Opens an existing database for reading only, for commands that only show state when its folder cannot be
     * written (no lock file, no WAL switch, no migration). With no write-ahead log beside it the file is opened as
     * immutable (nobody can be writing it then: a writer keeps the log); with one, read-only through SQLite's
     * shared memory file. Anything that would write fails.
     */
    static SqliteFile openReadOnly(Path dbFile, Duration busyTimeout) {
        Path p = dbFile.toAbsolutePath().normalize();
        checkFileBeforeOpening(p);
        if (!Files.isRegularFile(p)) {
            throw new StoreException("there is no Sluice database at " + p, false);
        }
        boolean wal = Files.exists(p.resolveSibling(p.getFileName() + "-wal"));
        String uri = "jdbc:sqlite:" + p.toUri() + (wal ? "?mode=ro" : "?immutable=1");
        Connection c;
        try {
            c = DriverManager.getConnection(uri);
        } catch (SQLException e) {
            throw new StoreException("cannot open the Sluice database " + p + " for reading: " + e.getMessage(),
                    false, e);
        }
        return ready(new SqliteFile(p, busyTimeout, c, true), SqliteFile::checkReadable);
    }

    /** {@code file} once {@code check} passed on it; its connection is closed when the check fails. */
    private static SqliteFile ready(SqliteFile file, java.util.function.Consumer<SqliteFile> check) {
        boolean ok = false;
        try {
            check.accept(file);
            ok = true;
            return file;
        } finally {
            if (!ok) {
                try {
                    file.conn.close();
                } catch (SQLException ignored) {
                    // already failing
                }
            }
        }
    }

    boolean readOnly() {
        return readOnly;
    }

    /** What {@link #initialise} checks, writing nothing: ours, and a schema this Sluice reads as it is. */
    private void checkReadable() {
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + Math.max(0, busyTimeout.toMillis()));
            int appId;
            int version;
            try {
                appId = queryInt(s, "PRAGMA application_id");
                version = appId == SqliteSchema.APPLICATION_ID
                        ? queryInt(s, "SELECT coalesce(max(version), 0) FROM schema_version") : 0;
            } catch (SQLException e) {
                throw refusal(e);
            }
            if (appId != SqliteSchema.APPLICATION_ID || version < 1) {
                throw new StoreException(notSluiceMessage(path), false);
            }
            if (version != SqliteSchema.VERSION || !missingColumns(s).isEmpty()) {
                throw new StoreException(path + " needs an upgrade to schema version " + SqliteSchema.VERSION
                        + ", which takes a folder this user can write; run any sluice command there once as its"
                        + " owner", false);
            }
        } catch (SQLException e) {
            throw translate(e, "opening");
        }
    }

    Path path() {
        return path;
    }

    /**
     * Opens (creating if absent) the database at {@code dbFile}. A file that is not a Sluice database (another
     * SQLite file, random bytes, text) or is corrupt is refused with a {@link StoreException} and never written to.
     */
    static SqliteFile open(Path dbFile, Duration busyTimeout) {
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
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                return openLocked(p, busyTimeout);
            } catch (IOException e) {
                throw new StoreException("cannot lock " + lockFile + " to open the Sluice database: " + e, false, e);
            }
        }
    }

    private static SqliteFile openLocked(Path p, Duration busyTimeout) {
        checkFileBeforeOpening(p);
        Connection c;
        try {
            c = DriverManager.getConnection("jdbc:sqlite:" + p);
        } catch (SQLException e) {
            throw new StoreException("cannot open the Sluice database " + p + ": " + e.getMessage(), false, e);
        }
        return ready(new SqliteFile(p, busyTimeout, c), SqliteFile::initialise);
    }

    private static String notSluiceMessage(Path p) {
        return p + " is not a Sluice database or is corrupt; move it away or set " + SqliteStateStore.HOME_ENV;
    }

    private String lockedMessage() {
        return "database is locked by another sluice process: " + path + " (waited " + busyTimeout.toMillis()
                + " ms)";
    }

    /** Looks at the file's first bytes without SQLite, so a foreign file is refused before SQLite touches it. */
    private static void checkFileBeforeOpening(Path p) {
        if (Files.isDirectory(p)) {
            throw new StoreException(p + " is a directory, not a Sluice database; set " + SqliteStateStore.HOME_ENV
                    + " to the directory that should hold " + SqliteStateStore.FILE_NAME, false);
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
                        tables.add(rs.getString("name"));
                    }
                }
            } catch (SQLException e) {
                throw refusal(e);
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

    /** A file that could not be read while opening: busy (retryable), else not ours. */
    private StoreException refusal(SQLException e) {
        if (isBusy(e)) {
            return new DatabaseBusyException(lockedMessage(), e);
        }
        return new StoreException(notSluiceMessage(path), false, e);
    }

    private void checkSchemaVersion(Statement s) throws SQLException {
        int version;
        try {
            version = queryInt(s, "SELECT coalesce(max(version), 0) FROM schema_version");
        } catch (SQLException e) {
            throw refusal(e);
        }
        if (version > SqliteSchema.VERSION) {
            throw new StoreException(path + " was written by a newer Sluice (schema version " + version
                    + "; this Sluice understands up to " + SqliteSchema.VERSION + "). Upgrade Sluice, or set "
                    + SqliteStateStore.HOME_ENV + " to use another database.", false);
        }
        if (version < 1) {
            throw new StoreException(notSluiceMessage(path), false);
        }
        if (version == 1) {
            // Another process may have migrated first, so it looks again inside the transaction.
            inStatementTransaction(s, () -> {
                if (queryInt(s, "SELECT coalesce(max(version), 0) FROM schema_version") == 1) {
                    for (String sql : SqliteSchema.MIGRATE_FROM_1) {
                        s.execute(sql);
                    }
                }
            });
        }
        // Tables added within a version (IF NOT EXISTS, no data change) are created on every open.
        for (int i = SqliteSchema.DDL.size() - SqliteSchema.ADDED_TABLES; i < SqliteSchema.DDL.size(); i++) {
            s.execute(SqliteSchema.DDL.get(i));
        }
        if (!missingColumns(s).isEmpty()) {
            inStatementTransaction(s, () -> {
                for (String[] c : missingColumns(s)) {
                    s.execute("ALTER TABLE " + c[0] + " ADD COLUMN " + c[1] + " " + c[2]);
                    if (c[3] != null) {
                        s.execute(c[3]);
                    }
                }
            });
        }
    }

    /** {@link SqliteSchema#ADDED_COLUMNS} this file does not have yet. */
    private static List<String[]> missingColumns(Statement s) throws SQLException {
        List<String[]> missing = new ArrayList<>();
        for (String[] c : SqliteSchema.ADDED_COLUMNS) {
            boolean found = false;
            try (ResultSet rs = s.executeQuery("PRAGMA table_info(" + c[0] + ")")) {
                while (rs.next()) {
                    found |= rs.getString("name").equals(c[1]);
                }
            }
            if (!found) {
                missing.add(c);
            }
        }
        return missing;
    }

    private void createSchema(Statement s) throws SQLException {
        // Another process may have created it since we looked: everything below is idempotent.
        inStatementTransaction(s, () -> {
            for (String ddl : SqliteSchema.DDL) {
                s.execute(ddl);
            }
            s.execute("INSERT INTO schema_version (version) SELECT " + SqliteSchema.VERSION
                    + " WHERE NOT EXISTS (SELECT 1 FROM schema_version)");
            s.execute("PRAGMA application_id = " + SqliteSchema.APPLICATION_ID);
        });
    }

    private interface SqlStep {
        void run() throws SQLException;
    }

    private void inStatementTransaction(Statement s, SqlStep step) throws SQLException {
        try {
            s.execute("BEGIN IMMEDIATE");
        } catch (SQLException e) {
            if (isBusy(e)) {
                throw new DatabaseBusyException(lockedMessage(), e);
            }
            throw e;
        }
        boolean ok = false;
        try {
            step.run();
            s.execute("COMMIT");
            ok = true;
        } finally {
            if (!ok) {
                try {
                    s.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // no transaction left to roll back
                }
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

    // ---------------------------------------------------------------- the connection

    /** A prepared statement, reused across calls; only with the lock held. */
    PreparedStatement ps(String sql) throws SQLException {
        PreparedStatement p = statements.get(sql);
        if (p == null) {
            p = conn.prepareStatement(sql);
            statements.put(sql, p);
        }
        return p;
    }

    /** A plain statement, closed by the caller; only with the lock held. */
    Statement statement() throws SQLException {
        return conn.createStatement();
    }

    /** Runs {@code work} with the lock held, translating SQLite's errors ({@code doing} says what for). */
    <T> T locked(String doing, SqlWork<T> work) {
        lock.lock();
        try {
            if (closed) {
                throw new StoreException("the Sluice database " + path + " is closed", false);
            }
            return work.run();
        } catch (SQLException e) {
            throw translate(e, doing);
        } finally {
            lock.unlock();
        }
    }

    /** As {@link #locked}, in one {@code BEGIN IMMEDIATE} transaction: committed, or rolled back on any failure. */
    <T> T inTransaction(String doing, SqlWork<T> work) {
        return locked(doing, () -> {
            try {
                ps("BEGIN IMMEDIATE").execute();
            } catch (SQLException e) {
                if (isBusy(e)) {
                    throw new DatabaseBusyException(lockedMessage(), e);
                }
                throw e;
            }
            boolean committed = false;
            try {
                T result = work.run();
                ps("COMMIT").execute();
                committed = true;
                return result;
            } finally {
                if (!committed) {
                    try {
                        ps("ROLLBACK").execute();
                    } catch (SQLException ignored) {
                        // nothing left to roll back
                    }
                }
            }
        });
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
            case 5, 6 -> new DatabaseBusyException(lockedMessage(), e);
            case 11, 26 -> new StoreException(notSluiceMessage(path), false, e); // CORRUPT, NOTADB
            case 13 -> new StoreException("the disk holding " + path + " is full", false, e);
            case 8 -> new StoreException(path + " is read-only", false, e);
            case 10 -> new StoreException("I/O error on " + path + " while " + doing + ": " + e.getMessage(), true, e);
            default -> new StoreException("SQLite error on " + path + " while " + doing + ": " + e.getMessage(), false,
                    e);
        };
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
}
