package dev.sluice.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.local.LocalRunner;
import dev.sluice.cli.local.RunReport;
import dev.sluice.cli.local.Workspace;
import dev.sluice.engine.DagRun;
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
            String version = Workspace.pinVersion(store, loaded);
            Map<String, DataInterval> byRun = new LinkedHashMap<>();
            List<String> toRun = new ArrayList<>();
            for (DataInterval i : intervals) {
                String runId = RunIds.backfill(dag.dagId(), i.start());
                var existing = store.run(runId);
                created.put(runId, existing.isEmpty());
                byRun.put(runId, i);
                if (existing.isEmpty() || !existing.get().state().isTerminal()) {
                    toRun.add(runId);
                }
            }
            if (!json) {
                out().printf("backfill %s %s..%s: %d intervals, %d new runs, %d to execute%n", dag.dagId(), f, t,
                        intervals.size(), created.values().stream().filter(b -> b).count(), toRun.size());
                out().flush();
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
            }
            if (json) {
                ObjectNode o = Json.MAPPER.createObjectNode();
                o.put("dagId", dag.dagId());
                o.put("from", f.toString());
                o.put("to", t.toString());
                o.set("runs", runs);
                out().println(o.toString());
            } else {
                out().println(allOk ? "all " + created.size() + " runs succeeded" : "some runs failed");
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


}
