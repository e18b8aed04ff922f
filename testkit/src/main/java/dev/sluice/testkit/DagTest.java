package dev.sluice.testkit;

import dev.sluice.cli.exec.LocalTaskExecutor;
import dev.sluice.cli.exec.TaskExecutor;
import dev.sluice.cli.local.LocalRunner;
import dev.sluice.cli.local.ProgressPrinter;
import dev.sluice.engine.Event;
import dev.sluice.engine.Json;
import dev.sluice.engine.RunType;
import dev.sluice.model.Dag;
import dev.sluice.model.Problem;
import dev.sluice.schedule.DataInterval;
import dev.sluice.schedule.RunIds;
import dev.sluice.schedule.Schedule;
import dev.sluice.spec.DagLoader;
import dev.sluice.spec.DagVersionRecord;
import dev.sluice.spec.DiskDagLoader;
import dev.sluice.store.InMemoryStateStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Runs one DAG to the end in this JVM, as {@code sluice run} does (Airflow's {@code dag.test()}): the real engine
 * decides, the local runtime runs the tasks (commands in a shell, handlers from the test's class path), and the state
 * is kept in memory. Chosen tasks can be replaced by a {@link Stub}. Retry delays are skipped.
 *
 * <pre>{@code
 * DagRunResult run = DagTest.of(Path.of("dags/hello.yaml"))
 *         .date("2024-01-01")
 *         .stub("extract", Stub.output(List.of(1, 2, 3)))
 *         .run();
 * assertThat(run.state()).isEqualTo("success");
 * assertThat(run.output("count")).isEqualTo(Map.of("rows", 3));
 * }</pre>
 */
public final class DagTest {
    private final Dag dag;
    private final DagVersionRecord version;
    private final Map<String, Stub> stubs = new LinkedHashMap<>();
    private final List<Path> classpath = new ArrayList<>();
    private LocalDate date;
    private String confJson;
    private int parallelism = 4;
    private Duration timeout = Duration.ofMinutes(5);
    private Path logsDir;
    private PrintWriter progress;

    private DagTest(Dag dag, DagVersionRecord version) {
        this.dag = dag;
        this.version = version;
    }

    /** The DAG of a file, loaded as {@code sluice run} loads it (its {@code foreach_file}s read from beside it). */
    public static DagTest of(Path dagFile) {
        String text;
        try {
            text = Files.readString(dagFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + dagFile + ": " + e.getMessage(), e);
        }
        DagLoader.LoadResult r = DagLoader.loadString(text, dagFile.toString(), DiskDagLoader.filesNear(dagFile));
        if (r.dag() == null) {
            throw new IllegalArgumentException(dagFile + " is not a valid DAG:\n" + r.problems().stream()
                    .filter(Problem::isError).map(Problem::toString).collect(Collectors.joining("\n")));
        }
        return new DagTest(r.dag(), DagVersionRecord.of(dagFile.toAbsolutePath().normalize().toString(), text,
                r.included()));
    }

    /** A DAG loaded already, say from a {@link DagBag}, or built with {@code DagBuilder}. */
    public static DagTest of(Dag dag) {
        return new DagTest(dag, null);
    }

    /** The logical date (midnight in the DAG's time zone), as {@code sluice run --date}. Default: now. */
    public DagTest date(String yyyyMmDd) {
        return date(LocalDate.parse(yyyyMmDd));
    }

    public DagTest date(LocalDate date) {
        this.date = Objects.requireNonNull(date, "date");
        return this;
    }

    /** The run's conf, as {@code sluice run --conf}: it overrides params, and templates see it as {@code conf}. */
    public DagTest conf(Map<String, ?> conf) {
        this.confJson = Json.write(conf);
        return this;
    }

    /** Replaces the task {@code taskId} (every instance of it, when it is mapped) by {@code stub}. */
    public DagTest stub(String taskId, Stub stub) {
        if (!dag.hasTask(taskId)) {
            throw new IllegalArgumentException("DAG " + dag.dagId() + " has no task '" + taskId + "'");
        }
        stubs.put(taskId, Objects.requireNonNull(stub, "stub"));
        return this;
    }

    /** Jars or class folders searched for handler classes after the test's own class path. */
    public DagTest classpath(Path... entries) {
        classpath.addAll(List.of(entries));
        return this;
    }

    /** Tasks run at the same time (default 4). */
    public DagTest parallelism(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + n);
        }
        this.parallelism = n;
        return this;
    }

    /** How long the run may take before it is stopped and {@link #run()} fails (default 5 minutes). */
    public DagTest timeout(Duration timeout) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /** Where the tries' logs go (default: a new temporary folder). */
    public DagTest logsDir(Path dir) {
        this.logsDir = dir;
        return this;
    }

    /** Prints one line per task state change to {@code out}, as {@code sluice run} does. */
    public DagTest printProgress(PrintWriter out) {
        this.progress = out;
        return this;
    }

    /** Runs the DAG to the end and returns what every task came to. */
    public DagRunResult run() {
        Path logs = logsDir != null ? logsDir : tempLogs();
        InMemoryStateStore store = new InMemoryStateStore();
        String pinned = null;
        if (version != null) {
            store.putDagVersion(dag.dagId(), version.version(), version.toJson());
            pinned = version.version();
        }
        Schedule schedule = Schedule.parse(dag.schedule(), dag.timezone());
        Instant logical;
        DataInterval interval;
        if (date != null) {
            logical = date.atStartOfDay(dag.timezone()).toInstant();
            interval = schedule.kind() == Schedule.Kind.CRON
                    ? new DataInterval(logical, schedule.nextFire(logical).orElse(logical))
                    : new DataInterval(logical, logical);
        } else {
            logical = Instant.now().truncatedTo(ChronoUnit.MICROS);
            interval = schedule.manualInterval(logical);
        }
        String runId = RunIds.manual(dag.dagId(), logical);
        TaskExecutor real = new LocalTaskExecutor(classpath);
        TaskExecutor executor = new StubbingExecutor(real, stubs);
        LocalRunner.Listener listener = progress != null ? new ProgressPrinter(progress, false)
                : new LocalRunner.Listener() {
                    @Override
                    public void taskChanged(dev.sluice.engine.TaskInstance before,
                                            dev.sluice.engine.TaskInstance after, Instant at) {
                    }
                };
        LocalRunner runner = new LocalRunner(store, dag, executor,
                new LocalRunner.Options(parallelism, true, logs), listener);
        Event first = new Event.RunRequested(runId, RunType.MANUAL, logical, interval.start(), interval.end(),
                confJson, pinned);
        CompletableFuture<LocalRunner.Ending> ending = CompletableFuture.supplyAsync(() -> runner.execute(runId, first),
                r -> {
                    Thread t = new Thread(r, "sluice-dagtest-" + dag.dagId());
                    t.setDaemon(true);
                    t.start();
                });
        try {
            ending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            runner.stop();
            throw new AssertionError("run " + runId + " did not finish within " + timeout + ":\n"
                    + DagRunResult.of(dag, store, runId, logs));
        } catch (InterruptedException e) {
            runner.stop();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + runId, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException re ? re : new IllegalStateException(c);
        }
        return DagRunResult.of(dag, store, runId, logs);
    }

    private static Path tempLogs() {
        try {
            Path dir = Files.createTempDirectory("sluice-dagtest-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for the tries' logs", e);
        }
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder left behind
        }
    }
}
