package dev.sluice.cli;

import dev.sluice.cli.local.Workspace;
import dev.sluice.engine.ClearSelection;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.TaskInstance;
import dev.sluice.model.Dag;
import dev.sluice.model.Names;
import dev.sluice.state.TaskState;
import dev.sluice.store.StateStore;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice tasks mark RUN TASK... --state success|failed|skipped}, Airflow's "mark success / failed": the tasks end
 * in that state without running, and their downstream tasks go on as after a real outcome.
 */
@Command(name = "mark", description = {
        "Set tasks to success, failed or skipped without running them.",
        "Their downstream tasks then go on as after a real outcome.",
        "Locally 'sluice runs resume RUN_ID' runs the tasks that became ready."})
final class TasksMarkCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "RUN_ID")
    String runId;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "TASK_ID", description = "Task or group ids.")
    List<String> taskIds;

    @Option(names = "--state", required = true, paramLabel = "STATE", description = "success, failed or skipped.")
    String state;

    @Option(names = {"-u", "--upstream"}, description = "Also mark every task upstream of them.")
    boolean upstream;

    @Option(names = {"-d", "--downstream"}, description = "Also mark every task downstream of them.")
    boolean downstream;

    @Mixin
    dev.sluice.cli.dev.DevOptions aws = new dev.sluice.cli.dev.DevOptions();

    @Override
    protected int run() throws Exception {
        String s = state.toLowerCase(Locale.ROOT);
        if (!List.of("success", "failed", "skipped").contains(s)) {
            throw CliException.invalid("--state must be success, failed or skipped, got '" + state + "'");
        }
        TaskState target = TaskState.fromAirflowName(s);
        boolean remote = aws.remote();
        try (StateStore store = remote ? aws.openStore() : Workspace.current().openStore()) {
            DagRun run = store.run(runId).orElseThrow(() -> CliException.invalid("no run " + runId
                    + (remote ? " in the deployment's table" : " in " + Workspace.current().dbFile())
                    + "; list runs with '" + (remote ? "./sluice dev runs" : "./sluice runs list") + "'"));
            Dag dag = RunEdits.pinnedDag(store, run, remote);
            ClearSelection sel = new ClearSelection(taskIds, null, upstream, downstream, false, false);
            List<String> unknown = sel.unknownIds(dag);
            if (!unknown.isEmpty()) {
                List<String> all = new ArrayList<>(dag.taskIds());
                dag.groups().forEach(g -> all.add(g.groupId()));
                throw CliException.invalid("run " + runId + " has no task or group " + unknown.get(0)
                        + Names.hint(unknown.get(0), all));
            }
            List<String> chosen = chosen(dag, sel);
            for (String id : chosen) {
                if (dag.task(id).isMapped()) {
                    throw CliException.invalid(id + " is a mapped task; marking mapped tasks is not supported "
                            + "(mark the run with 'sluice runs mark', or clear it)");
                }
            }
            if (remote) {
                aws.send(new dev.sluice.functions.message.CoordinatorMessage.Mark(runId, chosen, s));
                out().println("sent mark " + s + " of " + String.join(", ", chosen) + " in " + runId
                        + " to the coordinator; follow it with './sluice dev runs " + runId + "'");
                return ExitCodes.OK;
            }
            try (AutoCloseable lock = Workspace.current().lockRun(runId)) {
                RunEdits.loop(store).run(new Engine(dag), runId, new Event.MarkTasks(chosen, target));
            }
            DagRun after = store.run(runId).orElseThrow();
            out().println("marked " + s + ": " + String.join(", ", chosen) + " in " + runId + " (run "
                    + after.state().airflowName() + ")");
            if (!after.state().isTerminal()) {
                out().println("run what became ready with: ./sluice runs resume " + runId);
            }
            return ExitCodes.OK;
        }
    }

    /** The named tasks (groups' members) with their upstream / downstream, whatever their state. */
    private static List<String> chosen(Dag dag, ClearSelection sel) {
        // ClearSelection leaves out instances with nothing to clear; a mark applies to those too, so every
        // instance counts here as "not none".
        List<TaskInstance> all = new ArrayList<>();
        for (String id : dag.taskIds()) {
            all.add(TaskInstance.builder("-", id).state(TaskState.SUCCESS).build());
        }
        return new ArrayList<>(new LinkedHashSet<>(sel.select(dag, all)));
    }
}
