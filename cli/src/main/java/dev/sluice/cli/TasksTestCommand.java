package dev.sluice.cli;

import dev.sluice.cli.exec.LocalTaskExecutor;
import dev.sluice.cli.exec.Outcome;
import dev.sluice.model.Dag;
import dev.sluice.model.TaskKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice tasks test DAG TASK}: one try of one task, on its own, recording nothing. */
@Command(name = "test", description = {
        "Run one task on its own and record nothing, as 'airflow tasks test'.",
        "Its command is rendered and run (or its handler called) as in a run.",
        "Upstream outputs come from a stored run (--upstream-from).",
        "Or they are given (--upstream-output). Its log goes to stdout.",
        "Exit codes: 0 success (or skipped), 1 failed, 2 invalid input.",
        "Example: sluice tasks test mapped_fanout list_partitions"})
final class TasksTestCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "DAG", description = "A dag_id found under --path, or a DAG file.")
    String dag;

    @Parameters(index = "1", paramLabel = "TASK", description = "The task id.")
    String taskId;

    @Mixin
    DagArgument dags = new DagArgument();

    @Mixin
    TaskTry.Opts opts = new TaskTry.Opts();

    @Mixin
    TaskTry.UpstreamOpts upstreamOpts = new TaskTry.UpstreamOpts();

    @Option(names = "--classpath", paramLabel = "JARS", split = "[:,]",
            description = "Extra jars or folders with handler classes (':' or ',' separated).")
    List<Path> classpath = new ArrayList<>();

    @Override
    protected int run() throws IOException, InterruptedException {
        for (Path p : classpath) {
            if (!Files.exists(p)) {
                throw CliException.invalid("--classpath entry " + p + " does not exist");
            }
        }
        Dag found = dags.find(dag, err());
        TaskTry.Upstream upstream = upstreamOpts.resolve(found, taskId);
        Path logs = Files.createTempDirectory("sluice-tasks-test-");
        try {
            TaskTry.Prepared p = TaskTry.prepare(found, taskId, opts, upstream, logs, Instant.now());
            TaskKind kind = p.spec().kind();
            if (kind instanceof TaskKind.Function f) {
                throw CliException.invalid(taskId + " is a function task (" + f.function() + "): it runs only on a "
                        + "deployment; test its code there, or make it a handler to test it here");
            }
            err().println("testing " + p.attempt().label() + " of " + found.dagId() + " (run " + p.run().runId()
                    + ", logical date " + p.run().logicalDate() + "); nothing is recorded");
            for (String m : p.missing()) {
                err().println("note: no output of upstream task " + m + " (give one with --upstream-output " + m
                        + "=JSON or --upstream-from RUN_ID)");
            }
            err().flush();
            if (kind instanceof TaskKind.Empty) {
                out().println("result: success (an empty task runs nothing)");
                return ExitCodes.OK;
            }
            Outcome outcome = execute(p, new LocalTaskExecutor(classpath));
            return report(outcome);
        } finally {
            deleteTree(logs);
        }
    }

    /** Runs the try, copying its log to stdout as it is written; Ctrl-C stops the try's processes. */
    private Outcome execute(TaskTry.Prepared p, LocalTaskExecutor executor) throws InterruptedException {
        Path log = p.attempt().logFile();
        AtomicBoolean finished = new AtomicBoolean();
        PrintWriter out = out();
        Thread tail = new Thread(() -> follow(log, finished, out), "sluice-tasks-test-log");
        tail.setDaemon(true);
        Thread worker = Thread.currentThread();
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            worker.interrupt();
            try {
                done.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sluice-ctrl-c");
        Runtime.getRuntime().addShutdownHook(hook);
        tail.start();
        try {
            return executor.execute(p.attempt());
        } finally {
            finished.set(true);
            tail.join();
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running
            }
        }
    }

    /** Copies {@code file} to {@code out} as it grows, whole lines at a time, until {@code finished} and drained. */
    static void follow(Path file, AtomicBoolean finished, PrintWriter out) {
        byte[] buf = new byte[8192];
        java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
        InputStream in = null;
        try {
            while (true) {
                boolean last = finished.get();
                if (in == null && Files.exists(file)) {
                    in = Files.newInputStream(file);
                }
                int n;
                while (in != null && (n = in.read(buf)) > 0) {
                    for (int i = 0; i < n; i++) {
                        pending.write(buf[i]);
                        if (buf[i] == '\n') {
                            out.print(pending.toString(StandardCharsets.UTF_8));
                            pending.reset();
                        }
                    }
                    out.flush();
                }
                if (last) {
                    break;
                }
                Thread.sleep(50);
            }
            if (pending.size() > 0) {
                out.println(pending.toString(StandardCharsets.UTF_8));
            }
            out.flush();
        } catch (IOException e) {
            out.println("(cannot read the log: " + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException e) {
                    // nothing left to read
                }
            }
        }
    }

    private int report(Outcome o) {
        if (o instanceof Outcome.Succeeded s) {
            out().println("result: success" + (s.outputJson() == null ? ", no output" : ", output " + s.outputJson()));
            return ExitCodes.OK;
        } else if (o instanceof Outcome.Skipped s) {
            out().println("result: skipped (" + s.reason() + ")");
            return ExitCodes.OK;
        } else if (o instanceof Outcome.TimedOut t) {
            out().println("result: failed (execution_timeout " + t.after() + " reached)");
            return ExitCodes.RUN_FAILED;
        }
        out().println("result: failed (" + ((Outcome.Failed) o).error() + ")");
        return ExitCodes.RUN_FAILED;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
