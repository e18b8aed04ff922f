package dev.sluice.cli.local;

import dev.sluice.cli.CliException;
import dev.sluice.cli.ExitCodes;
import dev.sluice.cli.store.SqliteStateStore;
import dev.sluice.model.Dag;
import dev.sluice.model.Problem;
import dev.sluice.spec.DagLoader;
import dev.sluice.spec.DagVersionRecord;
import dev.sluice.spec.DiskDagLoader;
import dev.sluice.store.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The local state folder: {@code .sluice/} in the current directory, or {@code $SLUICE_HOME}. Holds the SQLite
 * database, the task logs and the run locks.
 */
public final class Workspace {
    private final Path home;

    private Workspace(Path home) {
        this.home = home;
    }

    public static Workspace current() {
        String env = System.getenv(SqliteStateStore.HOME_ENV);
        return new Workspace(env != null && !env.isBlank() ? Path.of(env) : Path.of(".sluice"));
    }

    public static Workspace at(Path home) {
        return new Workspace(home);
    }

    public Path home() {
        return home;
    }

    public Path logsDir() {
        return home.resolve("logs");
    }

    public Path dbFile() {
        return home.resolve(SqliteStateStore.FILE_NAME);
    }

    /** Opens the database, creating the folder; a corrupt or locked file is reported, never overwritten. */
    public SqliteStateStore openStore() {
        if (Files.exists(home) && !Files.isDirectory(home)) {
            throw CliException.invalid("the Sluice home " + home.toAbsolutePath() + " is a file, not a folder; set "
                    + SqliteStateStore.HOME_ENV + " to a folder (it is created if missing)");
        }
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw CliException.invalid("cannot create the Sluice home " + home.toAbsolutePath() + " ("
                    + (e.getMessage() == null ? "an I/O error" : e.getMessage()) + "); set "
                    + SqliteStateStore.HOME_ENV + " to a folder you can write");
        }
        if (!Files.isWritable(home) || (Files.exists(dbFile()) && !Files.isWritable(dbFile()))) {
            throw CliException.invalid("the Sluice home " + home.toAbsolutePath() + " cannot be written by this user;"
                    + " set " + SqliteStateStore.HOME_ENV + " to a folder you can write (commands that only show"
                    + " runs and logs still work here)");
        }
        SqliteStateStore store;
        try {
            store = SqliteStateStore.open(dbFile(),
                    SqliteStateStore.busyTimeout(System.getenv(SqliteStateStore.BUSY_TIMEOUT_ENV)));
        } catch (StoreException e) {
            throw new CliException(ExitCodes.INVALID, e.getMessage(), e);
        }
        refuseIfCorrupt(store);
        return store;
    }

    /**
     * The database for a command that only reads (lists and shows): as {@link #openStore()} when this user may
     * write the Sluice home, else the existing database opened read-only, so a read-only home can still be looked
     * at. A read-only home with no database is refused in one sentence.
     */
    public SqliteStateStore openStoreForReading() {
        Path db = dbFile();
        boolean writable = Files.isDirectory(home) ? Files.isWritable(home)
                && (!Files.exists(db) || Files.isWritable(db)) : !Files.exists(home);
        if (writable) {
            return openStore();
        }
        if (Files.exists(home) && !Files.isDirectory(home)) {
            return openStore(); // says that the home is a file
        }
        if (!Files.exists(db)) {
            throw CliException.invalid("the Sluice home " + home.toAbsolutePath() + " holds no database and cannot"
                    + " be written by this user; nothing has run there yet");
        }
        SqliteStateStore store;
        try {
            store = SqliteStateStore.openReadOnly(db,
                    SqliteStateStore.busyTimeout(System.getenv(SqliteStateStore.BUSY_TIMEOUT_ENV)));
        } catch (StoreException e) {
            throw new CliException(ExitCodes.INVALID, e.getMessage(), e);
        }
        refuseIfCorrupt(store);
        return store;
    }

    /**
     * A database with a damaged page is refused by every command at once, before anything is written to it: reading
     * one run would otherwise call it corrupt while another command keeps adding runs to it.
     */
    private void refuseIfCorrupt(SqliteStateStore store) {
        String check;
        try {
            check = store.integrityCheck();
        } catch (StoreException e) {
            store.close();
            throw new CliException(ExitCodes.INVALID, e.getMessage(), e);
        }
        if (!"ok".equals(check)) {
            store.close();
            throw CliException.invalid(dbFile().toAbsolutePath() + " is corrupt (SQLite's integrity check: "
                    + check.lines().findFirst().orElse("failed") + "); move it away (or set "
                    + SqliteStateStore.HOME_ENV + " to another folder) to start afresh");
        }
    }

    /** A DAG loaded from a file, with the version record of everything it was built from. */
    public record DagFile(Dag dag, DagVersionRecord version) {
    }

    /** Loads a DAG file, failing with every validation error listed. */
    public static Dag loadDag(Path file) {
        return loadDagFile(file).dag();
    }

    /**
     * Loads a DAG file and the files it includes, each read once, so that the DAG and its version record come from
     * the same bytes.
     */
    public static DagFile loadDagFile(Path file) {
        if (!Files.exists(file)) {
            throw CliException.invalid(file + ": no such file or directory");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw CliException.invalid(file + ": not a readable file");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CliException.invalid("cannot read " + file + ": " + e.getMessage());
        }
        DagLoader.LoadResult r = DagLoader.loadString(text, file.toString(), DiskDagLoader.filesNear(file));
        if (r.dag() == null) {
            throw CliException.invalid(file + " is not a valid DAG:\n" + r.problems().stream()
                    .filter(Problem::isError).map(Problem::toString).collect(Collectors.joining("\n")));
        }
        String source = file.toAbsolutePath().normalize().toString();
        return new DagFile(r.dag(), DagVersionRecord.of(source, text, r.included()));
    }

    /**
     * Records the DAG's text and the content of every file it includes under their hash, so that a run resumes with
     * the version it started with.
     */
    public static String pinVersion(dev.sluice.store.StateStore store, DagFile loaded) {
        DagVersionRecord v = loaded.version();
        store.putDagVersion(loaded.dag().dagId(), v.version(), v.toJson());
        return v.version();
    }

    /** Reads {@code file} again and pins what it holds now (the scheduler, which loads folders). */
    public static String pinVersion(dev.sluice.store.StateStore store, Dag dag, Path file) {
        DagFile loaded = loadDagFile(file);
        if (!loaded.dag().dagId().equals(dag.dagId())) {
            throw CliException.invalid(file + " changed while it was being loaded: it now defines "
                    + loaded.dag().dagId() + ", not " + dag.dagId());
        }
        return pinVersion(store, loaded);
    }

    /**
     * The DAG version a run is pinned to, loaded from its record alone. A record from before versions held their
     * included files reads them from disk next to the DAG file, as it did then.
     */
    public static Dag pinnedDag(dev.sluice.store.StateStore store, String dagId, String version) {
        String stored = store.dagVersion(dagId, version).orElseThrow(() -> CliException.invalid(
                "the DAG version " + version + " of " + dagId + " is not in the database"));
        DagVersionRecord record = DagVersionRecord.parse(stored);
        DagLoader.LoadResult r = record.load(DiskDagLoader.filesNear(Path.of(record.source())));
        if (r.dag() == null) {
            throw CliException.invalid("the stored version of " + dagId + " no longer loads:\n"
                    + r.problems().stream().map(Problem::toString).collect(Collectors.joining("\n")));
        }
        return r.dag();
    }

    /**
     * Takes the lock that says "this process executes this run". Held until the returned handle is closed or the
     * process dies (the OS releases it), so a crashed run can be resumed at once.
     */
    public AutoCloseable lockRun(String runId) {
        Path file = lockFile(runId);
        Path dir = file.getParent();
        try {
            Files.createDirectories(dir);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                throw CliException.invalid("run " + runId + " is being executed by another sluice process");
            }
            FileLock held = lock;
            return () -> {
                held.release();
                ch.close();
            };
        } catch (IOException e) {
            throw CliException.invalid("cannot lock run " + runId + ": " + e.getMessage());
        }
    }

    /** The file {@link #lockRun} locks for {@code runId}. */
    public Path lockFile(String runId) {
        return home.resolve("locks").resolve(LocalRunnerFiles.segment(runId) + ".lock");
    }

    static List<String> lines(String s) {
        return s.lines().toList();
    }
}
