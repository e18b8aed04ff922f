package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.cli.exec.Attempt;
import dev.sluice.cli.local.SingleTry;
import dev.sluice.cli.local.Workspace;
import dev.sluice.store.StateStore;
import java.nio.file.Files;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Json;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.model.Dag;
import dev.sluice.model.TaskSpec;
import dev.sluice.schedule.DataInterval;
import dev.sluice.schedule.RunIds;
import dev.sluice.schedule.Schedule;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.template.TemplateException;
import dev.sluice.template.TryContext;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * One try of one task on its own, for {@code tasks test} and {@code tasks render}: the run it belongs to (made up,
 * or a stored run whose outputs it reads), the instances it sees, and the {@link Attempt} the runner would build.
 * Writes nothing anywhere.
 */
final class TaskTry {
    /** The options both commands take. */
    static final class Opts {
        @Option(names = "--date", paramLabel = "YYYY-MM-DD",
                description = "Logical date (midnight in the DAG's time zone). Default: the --upstream-from run's, "
                        + "else now.")
        String date;

        @Option(names = "--conf", paramLabel = "JSON",
                description = "Run configuration, a JSON object; overrides params. Default: the --upstream-from "
                        + "run's, else none.")
        String conf;

        @Option(names = "--map-index", paramLabel = "I",
                description = "Which instance of a mapped task (0-based); required for a mapped task.")
        Integer mapIndex;
    }

    /** Where the upstream outputs come from: a stored run, or values given on the command line. */
    static final class UpstreamOpts {
        @Option(names = "--upstream-from", paramLabel = "RUN_ID",
                description = "Read the upstream outputs (and the mapped item, logical date and conf) from this run "
                        + "in the local database.")
        String upstreamFrom;

        @Option(names = "--upstream-output", paramLabel = "TASK=JSON",
                description = "The output of a direct upstream task, as JSON (repeatable); for a mapped upstream, a "
                        + "JSON array of its instances' outputs.")
        Map<String, String> upstreamOutputs = new LinkedHashMap<>();

        /** The instances the try of {@code taskId} sees; reads the database only for --upstream-from. */
        Upstream resolve(Dag dag, String taskId) {
            if (upstreamFrom != null && !upstreamOutputs.isEmpty()) {
                throw CliException.invalid("give either --upstream-from RUN_ID or --upstream-output TASK=JSON, "
                        + "not both");
            }
            if (upstreamFrom != null) {
                return stored(dag, upstreamFrom);
            }
            if (upstreamOutputs.isEmpty()) {
                return Upstream.none();
            }
            return new Upstream(null, stubs(dag, DagArgument.task(dag, taskId), upstreamOutputs));
        }
    }

    /** The run {@code runId} of {@code dag} and a copy of its instances, read from the local database. */
    static Upstream stored(Dag dag, String runId) {
        Workspace ws = Workspace.current();
        if (!Files.exists(ws.dbFile())) {
            throw CliException.invalid("no run " + runId + ": there is no database at " + ws.dbFile()
                    + " yet; start a run with './sluice run FILE'");
        }
        try (StateStore store = ws.openStoreForReading()) {
            DagRun run = RunsCommand.find(store, runId);
            if (!run.dagId().equals(dag.dagId())) {
                throw CliException.invalid("run " + runId + " is a run of " + run.dagId() + ", not of "
                        + dag.dagId());
            }
            Map<TaskKey, TaskInstance> copy = new HashMap<>();
            for (TaskInstance t : store.instances(runId)) {
                copy.put(t.key(), t);
            }
            return new Upstream(run, copy::get);
        }
    }

    /** What the try sees of the rest of the run. */
    record Upstream(DagRun storedRun, Function<TaskKey, TaskInstance> instances) {
        static Upstream none() {
            return new Upstream(null, k -> null);
        }
    }

