package dev.sluice.cli;

import dev.sluice.cli.local.LocalRunner;
import dev.sluice.cli.local.Workspace;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Event;
import dev.sluice.engine.Json;
import dev.sluice.engine.RunType;
import dev.sluice.model.Dag;
import dev.sluice.model.S3Trigger;
import dev.sluice.schedule.DataInterval;
import dev.sluice.schedule.RunIds;
import dev.sluice.schedule.Schedule;
import dev.sluice.spec.DagLoader;
import dev.sluice.spec.DiskDagLoader;
import dev.sluice.state.RunState;
import dev.sluice.store.StateStore;
import dev.sluice.template.S3KeyPattern;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "scheduler", description = {
        "Run DAGs on their schedules and on file arrivals.",
        "It is the local stand-in for the cloud's triggers.",
        "It fires the cron schedules (with catchup) of the DAGs under --path.",
        "It starts a DAG with an s3 trigger when a matching file appears.",
        "Files are looked for under --watch DIR.",
        "A file DIR/<bucket>/<key> stands for s3://<bucket>/<key>.",
        "Ctrl-C stops it.",
        "Example: sluice scheduler --path examples --once"})
final class SchedulerCommand extends CliCommand {
    @Mixin
    DagFiles.PathOption dags = new DagFiles.PathOption();

    /** The older spelling {@code scheduler PATH}, still accepted. */
    @Parameters(arity = "0..1", paramLabel = "PATH", hidden = true)
    Path positional;

    @Option(names = "--watch", paramLabel = "DIR", description = "Folder standing in for S3: DIR/<bucket>/<key>.")
    Path watch;

    @Option(names = "--interval", paramLabel = "DURATION", description = "How often to look (default 5s).")
    String interval = "5s";

    @Option(names = "--once", description = {"Run everything that is due to the end, then exit (for scripts and "
            + "tests).", "Runs beyond max_active_runs wait for earlier ones, in logical-date order."})
    boolean once;

    @Mixin
    Execution.Opts opts = new Execution.Opts();

    private final Map<String, Boolean> active = new ConcurrentHashMap<>();

