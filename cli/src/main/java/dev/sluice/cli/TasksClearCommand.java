package dev.sluice.cli;

import dev.sluice.cli.local.Workspace;
import dev.sluice.engine.ClearSelection;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Event;
import dev.sluice.engine.TaskInstance;
import dev.sluice.model.Dag;
import dev.sluice.model.Names;
import dev.sluice.spec.DagVersionRecord;
import dev.sluice.store.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice tasks clear}, as {@code airflow tasks clear}: one run's tasks, or the runs of a DAG in a date range;
 * chosen by id, group or regex, with their upstream or downstream, only failed or only running ones. A dry run lists
 * exactly what the clear then resets ({@link ClearSelection}). Locally the cleared tasks run the DAG file as it is
 * now; {@code --pinned} keeps the run's version. On a deployment the version is kept unless
 * {@code --latest-version}.
 */
@Command(name = "clear", description = {
        "Reset tasks so that they run again, as 'airflow tasks clear' does.",
        "Give RUN_ID and TASK_IDs, or --dag DAG with --start-date and --end-date.",
        "With no TASK_ID and no --task-regex, every task is chosen.",
        "Locally the cleared tasks run the DAG file as it is now.",
        "With --pinned they run the version the run started with.",
        "Then 'sluice runs resume RUN_ID' runs exactly those.",
        "Example: sluice tasks clear --dag weekday_weekend_branching \\",
        "           -s 2024-01-01 -e 2024-01-31 --only-failed --dry-run"})
final class TasksClearCommand extends CliCommand {
    @Parameters(arity = "0..*", paramLabel = "RUN_ID TASK_ID",
            description = "A run id, then task or group ids (with --dag: only task or group ids).")
    List<String> args = new ArrayList<>();

    @Option(names = {"-t", "--task-regex"}, paramLabel = "REGEX",
            description = "Also choose the tasks whose id matches REGEX anywhere.")
    String regex;

    @Option(names = {"-u", "--upstream"}, description = "Also clear every task upstream of the chosen ones.")
    boolean upstream;

    @Option(names = {"-d", "--downstream"}, description = "Also clear every task downstream of the chosen ones.")
    boolean downstream;

    @Option(names = {"-f", "--only-failed"}, description = "Only tasks that failed or are upstream_failed.")
    boolean onlyFailed;

    @Option(names = {"-r", "--only-running"}, description = "Only tasks that are running.")
    boolean onlyRunning;

    @Option(names = "--dag", paramLabel = "DAG", description = "Clear in every run of DAG in the date range.")
    String dagId;

    @Option(names = {"-s", "--start-date"}, paramLabel = "YYYY-MM-DD",
            description = "With --dag: runs whose logical date is on or after this day (UTC).")
    String startDate;

    @Option(names = {"-e", "--end-date"}, paramLabel = "YYYY-MM-DD",
            description = "With --dag: runs whose logical date is on or before this day (UTC).")
    String endDate;

    @Option(names = "--dry-run", description = "List what would be cleared, and change nothing.")
    boolean dryRun;

    @Option(names = "--pinned", description = "Run the cleared tasks on the run's own DAG version.")
    boolean pinned;

    @Option(names = "--latest-version",
            description = "On a deployment: run the cleared tasks on the DAG version deployed now.")
    boolean latestVersion;

    @Mixin
    DagFiles.PathOption dags = new DagFiles.PathOption();

    @Mixin
    dev.sluice.cli.dev.DevOptions aws = new dev.sluice.cli.dev.DevOptions();

    @Override
    protected int run() throws Exception {
        selection(); // a bad regex fails before anything is opened
        if (aws.remote()) {
            if (pinned) {
                throw CliException.invalid("--pinned is the default on a deployment; --latest-version moves the run");
            }
            try (StateStore store = aws.openStore()) {
                return clearAll(store, true);
            }
        }
        if (latestVersion) {
            throw CliException.invalid("--latest-version is for a deployment (--stack, --endpoint); locally the "
                    + "cleared tasks run the DAG file as it is now unless --pinned");
        }
        try (StateStore store = Workspace.current().openStore()) {
            return clearAll(store, false);
        }
    }