    /** @param missing direct upstream tasks with no output the try can see */
    record Prepared(Dag dag, TaskSpec spec, DagRun run, Dispatch dispatch, Attempt attempt, List<String> missing) {
    }

    private TaskTry() {
    }

    /** Builds the try; bad input (a mapped task without --map-index, bad JSON, a template error) is exit 2. */
    static Prepared prepare(Dag dag, String taskId, Opts o, Upstream up, Path logsDir, Instant now) {
        TaskSpec spec = DagArgument.task(dag, taskId);
        if (spec.isMapped() && o.mapIndex == null) {
            throw CliException.invalid(taskId + " is mapped; add --map-index I (0-based)");
        }
        if (!spec.isMapped() && o.mapIndex != null) {
            throw CliException.invalid(taskId + " is not mapped; leave out --map-index");
        }
        if (o.mapIndex != null && o.mapIndex < 0) {
            throw CliException.invalid("--map-index must be 0 or more, got " + o.mapIndex);
        }
        String confJson = o.conf != null ? RunCommand.validConf(o.conf)
                : up.storedRun() != null ? up.storedRun().confJson() : null;
        DagRun run = run(dag, o.date, confJson, up.storedRun(), now);
        TryContext.Source source = TryContext.Source.of(up.instances(), json -> json);
        int index = o.mapIndex == null ? -1 : o.mapIndex;
        String itemJson = index < 0 ? null : item(dag, run, spec, index, up.instances());
        Dispatch x = new Dispatch(dag.dagId(), run.runId(), new TaskKey(taskId, index), 1, spec.maxTries(),
                spec.retry(), null, null, itemJson);
        List<String> missing = new ArrayList<>();
        for (String u : spec.upstream()) {
            if (up.instances().apply(TaskKey.of(u)) == null) {
                missing.add(u);
            }
        }
        Attempt attempt;
        try {
            attempt = SingleTry.attempt(dag, run, x, source, logsDir);
        } catch (TemplateException e) {
            throw CliException.invalid("cannot render " + taskId + ": " + e.getMessage()
                    + (missing.isEmpty() ? "" : " (no output of " + String.join(", ", missing)
                    + "; give one with --upstream-output TASK=JSON or --upstream-from RUN_ID)"));
        }
        return new Prepared(dag, spec, run, x, attempt, missing);
    }

    private static DagRun run(Dag dag, String date, String confJson, DagRun stored, Instant now) {
        Schedule schedule = Schedule.parse(dag.schedule(), dag.timezone());
        Instant logical;
        DataInterval interval;
        if (date != null) {
            interval = RunCommand.dateInterval(dag, schedule, date);
            logical = interval.start();
        } else if (stored != null) {
            logical = stored.logicalDate();
            interval = new DataInterval(stored.dataIntervalStart() == null ? logical : stored.dataIntervalStart(),
                    stored.dataIntervalEnd() == null ? logical : stored.dataIntervalEnd());
        } else {
            logical = now.truncatedTo(ChronoUnit.SECONDS);
            interval = schedule.manualInterval(logical);
        }
        String runId = stored != null ? stored.runId() : RunIds.manual(dag.dagId(), logical);
        return new DagRun(dag.dagId(), runId, stored != null ? stored.type() : RunType.MANUAL, logical,
                interval.start(), interval.end(), RunState.RUNNING, confJson, null, now, now, null, 0, 0, 0, 0, 1);
    }

