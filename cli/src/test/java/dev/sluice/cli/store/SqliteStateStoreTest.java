package dev.sluice.cli.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.store.StateStore;
import dev.sluice.store.StateStoreContract;
import dev.sluice.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStateStoreTest extends StateStoreContract {
    @TempDir
    Path dir;

    @Override
    protected StateStore newStore() {
        return SqliteStateStore.open(dir.resolve("sluice.db"));
    }

    private static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    private void assertRefusedUntouched(Path p, String... messageParts) throws Exception {
        String before = sha256(p);
        long size = Files.size(p);
        assertThatThrownBy(() -> SqliteStateStore.open(p))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(p.toString())
                .hasMessageContaining("is not a Sluice database or is corrupt; move it away or set SLUICE_HOME")
                .satisfies(e -> assertThat(((StoreException) e).isRetryable()).isFalse());
        assertThat(sha256(p)).isEqualTo(before);
        assertThat(Files.size(p)).isEqualTo(size);
        assertThat(Files.exists(Path.of(p + "-wal"))).isFalse();
        assertThat(Files.exists(Path.of(p + "-journal"))).isFalse();
    }

    // ---- files that are not ours ----

    @Test
    void randomBytesAreRefusedAndNeverWritten() throws Exception {
        Path p = dir.resolve("random.db");
        byte[] junk = new byte[64 * 1024];
        new Random(3).nextBytes(junk);
        Files.write(p, junk);
        assertRefusedUntouched(p);
    }

    @Test
    void aTextFileIsRefusedAndNeverWritten() throws Exception {
        Path p = dir.resolve("notes.db");
        Files.writeString(p, "these are my notes, not a database\n".repeat(100));
        assertRefusedUntouched(p);
        Path tiny = dir.resolve("tiny.db");
        Files.writeString(tiny, "x");
        assertRefusedUntouched(tiny);
    }

    @Test
    void aCorruptFileWithASqliteHeaderIsRefusedAndNeverWritten() throws Exception {
        Path p = dir.resolve("corrupt.db");
        byte[] junk = new byte[8192];
        new Random(5).nextBytes(junk);
        byte[] magic = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, junk, 0, magic.length);
        Files.write(p, junk);
        assertRefusedUntouched(p);
    }

    @Test
    void aSluiceDatabaseWithTrashedPagesIsRefusedAndNeverWritten() throws Exception {
        Path p = dir.resolve("trashed.db");
        try (SqliteStateStore s = SqliteStateStore.open(p)) {
            s.putDagVersion("d", "v", "x".repeat(20_000));
        }
        byte[] bytes = Files.readAllBytes(p);
        // Keep the 100-byte header, smash the schema page.
        for (int i = 100; i < Math.min(bytes.length, 4096); i++) {
            bytes[i] = (byte) (i * 31);
        }
        Files.write(p, bytes);
        Files.deleteIfExists(Path.of(p + "-wal"));
        Files.deleteIfExists(Path.of(p + "-shm"));
        assertRefusedUntouched(p);
    }

    @Test
    void anotherApplicationsSqliteDatabaseIsRefusedAndNeverWritten() throws Exception {
        Path p = dir.resolve("other.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + p); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
            s.execute("CREATE TABLE schema_version (version INTEGER)");
            s.execute("INSERT INTO customers (name) VALUES ('ada'), ('grace')");
        }
        assertRefusedUntouched(p);
    }

    @Test
    void aDatabaseFromANewerSluiceIsRefusedClearly() throws Exception {
        Path p = dir.resolve("newer.db");
        SqliteStateStore.open(p).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + p); Statement s = c.createStatement()) {
            s.execute("UPDATE schema_version SET version = 99");
        }
        String before = sha256(p);
        assertThatThrownBy(() -> SqliteStateStore.open(p)).isInstanceOf(StoreException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("newer Sluice")
                .hasMessageContaining("schema version 99");
        assertThat(sha256(p)).isEqualTo(before);
    }

    @Test
    void aVersionOneDatabaseIsMigratedAndItsRunCountersRecomputed() throws Exception {
        Path p = dir.resolve("v1.db");
        Dag dag = DagBuilder.dag("d").task("a", t -> t.command("x")).task("b", t -> t.command("x"))
                .task("c", t -> t.command("x").upstream("a")).build();
        try (SqliteStateStore s = SqliteStateStore.open(p)) {
            s.view(dag, "r1");
            s.apply(new dev.sluice.engine.Decision(newRun("d", "r1", RunState.RUNNING, T0, 1), List.of(
                    TaskInstance.initial("r1", "a", 1, 1).withState(TaskState.SCHEDULED).withState(TaskState.QUEUED)
                            .withState(TaskState.RUNNING).withVersion(1),
                    TaskInstance.initial("r1", "b", 1, 1).withState(TaskState.SCHEDULED).withVersion(1),
                    TaskInstance.initial("r1", "c", 1, 1).withVersion(1)),
                    List.of(), List.of(), List.of(), Map.of(), List.of()));
        }
        // Turn it into what version 1 wrote: "unfinished" counted every instance not terminal, "none" included.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + p); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE runs DROP COLUMN waiting");
            s.execute("ALTER TABLE task_instances DROP COLUMN tentative_source");
            s.execute("ALTER TABLE task_instances DROP COLUMN tentative_before");
            s.execute("ALTER TABLE runs RENAME COLUMN pending TO unfinished");
            s.execute("UPDATE runs SET unfinished = 3");
            s.execute("UPDATE schema_version SET version = 1");
        }
        try (SqliteStateStore s = SqliteStateStore.open(p)) {
            DagRun run = s.run("r1").orElseThrow();
            assertThat(run.pending()).as("a running, b scheduled; c (none) is not pending").isEqualTo(2);
            assertThat(run.waiting()).isEqualTo(1);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + p); Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT version FROM schema_version");
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
    }

    @Test
    void aPoolsTableWithoutTheSizeSourceGainsItAndForgetsTheLastWrittenSize() throws Exception {
        Path p = dir.resolve("pools-before.db");
        try (SqliteStateStore s = SqliteStateStore.open(p)) {
            s.setPool("shared", 1, null);
        }
        // What the code before the size rule wrote: a size from whichever DAG wrote last, and slots in use.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + p); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE pools DROP COLUMN declared_by");
            s.execute("ALTER TABLE pools DROP COLUMN description");
            s.execute("UPDATE pools SET size = 3, used = 2");
        }
        try (SqliteStateStore s = SqliteStateStore.open(p)) {
            assertThat(s.pools()).containsExactly(new dev.sluice.engine.Pool("shared", null, 2, null, null));
            s.apply(new dev.sluice.engine.Decision(null, List.of(), List.of(), List.of(), List.of(),
                    Map.of("shared", -3)));
            assertThat(s.poolUsed("shared")).isZero();
        }
    }

    @Test
    void aDirectoryIsRefused() {
        assertThatThrownBy(() -> SqliteStateStore.open(dir)).isInstanceOf(StoreException.class)
                .hasMessageContaining("is a directory");
    }

    @Test
    void anEmptyFileBecomesANewDatabaseAndParentsAreCreated() throws Exception {
        Path empty = dir.resolve("empty.db");
        Files.createFile(empty);
        try (SqliteStateStore s = SqliteStateStore.open(empty)) {
            assertThat(s.integrityCheck()).isEqualTo("ok");
        }
        Path nested = dir.resolve("a/b/.sluice/sluice.db");
        try (SqliteStateStore s = SqliteStateStore.open(nested)) {
            assertThat(s.path()).isEqualTo(nested.toAbsolutePath().normalize());
        }
        assertThat(Files.exists(nested)).isTrue();
    }

    @Test
    void defaultPathHonoursSluiceHome() {
        assertThat(SqliteStateStore.defaultPath(null)).isEqualTo(Path.of(".sluice", "sluice.db"));
        assertThat(SqliteStateStore.defaultPath("  ")).isEqualTo(Path.of(".sluice", "sluice.db"));
        assertThat(SqliteStateStore.defaultPath("/var/sluice")).isEqualTo(Path.of("/var/sluice/sluice.db"));
        String home = System.getenv("SLUICE_HOME");
        assertThat(SqliteStateStore.defaultPath()).isEqualTo(SqliteStateStore.defaultPath(home));
    }

    @Test
    void walModeAndPragmasAreSet() throws Exception {
        Path p = dir.resolve("sluice.db");
        store.putDagVersion("d", "v", "x");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + p); Statement s = c.createStatement()) {
            var rs = s.executeQuery("PRAGMA journal_mode");
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("wal");
            rs = s.executeQuery("SELECT version FROM schema_version");
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(SqliteSchema.VERSION);
            rs = s.executeQuery("EXPLAIN QUERY PLAN SELECT * FROM task_instances WHERE run_id = 'r' "
                    + "AND state = 'scheduled' ORDER BY priority DESC, position, map_index LIMIT 8");
            StringBuilder plan = new StringBuilder();
            while (rs.next()) {
                plan.append(rs.getString(4)).append('\n');
            }
            assertThat(plan.toString()).contains("task_instances_waiting").doesNotContain("TEMP B-TREE");
        }
    }

    // ---- locking ----

    @Test
    void aWriteBlockedLongerThanTheTimeoutFailsClearlyAndRetryably() throws Exception {
        Path p = dir.resolve("locked.db");
        try (SqliteStateStore s = SqliteStateStore.open(p, Duration.ofMillis(200));
             Connection other = DriverManager.getConnection("jdbc:sqlite:" + p);
             Statement st = other.createStatement()) {
            Dag dag = DagBuilder.dag("d").task("a", t -> t.command("x")).build();
            s.view(dag, "r1");
            st.execute("BEGIN IMMEDIATE");
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> s.apply(new dev.sluice.engine.Decision(newRun("d", "r1", RunState.RUNNING, T0, 1),
                    List.of(ti("r1", "a", TaskState.NONE, 1)), List.of(), List.of(), List.of(), Map.of())))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("database is locked by another sluice process: " + p.toAbsolutePath())
                    .satisfies(e -> assertThat(((StoreException) e).isRetryable()).isTrue());
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
            // Reads are not blocked by a writer in WAL mode.
            assertThat(s.run("r1")).isEmpty();
            st.execute("ROLLBACK");
            s.apply(new dev.sluice.engine.Decision(newRun("d", "r1", RunState.RUNNING, T0, 1),
                    List.of(ti("r1", "a", TaskState.NONE, 1)), List.of(), List.of(), List.of(), Map.of()));
            assertThat(s.run("r1")).isPresent();
        }
    }

    @Test
    void openingADatabaseHeldExclusivelyFailsClearly() throws Exception {
        Path p = dir.resolve("exclusive.db");
        SqliteStateStore.open(p).close();
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + p);
             Statement st = other.createStatement()) {
            st.execute("PRAGMA locking_mode = EXCLUSIVE");
            st.execute("BEGIN EXCLUSIVE");
            st.execute("INSERT INTO dag_versions VALUES ('x', 'y', 'z')");
            assertThatThrownBy(() -> SqliteStateStore.open(p, Duration.ofMillis(200)))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("database is locked by another sluice process: " + p.toAbsolutePath());
            st.execute("COMMIT");
        }
        try (SqliteStateStore s = SqliteStateStore.open(p)) {
            assertThat(s.dagVersion("x", "y")).contains("z");
            assertThat(s.integrityCheck()).isEqualTo("ok");
        }
    }

    @Test
    void twoStoresOnOneFileDriveOneRunWithoutCorruptingIt() throws Exception {
        Path p = dir.resolve("shared.db");
        try (SqliteStateStore a = SqliteStateStore.open(p); SqliteStateStore b = SqliteStateStore.open(p)) {
            Map<String, AtomicInteger> dispatchCount = new ConcurrentHashMap<>();
            driveConcurrently(List.of(a, b), 2, concurrentDag(), "r1", concurrentOutcomes(), dispatchCount);
            assertConcurrentRunComplete(a, "r1", dispatchCount);
            assertConcurrentRunComplete(b, "r1", dispatchCount);
            assertThat(a.integrityCheck()).isEqualTo("ok");
        }
        try (SqliteStateStore c = SqliteStateStore.open(p)) {
            assertThat(c.integrityCheck()).isEqualTo("ok");
        }
    }

    @Test
    void twoStoresOnOneFileDriveDifferentRunsConcurrently() throws Exception {
        Path p = dir.resolve("shared2.db");
        try (SqliteStateStore a = SqliteStateStore.open(p); SqliteStateStore b = SqliteStateStore.open(p)) {
            Map<String, AtomicInteger> ca = new ConcurrentHashMap<>();
            Map<String, AtomicInteger> cb = ca; // timers of either run may be fired by either driver
            Thread t = new Thread(() -> {
                try {
                    driveConcurrently(List.of(b), 2, concurrentDag(), "r2", concurrentOutcomes(), cb);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
            driveConcurrently(List.of(a), 2, concurrentDag(), "r1", concurrentOutcomes(), ca);
            t.join();
            assertConcurrentRunComplete(a, "r1", ca);
            assertConcurrentRunComplete(a, "r2", cb);
            assertThat(a.integrityCheck()).isEqualTo("ok");
        }
    }

    // ---- durability ----

    @Test
    void reopeningKeepsEverything() {
        Path p = dir.resolve("sluice.db");
        Dag dag = bigDag();
        dev.sluice.engine.testing.RunDriver driver = new dev.sluice.engine.testing.RunDriver(dag, store, T0,
                new Random(42));
        driver.start("r1");
        DagRun run = driver.runToEnd("r1", bigDagOutcomes());
        store.putDagVersion("big", "v1", "spec \u00e9");
        List<TaskInstance> before = store.instances("r1");
        store.close();
        store = SqliteStateStore.open(p);
        assertThat(store.run("r1")).contains(run);
        assertThat(store.instances("r1")).containsExactlyElementsOf(before);
        assertThat(store.dagVersion("big", "v1")).contains("spec \u00e9");
        assertThat(store.runs("big", 10)).containsExactly(run);
        assertThat(store.view(dag, "r1").instance(TaskKey.of("f3")).tryNumber()).isEqualTo(2);
        assertThat(((SqliteStateStore) store).integrityCheck()).isEqualTo("ok");
    }

    @Test
    void listRunsPagesNewestFirst() {
        SqliteStateStore s = (SqliteStateStore) store;
        for (int i = 0; i < 25; i++) {
            s.apply(new dev.sluice.engine.Decision(newRun(i % 2 == 0 ? "A" : "B", "run" + i,
                    i % 3 == 0 ? RunState.SUCCESS : RunState.RUNNING, T0.plusSeconds(i), 1), List.of(), List.of(),
                    List.of(), List.of(), Map.of()));
        }
        assertThat(s.countRuns(null)).isEqualTo(25);
        assertThat(s.countRuns("A")).isEqualTo(13);
        assertThat(s.listRuns(null, null, 0, 3)).extracting(DagRun::runId).containsExactly("run24", "run23", "run22");
        assertThat(s.listRuns(null, null, 3, 2)).extracting(DagRun::runId).containsExactly("run21", "run20");
        assertThat(s.listRuns("A", null, 1, 2)).extracting(DagRun::runId).containsExactly("run22", "run20");
        assertThat(s.listRuns("A", RunState.SUCCESS, 0, 10)).extracting(DagRun::runId)
                .containsExactly("run24", "run18", "run12", "run6", "run0");
        assertThat(s.listRuns(null, null, 100, 10)).isEmpty();
    }

    @Test
    void instantsRoundTripExactly() {
        for (Instant t : List.of(Instant.EPOCH, Instant.parse("1969-12-31T23:59:59.999999999Z"),
                Instant.parse("2262-01-01T00:00:00.000000001Z"), Instant.parse("1700-01-01T00:00:00Z"),
                Instant.MAX, Instant.MIN, Instant.parse("2024-06-01T12:00:00.123456Z"))) {
            assertThat(SqliteStateStore.instant(SqliteStateStore.nanos(t))).isEqualTo(t);
        }
    }

    @Test
    void closedStoreSaysSo() {
        store.close();
        assertThatThrownBy(() -> store.run("r1")).isInstanceOf(StoreException.class).hasMessageContaining("closed");
        store.close();
    }

    private static long lineCount(Path p) throws IOException {
        if (!Files.exists(p)) {
            return 0;
        }
        byte[] b = Files.readAllBytes(p);
        long n = 0;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        return n;
    }

    @Test
    void sigkillMidWayLosesNothingCommitted() throws Exception {
        Path p = dir.resolve("crash.db");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = dir.resolve("child.out");
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CrashChild.class.getName(), p.toString());
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.redirectOutput(out.toFile());
        Process child = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // Let it commit a good number of decisions, then SIGKILL it while it is busy applying more.
        while (lineCount(out) < 150 && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(child.isAlive()).as("child still applying").isTrue();
        child.destroyForcibly(); // SIGKILL on Linux
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isNotZero();
        // Everything the child printed was printed after its apply returned, so it must be in the database.
        Map<String, Long> committed = new LinkedHashMap<>();
        for (String line : Files.readAllLines(out)) {
            String[] parts = line.split(" ");
            if (parts.length == 3 && parts[0].equals("committed")) {
                committed.merge(parts[1], Long.parseLong(parts[2]), Math::max);
            }
        }
        assertThat(committed).isNotEmpty();
        try (SqliteStateStore s = SqliteStateStore.open(p)) {
            assertThat(s.integrityCheck()).isEqualTo("ok");
            for (Map.Entry<String, Long> e : committed.entrySet()) {
                DagRun run = s.run(e.getKey()).orElseThrow(() -> new AssertionError("lost run " + e.getKey()));
                assertThat(run.version()).as(e.getKey()).isGreaterThanOrEqualTo(e.getValue());
                List<TaskInstance> tis = s.instances(e.getKey());
                assertThat(tis).hasSize(CrashChild.TASKS);
                // All-or-nothing: every instance carries the run's version.
                assertThat(tis).allSatisfy(t -> assertThat(t.version()).isEqualTo(run.version()));
            }
            long applied = s.runs("crash", 1_000_000).stream().mapToLong(DagRun::version).sum();
            assertThat(s.poolUsed("p")).isEqualTo((int) applied);
        }
    }
}