    @Override
    protected int run() throws Exception {
        if (positional != null) {
            if (dags.given()) {
                throw CliException.invalid("give the folder once: --path " + dags.where() + " or " + positional);
            }
            dags.set(positional);
        }
        Path path = dags.where();
        if (!Files.exists(path)) {
            throw CliException.invalid(path + ": no such file or directory");
        }
        if (watch != null && !Files.isDirectory(watch)) {
            throw CliException.invalid("--watch " + watch + " is not a folder");
        }
        Duration every = dev.sluice.spec.Durations.parse(interval);
        Workspace ws = Workspace.current();
        PrintWriter out = out();
        ExecutorService pool = Executors.newCachedThreadPool();
        CountDownLatch stopped = new CountDownLatch(1);
        List<LocalRunner> runners = new ArrayList<>();
        Thread hook = new Thread(() -> {
            synchronized (runners) {
                runners.forEach(LocalRunner::stop);
            }
            stopped.countDown();
        }, "sluice-scheduler-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try (StateStore store = ws.openStore()) {
            out.println("scheduler watching " + path + (watch == null ? "" : " and files under " + watch)
                    + (once ? "; running what is due, then exiting" : "; Ctrl-C to stop"));
            out.flush();
            if (once) {
                // Each look starts what max_active_runs allows; the next look, once those ended, starts the rest.
                java.util.Set<String> tried = new java.util.HashSet<>();
                List<Future<?>> started;
                do {
                    started = look(store, ws, path, pool, runners, out, tried);
                    for (Future<?> f : started) {
                        f.get();
                    }
                } while (!started.isEmpty() && stopped.getCount() > 0);
            } else {
                do {
                    look(store, ws, path, pool, runners, out, null);
                } while (!stopped.await(every.toMillis(), TimeUnit.MILLISECONDS));
            }
        } finally {
            pool.shutdownNow();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C
            }
        }
        out.println("scheduler stopped");
        return ExitCodes.OK;
    }

    /**
     * Loads the DAGs and starts the runs due now; returns the runs started. {@code tried} (with --once) holds the
     * runs started before, so a run that cannot start is not started again and again.
     */
    private List<Future<?>> look(StateStore store, Workspace ws, Path path, ExecutorService pool,
                                 List<LocalRunner> runners, PrintWriter out, java.util.Set<String> tried) {
        List<Future<?>> started = new ArrayList<>();
        for (DagLoader.LoadResult r : DiskDagLoader.loadAll(List.of(path))) {
            if (r.dag() == null) {
                if (tried == null || tried.add("file:" + DagFiles.fileOf(r))) {
                    r.problems().forEach(p -> err().println(p));
                }
                continue;
            }
            Dag dag = r.dag();
            for (Start s : due(store, dag, Instant.now())) {
                if (tried != null && !tried.add(s.runId())) {
                    continue;
                }
                Future<?> f = launch(store, ws, dag, Path.of(dag.source()), s, pool, runners, out);
                if (f != null) {
                    started.add(f);
                }
            }
        }
        return started;
    }

    record Start(String runId, RunType type, DataInterval interval, String confJson) {
    }

    /** Scheduled runs due now (catchup and max_active_runs honoured) and file-triggered runs. */
    List<Start> due(StateStore store, Dag dag, Instant now) {
        List<Start> starts = new ArrayList<>();
        if (dag.schedule() != null) {
            int running = store.runs(dag.dagId(), RunState.RUNNING, 1000).size()
                    + store.runs(dag.dagId(), RunState.QUEUED, 1000).size();
            int room = dag.maxActiveRuns() - running;
            if (room > 0) {
                Instant last = store.latestLogicalDate(dag.dagId(), dag.dagId() + ".scheduled__").orElse(null);
                for (DataInterval i : Schedule.due(dag, last, now, room)) {
                    starts.add(new Start(RunIds.scheduled(dag.dagId(), i.start()), RunType.SCHEDULED, i, null));
                }
            }
        }
        Optional<S3Trigger> trigger = dag.trigger();
        if (trigger.isPresent() && watch != null) {
            starts.addAll(fileStarts(store, dag, trigger.get(), now));
        }
        return starts;
    }

    private List<Start> fileStarts(StateStore store, Dag dag, S3Trigger t, Instant now) {
        Path bucketDir = watch.resolve(t.bucket());
        if (!Files.isDirectory(bucketDir)) {
            return List.of();
        }
        S3KeyPattern pattern = S3KeyPattern.compile(t.keyPattern());
        List<Start> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(bucketDir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String key = bucketDir.relativize(f).toString().replace('\\', '/');
                Optional<S3KeyPattern.Match> m = pattern.match(key);
                if (m.isEmpty()) {
                    continue;
                }
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                String sequencer = a.size() + "-" + a.lastModifiedTime().toMillis();
                String runId = RunIds.s3(dag.dagId(), t.bucket(), key, sequencer);
                if (store.run(runId).isPresent() || active.containsKey(runId)) {
                    continue;
                }
                Instant logical = m.get().logicalDate()
                        .map(d -> d.atStartOfDay(dag.timezone()).toInstant())
                        .orElse(a.lastModifiedTime().toInstant().truncatedTo(ChronoUnit.SECONDS));
                Map<String, Object> conf = new LinkedHashMap<>();
                conf.put("bucket", t.bucket());
                conf.put("key", key);
                out.add(new Start(runId, RunType.S3, new DataInterval(logical, logical), Json.write(conf)));
            }
        } catch (IOException e) {
            err().println("cannot read " + bucketDir + ": " + e.getMessage());
        }
        return out;
    }

    /** Starts one run on the pool; null when it is running or exists already. */
    private Future<?> launch(StateStore store, Workspace ws, Dag dag, Path file, Start s, ExecutorService pool,
                             List<LocalRunner> runners, PrintWriter out) {
        if (active.putIfAbsent(s.runId(), true) != null) {
            return null;
        }
        if (store.run(s.runId()).isPresent()) {
            active.remove(s.runId());
            return null;
        }
        String version = Workspace.pinVersion(store, dag, file);
        LocalRunner runner = Execution.runner(store, dag, ws, opts, (b, a, at) -> { });
        synchronized (runners) {
            runners.add(runner);
        }
        synchronized (out) {
            out.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + "  start  " + dag.dagId() + "  " + s.runId());
            out.flush();
        }
        return pool.submit(() -> {
            try (AutoCloseable lock = ws.lockRun(s.runId())) {
                runner.execute(s.runId(), new Event.RunRequested(s.runId(), s.type(), s.interval().start(),
                        s.interval().start(), s.interval().end(), s.confJson(), version));
                DagRun run = store.run(s.runId()).orElseThrow();
                synchronized (out) {
                    out.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + "  " + run.state().airflowName()
                            + "  " + dag.dagId() + "  " + s.runId());
                    out.flush();
                }
            } catch (Exception e) {
                synchronized (out) {
                    err().println("run " + s.runId() + " of " + dag.dagId() + ": " + Main.describe(e));
                    err().flush();
                }
            } finally {
                active.remove(s.runId());
            }
            return null;
        });
    }

}