    /** The item of instance {@code index}: the stored one, else from {@code expand} or the upstream's output. */
    private static String item(Dag dag, DagRun run, TaskSpec spec, int index,
                               Function<TaskKey, TaskInstance> instances) {
        TaskInstance stored = instances.apply(new TaskKey(spec.taskId(), index));
        if (stored != null && stored.itemJson() != null) {
            return stored.itemJson();
        }
        List<String> items = new ArrayList<>();
        if (spec.expand() != null) {
            spec.expand().forEach(v -> items.add(Json.write(v)));
        } else if (spec.expandTemplate() != null) {
            try {
                items.addAll(dev.sluice.template.ExpandTemplate.items(dag, run, spec,
                        dev.sluice.engine.RunData.upstreamOutputs(spec, instances, json -> json)));
            } catch (IllegalArgumentException e) {
                throw CliException.invalid(spec.taskId() + ": " + e.getMessage());
            }
        } else {
            String from = spec.expandFrom();
            TaskInstance up = instances.apply(TaskKey.of(from));
            if (up == null) {
                throw CliException.invalid(spec.taskId() + " maps over the output of " + from + ", which is not "
                        + "given; add --upstream-output " + from + "=JSON_ARRAY or --upstream-from RUN_ID");
            }
            if (dag.task(from).isMapped() && up.state() == TaskState.REMOVED) {
                for (int i = 0; i < up.mapCount(); i++) {
                    TaskInstance c = instances.apply(new TaskKey(from, i));
                    items.add(c == null || c.outputJson() == null ? "null" : c.outputJson());
                }
            } else {
                JsonNode out = up.outputJson() == null ? null : Json.read(up.outputJson());
                if (out == null || !out.isArray()) {
                    throw CliException.invalid("expand_from " + from + ": its output must be a JSON array, got "
                            + (up.outputJson() == null ? "no output" : up.outputJson()));
                }
                out.forEach(n -> items.add(Json.write(n)));
            }
        }
        if (index >= items.size()) {
            throw CliException.invalid("--map-index " + index + " is out of range: " + spec.taskId() + " has "
                    + items.size() + (items.size() == 1 ? " item" : " items"));
        }
        return items.get(index);
    }

    /**
     * Instances standing for {@code --upstream-output TASK=JSON}: a succeeded instance with that output, or for a
     * mapped upstream (its JSON an array, one output per instance) the expanded placeholder and its instances.
     */
    static Function<TaskKey, TaskInstance> stubs(Dag dag, TaskSpec spec, Map<String, String> outputs) {
        Map<TaskKey, TaskInstance> made = new HashMap<>();
        for (Map.Entry<String, String> e : new LinkedHashMap<>(outputs).entrySet()) {
            String id = e.getKey();
            if (!spec.upstream().contains(id) && !id.equals(spec.expandFrom())) {
                throw CliException.invalid("--upstream-output " + id + ": not a direct upstream task of "
                        + spec.taskId() + (spec.upstream().isEmpty() ? " (it has none)"
                        : dev.sluice.model.Names.hint(id, spec.upstream()) + "; its upstream tasks: "
                        + String.join(", ", spec.upstream())));
            }
            JsonNode value;
            try {
                value = Json.read(e.getValue());
            } catch (IllegalArgumentException bad) {
                value = null; // reported below
            }
            if (value == null || value.isMissingNode()) {
                throw CliException.invalid("--upstream-output " + id + " is not valid JSON (write text as a JSON "
                        + "string, like '" + id + "=\"text\"')");
            }
            String runId = "tasks-test";
            if (dag.task(id).isMapped()) {
                if (value == null || !value.isArray()) {
                    throw CliException.invalid("--upstream-output " + id + ": " + id + " is mapped; give a JSON "
                            + "array with one output per instance");
                }
                made.put(TaskKey.of(id), TaskInstance.builder(runId, id).state(TaskState.REMOVED)
                        .mapCount(value.size()).build());
                for (int i = 0; i < value.size(); i++) {
                    made.put(new TaskKey(id, i), TaskInstance.builder(runId, id).mapIndex(i)
                            .state(TaskState.SUCCESS).outputJson(Json.write(value.get(i))).build());
                }
            } else {
                made.put(TaskKey.of(id), TaskInstance.builder(runId, id).state(TaskState.SUCCESS)
                        .outputJson(Json.write(value)).build());
            }
        }
        return made::get;
    }
}
