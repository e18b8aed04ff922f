package dev.sluice.cli;

import dev.sluice.cli.local.Workspace;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.kernel.AppliedDecision;
import dev.sluice.kernel.DecisionLoop;
import dev.sluice.model.Dag;
import dev.sluice.model.Names;
import dev.sluice.store.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "tasks",
        description = "Read a task's logs, clear tasks, or test and render one.",
        subcommands = {TasksCommand.Logs.class, TasksCommand.Clear.class, TasksTestCommand.class,
            TasksRenderCommand.class})
final class TasksCommand extends CliCommand {
    @Override
    protected int run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: logs, clear, test or render");
    }

    @Command(name = "logs", description = "Print the log of one try of a task (default: its latest try).")
    static final class Logs extends CliCommand {
        @Parameters(index = "0", paramLabel = "RUN_ID")
        String runId;

        @Parameters(index = "1", paramLabel = "TASK_ID")
        String taskId;

        @Option(names = "--try", paramLabel = "N", description = "Which try (1 = first).")
        Integer tryNumber;

        @Option(names = "--map-index", paramLabel = "I", description = "Which instance of a mapped task.")
        Integer mapIndex;

        @Override
        protected int run() throws IOException {
            Workspace ws = Workspace.current();
            DagRun run;
            TaskInstance ti;
            try (StateStore store = ws.openStoreForReading()) {
                run = RunsCommand.find(store, runId);
                Dag dag = Workspace.pinnedDag(store, run.dagId(), run.dagVersion());
                if (!dag.hasTask(taskId)) {
                    throw CliException.invalid("run " + runId + " has no task " + taskId
                            + Names.hint(taskId, dag.taskIds()));
                }
                int index = mapIndex == null ? -1 : mapIndex;
                if (mapIndex == null && dag.task(taskId).isMapped()) {
                    throw CliException.invalid(taskId + " is mapped; add --map-index I (0-based)");
                }
                ti = store.view(dag, runId).instance(new TaskKey(taskId, index));
                if (ti == null) {
                    throw CliException.invalid("no instance " + taskId + (index >= 0 ? "[" + index + "]" : "")
                            + " in run " + runId);
                }
            }
            int n = tryNumber != null ? tryNumber : ti.tryNumber();
            if (n < 1) {
                throw CliException.invalid(taskId + " has not run yet (state " + ti.state().airflowName() + ")");
            }
            Path file = dev.sluice.cli.local.LocalRunnerFiles.logFile(ws.logsDir(), run.dagId(), runId, taskId,
                    ti.mapIndex(), n);
            if (!Files.exists(file)) {
                List<String> tries = new ArrayList<>();
                if (Files.isDirectory(file.getParent())) {
                    try (Stream<Path> s = Files.list(file.getParent())) {
                        s.map(p -> p.getFileName().toString().replace(".log", "")).sorted().forEach(tries::add);
                    }
                }
                throw CliException.invalid("no log for try " + n + " of " + taskId + " (" + file + ")"
                        + (tries.isEmpty() ? "" : "; tries with logs: " + String.join(", ", tries)));
            }
            try (Stream<String> lines = Files.lines(file)) {
                lines.forEach(out()::println);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "clear", description = {
            "Reset tasks so that they run again.",
            "With --downstream, everything after them is reset too.",
            "Then 'sluice runs resume RUN_ID' runs exactly those.",
            "Other finished tasks are kept."})
    static final class Clear extends CliCommand {
        @Parameters(index = "0", paramLabel = "RUN_ID")
        String runId;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "TASK_ID", description = "Task or group ids.")
        List<String> taskIds;

        @Option(names = "--downstream", description = "Also clear every task downstream of them.")
        boolean downstream;

        @picocli.CommandLine.Mixin
        dev.sluice.cli.dev.DevOptions aws = new dev.sluice.cli.dev.DevOptions();

        @Override
        protected int run() throws Exception {
            if (aws.remote()) {
                // A deployment: the coordinator applies the clear and schedules the tasks again at once.
                try (StateStore store = aws.openStore()) {
                    if (store.run(runId).isEmpty()) {
                        throw CliException.invalid("no run " + runId + " in the deployment's table; list runs with "
                                + "'./sluice dev runs'");
                    }
                }
                aws.send(new dev.sluice.functions.message.CoordinatorMessage.Clear(runId, taskIds, downstream));
                out().println("sent clear of " + String.join(", ", taskIds) + (downstream ? " (and downstream)" : "")
                        + " in " + runId + " to the coordinator; follow it with './sluice dev runs " + runId + "'");
                return ExitCodes.OK;
            }
            Workspace ws = Workspace.current();
            try (StateStore store = ws.openStore(); AutoCloseable lock = ws.lockRun(runId)) {
                DagRun run = RunsCommand.find(store, runId);
                Dag dag = Workspace.pinnedDag(store, run.dagId(), run.dagVersion());
                for (String id : taskIds) {
                    if (!dag.hasTask(id) && dag.group(id).isEmpty()) {
                        List<String> all = new ArrayList<>(dag.taskIds());
                        dag.groups().forEach(g -> all.add(g.groupId()));
                        throw CliException.invalid("run " + runId + " has no task or group " + id
                                + Names.hint(id, all));
                    }
                }
                AppliedDecision applied = DecisionLoop.builder(store).clock(Clock.systemUTC()::instant)
                        .random(new SecureRandom()).sleeper(d -> Thread.sleep(d.toMillis())).build()
                        .run(new Engine(dag), runId, new Event.ClearTasks(taskIds, downstream));
                List<String> cleared = new ArrayList<>();
                for (TaskInstance t : applied.decision().instances()) {
                    TaskInstance before = applied.before(t.key());
                    // only a clear takes a finished task back (it may be scheduled again at once, with a new try)
                    boolean wasReset = before != null && before.state().isTerminal() && !t.state().isTerminal();
                    if (t.mapIndex() < 0 && wasReset && !cleared.contains(t.taskId())) {
                        cleared.add(t.taskId());
                    }
                }
                cleared.sort(java.util.Comparator.comparingInt(dag::position));
                out().println("cleared " + cleared.size() + " task(s) in " + runId + ": " + String.join(", ", cleared));
                out().println("run them with: ./sluice runs resume " + runId);
                return ExitCodes.OK;
            }
        }
    }

}