    private int clearAll(StateStore store, boolean remote) throws Exception {
        ClearSelection selection = selection();
        List<DagRun> runs = runs(store, remote);
        int total = 0;
        List<String> touched = new ArrayList<>();
        for (DagRun run : runs) {
            Dag pinnedDag = RunEdits.pinnedDag(store, run, remote);
            List<String> unknown = selection.unknownIds(pinnedDag);
            if (!unknown.isEmpty()) {
                List<String> all = new ArrayList<>(pinnedDag.taskIds());
                pinnedDag.groups().forEach(g -> all.add(g.groupId()));
                throw CliException.invalid("run " + run.runId() + " has no task or group " + unknown.get(0)
                        + Names.hint(unknown.get(0), all));
            }
            List<TaskInstance> instances = store.instances(run.runId());
            List<String> chosen = selection.select(pinnedDag, instances);
            if (chosen.isEmpty()) {
                out().println(run.runId() + ": nothing to clear");
                continue;
            }
            String labels = RunEdits.labels(chosen, instances);
            if (dryRun) {
                out().println(run.runId() + ": would clear " + labels);
                total += chosen.size();
                continue;
            }
            if (remote) {
                aws.send(new dev.sluice.functions.message.CoordinatorMessage.Clear(run.runId(), chosen, false,
                        latestVersion));
                out().println(run.runId() + ": sent clear of " + labels + " to the coordinator"
                        + (latestVersion ? " (on the DAG version deployed now)" : ""));
            } else {
                Latest latest = pinned ? null : latest(store, run, pinnedDag, instances);
                Dag dag = latest == null ? pinnedDag : latest.dag;
                try (AutoCloseable lock = Workspace.current().lockRun(run.runId())) {
                    RunEdits.loop(store).run(new dev.sluice.engine.Engine(dag), run.runId(),
                            new Event.ClearTasks(chosen, false, latest == null ? null : latest.version));
                }
                String moved = latest == null || latest.version.equals(run.dagVersion()) ? ""
                        : " (on the DAG file as it is now, version " + RunEdits.shortVersion(latest.version) + ")";
                out().println(run.runId() + ": cleared " + labels + moved);
            }
            total += chosen.size();
            touched.add(run.runId());
        }
        String verb = dryRun ? "would clear " : remote ? "sent clear of " : "cleared ";
        out().println(verb + total + " task(s) in " + (dryRun ? runs.size() : touched.size()) + " run(s)");
        if (!dryRun && !remote && !touched.isEmpty()) {
            out().println("run them with: " + String.join("; ", touched.stream()
                    .map(r -> "./sluice runs resume " + r).toList()));
        } else if (remote && !dryRun && !touched.isEmpty()) {
            out().println("follow them with './sluice dev runs RUN_ID'");
        }
        return ExitCodes.OK;
    }

    private ClearSelection selection() {
        Pattern p = null;
        if (regex != null) {
            try {
                p = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw CliException.invalid("--task-regex is not a regular expression: " + e.getDescription());
            }
        }
        List<String> tasks = dagId != null ? args : args.size() > 1 ? args.subList(1, args.size()) : List.of();
        return new ClearSelection(tasks, p, upstream, downstream, onlyFailed, onlyRunning);
    }

    /** The runs to clear in: the one named, or --dag's runs in the date range, oldest first. */
    private List<DagRun> runs(StateStore store, boolean remote) {
        if (dagId == null) {
            if (startDate != null || endDate != null) {
                throw CliException.invalid("--start-date and --end-date choose runs of --dag DAG");
            }
            if (args.isEmpty()) {
                throw CliException.invalid("name a RUN_ID (see 'sluice runs list'), or --dag DAG with a date range");
            }
            String runId = args.get(0);
            return List.of(store.run(runId).orElseThrow(() -> CliException.invalid("no run " + runId
                    + (remote ? " in the deployment's table" : " in " + Workspace.current().dbFile())
                    + "; list runs with '" + (remote ? "./sluice dev runs" : "./sluice runs list") + "'")));
        }
        Instant from = startDate == null ? Instant.MIN : day("--start-date", startDate);
        Instant to = endDate == null ? Instant.MAX : day("--end-date", endDate).plusSeconds(86_400);
        if (!to.isAfter(from)) {
            throw CliException.invalid("--end-date " + endDate + " is before --start-date " + startDate);
        }
        List<DagRun> runs = new ArrayList<>();
        for (DagRun r : store.runs(dagId, Integer.MAX_VALUE)) {
            if (!r.logicalDate().isBefore(from) && r.logicalDate().isBefore(to)) {
                runs.add(r);
            }
        }
        if (runs.isEmpty()) {
            out().println("no runs of " + dagId + " in " + (startDate == null ? "..." : startDate) + ".."
                    + (endDate == null ? "..." : endDate) + ", so nothing to clear; list runs with "
                    + "'./sluice runs list --dag " + dagId + "'");
        }
        runs.sort(java.util.Comparator.comparing(DagRun::logicalDate));
        return runs;
    }

    private static Instant day(String name, String v) {
        try {
            return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw CliException.invalid(name + " must be YYYY-MM-DD, got '" + v + "'");
        }
    }

    private record Latest(Dag dag, String version) {
    }

    /**
     * The run's DAG as its file is now, pinned: the file --path names (found by dag_id), else the file the run's
     * version was loaded from. Fails when the file no longer has a task the run has instances of.
     */
    private Latest latest(StateStore store, DagRun run, Dag pinnedDag, List<TaskInstance> instances) {
        Path file;
        if (dags.given()) {
            Dag found = dags.find(run.dagId(), err());
            file = Path.of(found.source());
        } else {
            String stored = store.dagVersion(run.dagId(), run.dagVersion()).orElse(null);
            file = stored == null ? null : Path.of(DagVersionRecord.parse(stored).source());
            if (file == null || !Files.isRegularFile(file)) {
                throw CliException.invalid("the file of " + run.dagId() + " (" + file + ") is gone; name it with "
                        + DagFiles.PATH_OPTION + " PATH, or clear with --pinned");
            }
        }
        Workspace.DagFile loaded = Workspace.loadDagFile(file);
        if (!loaded.dag().dagId().equals(run.dagId())) {
            throw CliException.invalid(file + " now defines " + loaded.dag().dagId() + ", not " + run.dagId()
                    + "; clear with --pinned");
        }
        Set<String> gone = new TreeSet<>();
        for (TaskInstance t : instances) {
            if (!loaded.dag().hasTask(t.taskId())) {
                gone.add(t.taskId());
            }
        }
        if (!gone.isEmpty()) {
            throw CliException.invalid(file + " no longer has task(s) " + String.join(", ", gone) + " of run "
                    + run.runId() + "; clear with --pinned, or start a new run with 'sluice run " + file + "'");
        }
        return new Latest(loaded.dag(), Workspace.pinVersion(store, loaded));
    }
}
