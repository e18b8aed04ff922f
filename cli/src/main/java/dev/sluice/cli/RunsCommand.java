package dev.sluice.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.local.RunReport;
import dev.sluice.cli.local.Workspace;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Json;
import dev.sluice.model.Dag;
import dev.sluice.store.StateStore;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "runs", description = "List, inspect, resume and mark runs in the local database.",
        subcommands = {RunsCommand.ListRuns.class, RunsCommand.Show.class, RunsCommand.Resume.class,
            RunsCommand.Mark.class})
final class RunsCommand extends CliCommand {
    @Override
    protected int run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: list, show, resume or mark");
    }

    static DagRun find(StateStore store, String runId) {
        return store.run(runId).orElseThrow(() -> CliException.invalid("no run " + runId
                + " in " + Workspace.current().dbFile() + "; list runs with './sluice runs list'"));
    }

    @Command(name = "list", description = "Runs, newest first.")
    static final class ListRuns extends CliCommand {
        @Option(names = "--dag", paramLabel = "DAG", description = "Only runs of this DAG.")
        String dag;

        @Option(names = "--limit", paramLabel = "N", description = "At most N runs (default 50).")
        int limit = 50;

        @Option(names = "--json", description = "A JSON array on stdout.")
        boolean json;

        @Override
        protected int run() {
            try (StateStore store = Workspace.current().openStoreForReading()) {
                List<DagRun> runs = store.runs(dag, Math.max(1, limit));
                if (json) {
                    ArrayNode arr = Json.MAPPER.createArrayNode();
                    for (DagRun r : runs) {
                        ObjectNode o = arr.addObject();
                        o.put("dagId", r.dagId());
                        o.put("runId", r.runId());
                        o.put("logicalDate", r.logicalDate().toString());
                        o.put("state", r.state().airflowName());
                        o.put("startedAt", r.startedAt() == null ? null : r.startedAt().toString());
                        o.put("endedAt", r.endedAt() == null ? null : r.endedAt().toString());
                    }
                    out().println(arr.toString());
                    return ExitCodes.OK;
                }
                if (runs.isEmpty()) {
                    out().println("no runs" + (dag == null ? "" : " of " + dag) + " yet; start one with "
                            + "'./sluice run FILE'");
                    return ExitCodes.OK;
                }
                String fmt = "%-45s  %-30s  %-8s  %-20s  %s%n";
                out().printf(Locale.ROOT, fmt, "run_id", "dag_id", "state", "logical_date", "duration");
                for (DagRun r : runs) {
                    out().printf(Locale.ROOT, fmt, r.runId(), r.dagId(), r.state().airflowName(), r.logicalDate(),
                            RunReport.duration(r.startedAt(), r.endedAt()));
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "show", description = "One run and its task instances (the same JSON as 'run --json').")
    static final class Show extends CliCommand {
        @Parameters(index = "0", paramLabel = "RUN_ID")
        String runId;

        @Option(names = "--json", description = "Print one JSON object.")
        boolean json;

        @Override
        protected int run() {
            try (StateStore store = Workspace.current().openStoreForReading()) {
                DagRun run = find(store, runId);
                Dag dag = run.dagVersion() == null ? null
                        : Workspace.pinnedDag(store, run.dagId(), run.dagVersion());
                var tasks = RunReport.visible(dag, store.instances(runId));
                List<dev.sluice.engine.Effect> effects = store.effects(runId);
                if (json) {
                    com.fasterxml.jackson.databind.node.ObjectNode o = RunReport.json(run, tasks);
                    var misses = o.putArray("misses");
                    var arr = o.putArray("effects");
                    for (dev.sluice.engine.Effect e : effects) {
                        arr.add(dev.sluice.engine.EffectJson.toNode(e));
                        if (isMiss(e)) {
                            misses.addObject().put("kind", e.kind().wireName())
                                    .put("taskId", e.task() == null ? null : e.task().taskId())
                                    .put("dueAt", String.valueOf(e.dueAt())).put("at", String.valueOf(e.createdAt()));
                        }
                    }
                    out().println(o);
                } else {
                    out().println(run.dagId() + " " + run.runId() + " (logical date " + run.logicalDate() + ")");
                    RunReport.printGrid(out(), run, tasks, Execution.isTerminal());
                    String spans = RunReport.versionNote(run, tasks);
                    if (spans != null) {
                        out().println(spans);
                    }
                    for (dev.sluice.engine.Effect e : effects) {
                        if (isMiss(e)) {
                            out().println((e.task() == null ? "deadline missed: the run" : "SLA missed: " + e.task())
                                    + " was due " + e.dueAt());
                        }
                        if (e.state() == dev.sluice.engine.Effect.State.FAILED) {
                            out().println(e.kind().wireName() + " of " + (e.task() == null ? "the run" : e.task())
                                    + " failed: " + dev.sluice.cli.render.TerminalText.oneLine(e.detail(), 200));
                        }
                    }
                }
                return ExitCodes.OK;
            }
        }
    }

    private static boolean isMiss(dev.sluice.engine.Effect e) {
        return e.kind() == dev.sluice.engine.Effect.Kind.SLA_MISS || e.kind() == dev.sluice.engine.Effect.Kind.DEADLINE_MISS;
    }

    @Command(name = "resume", description = {
            "Continue a run that was interrupted, or whose tasks were cleared.",
            "Interrupted means stopped by Ctrl-C, a crash or kill -9.",
            "Finished tasks are not run again.",
            "Tries that were cut off run again under the same try number."})
    static final class Resume extends CliCommand {
        @Parameters(index = "0", paramLabel = "RUN_ID")
        String runId;

        @Option(names = "--json", description = "Print exactly one JSON object on stdout.")
        boolean json;

        @Mixin
        Execution.Opts opts = new Execution.Opts();

        @Override
        protected int run() {
            Workspace ws = Workspace.current();
            try (StateStore store = ws.openStore()) {
                DagRun run = find(store, runId);
                Dag dag = Workspace.pinnedDag(store, run.dagId(), run.dagVersion());
                if (!json) {
                    out().println("resuming " + runId + " of " + dag.dagId() + " (" + run.state().airflowName() + ")");
                }
                return Execution.executeWithReport(this, store, dag, ws, opts, runId, json, null);
            }
        }
    }

    @Command(name = "mark", description = {
            "Set a run to success or failed by hand.",
            "It works as Airflow's mark success and mark failed do.",
            "Success marks every task that did not succeed success.",
            "Failed marks queued and running tasks failed and tasks yet to run skipped."})
    static final class Mark extends CliCommand {
        @Parameters(index = "0", paramLabel = "RUN_ID")
        String runId;

        @Option(names = "--state", required = true, paramLabel = "STATE", description = "success or failed.")
        String state;

        @Mixin
        dev.sluice.cli.dev.DevOptions aws = new dev.sluice.cli.dev.DevOptions();

        @Override
        protected int run() throws Exception {
            String s = state.toLowerCase(Locale.ROOT);
            if (!s.equals("success") && !s.equals("failed")) {
                throw CliException.invalid("--state must be success or failed, got '" + state + "'");
            }
            boolean remote = aws.remote();
            try (StateStore store = remote ? aws.openStore() : Workspace.current().openStore()) {
                DagRun run = store.run(runId).orElseThrow(() -> CliException.invalid("no run " + runId
                        + (remote ? " in the deployment's table" : " in " + Workspace.current().dbFile())
                        + "; list runs with '" + (remote ? "./sluice dev runs" : "./sluice runs list") + "'"));
                if (remote) {
                    aws.send(new dev.sluice.functions.message.CoordinatorMessage.Mark(runId, List.of(), s));
                    out().println("sent mark " + s + " of " + runId + " to the coordinator; follow it with "
                            + "'./sluice dev runs " + runId + "'");
                    return ExitCodes.OK;
                }
                Dag dag = RunEdits.pinnedDag(store, run, false);
                try (AutoCloseable lock = Workspace.current().lockRun(runId)) {
                    RunEdits.loop(store).run(new dev.sluice.engine.Engine(dag), runId,
                            new dev.sluice.engine.Event.MarkRun(dev.sluice.state.RunState.fromAirflowName(s)));
                }
                out().println("marked " + runId + " " + store.run(runId).orElseThrow().state().airflowName());
                return ExitCodes.OK;
            }
        }
    }
}
