package dev.sluice.cli;

import dev.sluice.cli.local.Workspace;
import dev.sluice.engine.Event;
import dev.sluice.engine.Json;
import dev.sluice.engine.RunType;
import dev.sluice.model.Dag;
import dev.sluice.schedule.DataInterval;
import dev.sluice.schedule.RunIds;
import dev.sluice.schedule.Schedule;
import dev.sluice.store.StateStore;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = {
        "Run a DAG file to the end on this machine.",
        "Progress: one line per task state change, then a summary grid.",
        "Exit codes: 0 run succeeded, 1 run failed, 2 invalid input, 130 interrupted.",
        "Resume an interrupted run with 'sluice runs resume RUN_ID'.",
        "Example: sluice run examples/warehouse.yaml --no-delay"})
final class RunCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "The DAG file (YAML or JSON).")
    Path file;

    @Option(names = "--date", paramLabel = "YYYY-MM-DD",
            description = "Logical date (midnight in the DAG's time zone). Default: now.")
    String date;

    @Option(names = "--conf", paramLabel = "JSON", description = "Run configuration, a JSON object; overrides params.")
    String conf;

    @Option(names = "--json", description = "Print exactly one JSON object on stdout (progress goes to stderr).")
    boolean json;

    @Mixin
    Execution.Opts opts = new Execution.Opts();

    /**
     * The logical date (the interval's start) and data interval of a run for {@code --date YYYY-MM-DD}: that day's
     * midnight in the DAG's timezone, to the schedule's next fire for a cron schedule.
     */
    static DataInterval dateInterval(Dag dag, Schedule schedule, String date) {
        LocalDate d;
        try {
            d = LocalDate.parse(date);
        } catch (DateTimeParseException e) {
            throw CliException.invalid("--date must be YYYY-MM-DD, got '" + date + "'");
        }
        Instant logical = d.atStartOfDay(dag.timezone()).toInstant();
        return schedule.kind() == Schedule.Kind.CRON
                ? new DataInterval(logical, schedule.nextFire(logical).orElse(logical))
                : new DataInterval(logical, logical);
    }

    @Override
    protected int run() {
        Workspace.DagFile loaded = Workspace.loadDagFile(file);
        Dag dag = loaded.dag();
        String confJson = validConf(conf);
        Schedule schedule = Schedule.parse(dag.schedule(), dag.timezone());
        Instant logical;
        DataInterval interval;
        if (date != null) {
            interval = dateInterval(dag, schedule, date);
            logical = interval.start();
        } else {
            logical = Instant.now().truncatedTo(ChronoUnit.MICROS); // one run per trigger, as in Airflow
            interval = schedule.manualInterval(logical);
        }
        String runId = RunIds.manual(dag.dagId(), logical);
        Workspace ws = Workspace.current();
        try (StateStore store = ws.openStore()) {
            store.run(runId).ifPresent(existing -> {
                throw CliException.invalid("run " + runId + " already exists (" + existing.state().airflowName()
                        + "); see it with './sluice runs show " + runId + "', re-run tasks with './sluice tasks clear "
                        + runId + " TASK_ID', or pick another --date");
            });
            String version = Workspace.pinVersion(store, loaded);
            if (!json) {
                out().println("run " + runId + " of " + dag.dagId() + " (" + dag.tasks().size() + " tasks), logs in "
                        + ws.logsDir());
            }
            return Execution.executeWithReport(this, store, dag, ws, opts, runId, json,
                    new Event.RunRequested(runId, RunType.MANUAL, logical, interval.start(), interval.end(), confJson,
                            version));
        }
    }

    static String validConf(String conf) {
        if (conf == null) {
            return null;
        }
        try {
            var node = Json.read(conf);
            if (node == null || !node.isObject()) {
                throw CliException.invalid("--conf must be a JSON object, like '{\"full_refresh\": true}'");
            }
            return node.toString();
        } catch (IllegalArgumentException e) {
            throw CliException.invalid("--conf is not valid JSON: " + e.getMessage());
        }
    }
}
