package dev.sluice.cli;

import dev.sluice.cli.exec.LocalTaskExecutor;
import dev.sluice.cli.local.LocalRunner;
import dev.sluice.cli.local.ProgressPrinter;
import dev.sluice.cli.local.RunReport;
import dev.sluice.cli.local.Workspace;
import dev.sluice.engine.DagRun;
import dev.sluice.model.Dag;
import dev.sluice.state.RunState;
import dev.sluice.store.StateStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** Options and behaviour shared by the commands that execute runs: run, runs resume, backfill, scheduler. */
final class Execution {
    /** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
    static final int INTERRUPTED = 130;

    static final class Opts {
        @Option(names = "--parallelism", paramLabel = "N",
                description = "Tasks run at the same time (default: the number of cores).")
        int parallelism = Runtime.getRuntime().availableProcessors();

        @Option(names = "--no-delay", description = "Skip retry delays, for quick local iteration.")
        boolean noDelay;

        @Option(names = "--classpath", paramLabel = "JARS", split = "[:,]",
                description = "Extra jars or folders with handler classes (':' or ',' separated).")
        List<Path> classpath = new ArrayList<>();
    }

    private Execution() {
    }

    static LocalRunner runner(StateStore store, Dag dag, Workspace ws, Opts opts, LocalRunner.Listener listener) {
        if (opts.parallelism < 1) {
            throw CliException.invalid("--parallelism must be at least 1, got " + opts.parallelism);
        }
        for (Path p : opts.classpath) {
            if (!java.nio.file.Files.exists(p)) {
                throw CliException.invalid("--classpath entry " + p + " does not exist");
            }
        }
        // A project made by `sluice init`: its sluice.yaml builds and adds the handler classes.
        List<Path> classpath = new ArrayList<>(opts.classpath);
        ProjectFile.current().ifPresent(project -> classpath.addAll(project.prepare(System.err)));
        return new LocalRunner(store, dag, new LocalTaskExecutor(classpath),
                new LocalRunner.Options(opts.parallelism, opts.noDelay, ws.logsDir()), listener);
    }

    static boolean isTerminal() {
        return System.console() != null && System.getenv("NO_COLOR") == null;
    }

    /**
     * Executes a run to the end with progress lines, Ctrl-C handling and the final report. Returns the exit code:
     * 0 success, 1 failed, 130 interrupted.
     */
    static int executeWithReport(CliCommand cmd, StateStore store, Dag dag, Workspace ws, Opts opts, String runId,
                                 boolean json, dev.sluice.engine.Event first) {
        PrintWriter out = cmd.out();
        PrintWriter progressOut = json ? cmd.err() : out;
        boolean color = !json && isTerminal();
        LocalRunner runner = runner(store, dag, ws, opts, new ProgressPrinter(progressOut, color));
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            runner.stop();
            try {
                done.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sluice-ctrl-c");
        try (AutoCloseable lock = ws.lockRun(runId)) {
            Runtime.getRuntime().addShutdownHook(hook);
            LocalRunner.Ending ending = runner.execute(runId, first);
            DagRun run = store.run(runId).orElseThrow();
            if (ending == LocalRunner.Ending.INTERRUPTED) {
                cmd.err().println("interrupted: run " + runId + " stopped; every finished task is saved.");
                cmd.err().println("resume it with: ./sluice runs resume " + runId);
                cmd.err().flush();
                return INTERRUPTED;
            }
            var tasks = RunReport.visible(dag, store.instances(runId));
            if (json) {
                RunReport.printJson(out, run, tasks);
            } else {
                out.println();
                RunReport.printGrid(out, run, tasks, color);
                if (run.state() == RunState.FAILED) {
                    out.println("logs: ./sluice tasks logs " + runId + " TASK_ID");
                }
            }
            return run.state() == RunState.SUCCESS ? ExitCodes.OK : ExitCodes.RUN_FAILED;
        } catch (CliException e) {
            throw e;
        } catch (Exception e) {
            throw new CliException(ExitCodes.INVALID, Main.describe(e), e);
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: Ctrl-C
            }
        }
    }
}
