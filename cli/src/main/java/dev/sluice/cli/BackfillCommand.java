package dev.sluice.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.local.LocalRunner;
import dev.sluice.cli.local.RunReport;
import dev.sluice.cli.local.Workspace;
import dev.sluice.engine.ClearSelection;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.Json;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskInstance;
import dev.sluice.model.Dag;
import dev.sluice.schedule.DataInterval;
import dev.sluice.schedule.RunIds;
import dev.sluice.schedule.Schedule;
import dev.sluice.state.RunState;
import dev.sluice.store.StateStore;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "backfill", description = {
        "Run a DAG once for each scheduled interval between two dates.",
        "Each interval whose logical date falls in [--from, --to] gets one run.",
        "The dates are whole days in the DAG's time zone.",
        "At most max_active_runs run at once.",
        "Idempotent: runs that already exist are not created again.",
        "With --rerun-failed-tasks, existing failed runs re-run their failed tasks.",
        "With --reset-dagruns, existing runs are cleared and run again.",
        "Either way they run the DAG file as it is now.",
        "Example: sluice backfill examples/branching.yaml \\",
        "           --from 2024-01-05 --to 2024-01-06"})
final class BackfillCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD")
    String from;

    @Option(names = "--to", required = true, paramLabel = "YYYY-MM-DD")
    String to;

    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    @Option(names = "--reset-dagruns", description = "Clear every task of existing runs and run them again.")
    boolean resetDagruns;

    @Option(names = "--rerun-failed-tasks",
            description = "Clear the failed tasks of existing failed runs and run them again.")
    boolean rerunFailed;

    @Option(names = "--dry-run", description = "Say what would be created and re-run, and change nothing.")
    boolean dryRun;

    @Mixin
    Execution.Opts opts = new Execution.Opts();

    @Mixin
    dev.sluice.cli.dev.DevOptions aws = new dev.sluice.cli.dev.DevOptions();

    @Override
    protected int run() throws Exception {
        Workspace.DagFile loaded = Workspace.loadDagFile(file);
        Dag dag = loaded.dag();
        if (dag.schedule() == null) {
            throw CliException.invalid(dag.dagId() + " has no schedule, so it has no intervals to backfill");
        }
        LocalDate f = date("--from", from);
        LocalDate t = date("--to", to);
        if (t.isBefore(f)) {
            throw CliException.invalid("--to " + t + " is before --from " + f);
        }
        List<DataInterval> intervals = Schedule.between(dag, f, t);
        if (aws.remote()) {
            if (resetDagruns || rerunFailed || dryRun) {
                throw CliException.invalid("--reset-dagruns, --rerun-failed-tasks and --dry-run are for local "
                        + "backfills; on a deployment clear existing runs with 'sluice tasks clear --dag "
                        + dag.dagId() + " --start-date " + f + " --end-date " + t + " --latest-version'");
            }
            // A deployment: one trigger per interval with its deterministic run id; the coordinator creates each
            // run once (a repeated backfill finds them) and max_active_runs queues the rest.
            for (DataInterval i : intervals) {
                String runId = RunIds.backfill(dag.dagId(), i.start());
                aws.send(new dev.sluice.functions.message.CoordinatorMessage.Trigger(dag.dagId(), null, runId,
                        i.start()));
                out().println(runId);
            }
            out().println("sent " + intervals.size() + " backfill runs of " + dag.dagId() + " to the coordinator "
                    + "(existing runs are not created again); the DAG file must be deployed under dags/");
            return ExitCodes.OK;
        }
        Workspace ws = Workspace.current();
        Map<String, Boolean> created = new LinkedHashMap<>();
        try (StateStore store = ws.openStore()) {
            Map<String, DataInterval> byRun = new LinkedHashMap<>();
            Map<String, List<String>> toClear = new LinkedHashMap<>();
            List<String> toRun = new ArrayList<>();
            List<String> untouched = new ArrayList<>();
            List<String> failedUntouched = new ArrayList<>();
            ClearSelection everything = new ClearSelection(List.of(), null, false, false, false, false);
            ClearSelection failedOnly = new ClearSelection(List.of(), null, false, false, true, false);
            for (DataInterval i : intervals) {
                String runId = RunIds.backfill(dag.dagId(), i.start());
                var existing = store.run(runId);
                created.put(runId, existing.isEmpty());
                byRun.put(runId, i);
                if (existing.isEmpty() || !existing.get().state().isTerminal()) {
                    toRun.add(runId);
                    continue;
                }
                DagRun r = existing.get();
                List<String> clear = List.of();
                if (resetDagruns) {
                    clear = everything.select(dag, store.instances(runId));
                } else if (rerunFailed && r.state() == RunState.FAILED) {
                    clear = failedOnly.select(dag, store.instances(runId));
                }
                if (clear.isEmpty()) {
                    untouched.add(runId);
                    if (r.state() == RunState.FAILED) {
                        failedUntouched.add(runId);
                    }
                } else {
                    toClear.put(runId, clear);
                    toRun.add(runId);
                }
            }
            long newRuns = created.values().stream().filter(b -> b).count();
            if (dryRun && json) {
                ObjectNode o = Json.MAPPER.createObjectNode();
                o.put("dagId", dag.dagId());
                o.put("from", f.toString());
                o.put("to", t.toString());
                ArrayNode create = o.putArray("create");
                created.forEach((runId, isNew) -> {
                    if (isNew) {
                        create.add(runId);
                    }
                });
                ObjectNode rerun = o.putObject("rerun");
                toClear.forEach((runId, tasks) -> tasks.forEach(rerun.putArray(runId)::add));
                ArrayNode left = o.putArray("untouched");
                untouched.forEach(left::add);
                out().println(o.toString());
                return ExitCodes.OK;
            }
            if (!json) {
                plan(out(), dag.dagId(), f, t, intervals.size(), newRuns, toClear, untouched.size(),
                        toRun.size() - newRuns - toClear.size(), dryRun);
            }
            if (dryRun) {
                return ExitCodes.OK;
            }
            String version = Workspace.pinVersion(store, loaded);
            for (Map.Entry<String, List<String>> e : toClear.entrySet()) {
                try (AutoCloseable lock = ws.lockRun(e.getKey())) {
                    for (TaskInstance ti : store.instances(e.getKey())) {
                        if (!dag.hasTask(ti.taskId())) {
                            throw CliException.invalid(file + " no longer has task " + ti.taskId() + " of run "
                                    + e.getKey() + "; clear that run with 'sluice tasks clear " + e.getKey()
                                    + " --pinned'");
                        }
                    }
                    RunEdits.loop(store).run(new Engine(dag), e.getKey(),
                            new Event.ClearTasks(e.getValue(), false, version));
                }
            }
            int threads = Math.max(1, Math.min(dag.maxActiveRuns(), toRun.size()));
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> futures = new ArrayList<>();
            for (String runId : toRun) {
                futures.add(pool.submit(() -> {
                    try (AutoCloseable lock = ws.lockRun(runId)) {
                        LocalRunner r = Execution.runner(store, dag, ws, opts, (b, a, at) -> { });
                        DataInterval i = byRun.get(runId);
                        r.execute(runId, created.get(runId) ? new Event.RunRequested(runId, RunType.BACKFILL,
                                i.start(), i.start(), i.end(), null, version) : null);
                    }
                    DagRun done = store.run(runId).orElseThrow();
                    if (!json) {
                        synchronized (this) {
                            out().printf("%s  %s  %s%n", runId, done.state().airflowName(),
                                    RunReport.duration(done.startedAt(), done.endedAt()));
                            out().flush();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> fu : futures) {
                fu.get();
            }
            pool.shutdown();
            boolean allOk = true;
            ArrayNode runs = Json.MAPPER.createArrayNode();
            for (Map.Entry<String, Boolean> e : created.entrySet()) {
                DagRun r = store.run(e.getKey()).orElseThrow();
                allOk &= r.state() == RunState.SUCCESS;
                ObjectNode o = runs.addObject();
                o.put("runId", r.runId());
                o.put("logicalDate", r.logicalDate().toString());
                o.put("state", r.state().airflowName());
                o.put("created", e.getValue());
                o.put("rerun", toClear.containsKey(e.getKey()));
            }
            if (json) {
                ObjectNode o = Json.MAPPER.createObjectNode();
                o.put("dagId", dag.dagId());
                o.put("from", f.toString());
                o.put("to", t.toString());
                o.put("created", newRuns);
                o.put("rerun", toClear.size());
                o.put("untouched", untouched.size());
                o.set("runs", runs);
                out().println(o.toString());
            } else {
                out().printf("%d created, %d re-run, %d untouched: %s%n", newRuns, toClear.size(), untouched.size(),
                        allOk ? "all " + created.size() + " runs succeeded" : "some runs failed");
                if (!failedUntouched.isEmpty()) {
                    out().println(failedUntouched.size() + " existing run(s) failed and were left as they are ("
                            + String.join(", ", failedUntouched) + "); re-run their failed tasks with "
                            + "--rerun-failed-tasks, or all their tasks with --reset-dagruns");
                }
            }
            return allOk ? ExitCodes.OK : ExitCodes.RUN_FAILED;
        }
    }

    private static LocalDate date(String name, String v) {
        try {
            return LocalDate.parse(v);
        } catch (DateTimeParseException e) {
            throw CliException.invalid(name + " must be YYYY-MM-DD, got '" + v + "'");
        }
    }



    /** What a backfill says before it does anything. */
    private static void plan(java.io.PrintWriter out, String dagId, LocalDate from, LocalDate to, int intervals, long create,
            Map<String, List<String>> rerun, int untouched, long unfinished, boolean dryRun) {
        out.printf("backfill %s %s..%s: %d intervals: %s %d new runs, %s %d existing runs, %d left as they are%s%n",
                dagId, from, to, intervals, dryRun ? "would create" : "creating", create,
                dryRun ? "would re-run" : "re-running", rerun.size(), untouched,
                unfinished > 0 ? ", " + unfinished + " unfinished to continue" : "");
        for (Map.Entry<String, List<String>> e : rerun.entrySet()) {
            out.println("  " + (dryRun ? "would re-run " : "re-running ") + e.getKey() + ": " + String.join(", ",
                    e.getValue()));
        }
        out.flush();
    }
}
