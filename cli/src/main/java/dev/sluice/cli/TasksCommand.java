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
        description = "Read a task's logs, clear or mark tasks, or test and render one.",
        subcommands = {TasksCommand.Logs.class, TasksClearCommand.class, TasksMarkCommand.class,
            TasksTestCommand.class, TasksRenderCommand.class})
final class TasksCommand extends CliCommand {
    @Override
    protected int run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: logs, clear, mark, test or render");
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
}
