package dev.sluice.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.local.Workspace;
import dev.sluice.cli.render.Table;
import dev.sluice.engine.Json;
import dev.sluice.model.Dag;
import dev.sluice.schedule.DataInterval;
import dev.sluice.schedule.RunIds;
import dev.sluice.schedule.Schedule;
import dev.sluice.store.StateStore;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice dags next-run DAG}: the scheduled runs a DAG's schedule will produce next. */
@Command(name = "next-run", description = {
        "List the next scheduled runs of a DAG, as the scheduler plans them.",
        "Each has its logical date, data interval and when it becomes due.",
        "start_date, end_date and catchup apply, counted from the last run here.",
        "Runs already due are marked 'due now'.",
        "A DAG without a schedule has none; that is said, with exit code 0.",
        "Example: sluice dags next-run data_warehouse_pipeline -n 3"})
final class DagsNextRun extends CliCommand {
    @Parameters(index = "0", paramLabel = "DAG", description = "A dag_id found under --path, or a DAG file.")
    String dag;

    @Mixin
    DagArgument dags = new DagArgument();

    @Option(names = "-n", paramLabel = "N", description = "How many runs to list (default 5).")
    int count = 5;

    @Option(names = "--after", paramLabel = "TIME",
            description = "Plan as of this time instead of now: YYYY-MM-DD (midnight in the DAG's time zone) or "
                    + "an ISO-8601 instant such as 2024-06-01T12:00:00Z.")
    String after;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    /** One planned run; {@code dueAt} is when it may start (the end of its data interval; start_date for @once). */
    record Planned(String runId, DataInterval interval, Instant dueAt) {
    }

    @Override
    protected int run() {
        if (count < 1 || count > 1000) {
            throw CliException.invalid("-n must be between 1 and 1000, got " + count);
        }
        Dag found = dags.find(dag, err());
        Schedule schedule;
        try {
            schedule = Schedule.of(found);
        } catch (IllegalArgumentException e) {
            throw CliException.invalid(found.dagId() + ": " + e.getMessage());
        }
        Instant now = after == null ? Instant.now() : time(after, found);
        Instant last = lastScheduled(found);
        List<Planned> runs = schedule.kind() == Schedule.Kind.NONE ? List.of() : plan(found, last, now, count);
        if (json) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("dagId", found.dagId());
            o.put("schedule", found.schedule());
            o.put("timezone", zone(found));
            o.put("catchup", found.catchup());
            o.put("asOf", now.toString());
            o.put("lastScheduledLogicalDate", last == null ? null : last.toString());
            ArrayNode arr = o.putArray("runs");
            for (Planned p : runs) {
                ObjectNode r = arr.addObject();
                r.put("runId", p.runId());
                r.put("logicalDate", p.interval().start().toString());
                r.put("dataIntervalStart", p.interval().start().toString());
                r.put("dataIntervalEnd", p.interval().end().toString());
                r.put("dueAt", p.dueAt().toString());
                r.put("dueNow", !p.dueAt().isAfter(now));
            }
            out().println(o.toString());
            return ExitCodes.OK;
        }
        if (schedule.kind() == Schedule.Kind.NONE) {
            out().println(found.dagId() + " has no schedule: it runs only when triggered ('./sluice run FILE', "
                    + "'sluice trigger DAG' on a deployment)");
            return ExitCodes.OK;
        }
        out().println(found.dagId() + ": schedule " + found.schedule() + " in " + zone(found)
                + ", catchup " + found.catchup()
                + (found.startDate() == null ? "" : ", start_date " + found.startDate())
                + (found.endDate() == null ? "" : ", end_date " + found.endDate()));
        out().println(last == null ? "no scheduled run of it in the local database yet"
                : "after its last scheduled run in the local database, logical date " + last);
        if (runs.isEmpty()) {
            out().println("no more scheduled runs" + (found.endDate() == null ? "" : " (end_date is past)"));
            return ExitCodes.OK;
        }
        Table table = new Table("LOGICAL_DATE", "DATA_INTERVAL_END", "DUE", "RUN_ID");
        for (Planned p : runs) {
            table.row(p.interval().start().toString(), p.interval().end().toString(),
                    p.dueAt().isAfter(now) ? p.dueAt().toString() : "due now", p.runId());
        }
        out().print(table.render());
        return ExitCodes.OK;
    }

    /**
     * The next {@code n} scheduled runs as the scheduler makes them: first those due at {@code now} (all of them
     * with catchup, only the latest without; {@link Schedule#due}), then the following intervals, each due at its
     * end. {@code last} is the logical date of the DAG's last scheduled run, or null.
     */
    static List<Planned> plan(Dag dag, Instant last, Instant now, int n) {
        Schedule s = Schedule.of(dag);
        List<Planned> out = new ArrayList<>();
        if (s.kind() == Schedule.Kind.NONE) {
            return out;
        }
        Instant cursor = last;
        for (DataInterval i : Schedule.due(dag, last, now, n)) {
            out.add(planned(dag, s, i));
            cursor = i.start();
        }
        while (out.size() < n) {
            Optional<DataInterval> next;
            if (cursor != null) {
                next = s.nextInterval(cursor);
            } else if (s.start().isPresent()) {
                next = s.nextInterval(null);
            } else {
                // No start_date and no run: the first run is the interval that completes next.
                next = s.nextFire(now).flatMap(end -> s.previousFire(end).map(start -> new DataInterval(start, end)));
            }
            if (next.isEmpty() || (cursor != null && !next.get().start().isAfter(cursor))) {
                break;
            }
            out.add(planned(dag, s, next.get()));
            cursor = next.get().start();
        }
        return out;
    }

    private static Planned planned(Dag dag, Schedule s, DataInterval i) {
        Instant due = s.kind() == Schedule.Kind.ONCE ? i.start() : i.end();
        return new Planned(RunIds.scheduled(dag.dagId(), i.start()), i, due);
    }

    /** The DAG's latest scheduled logical date in the local database; null when there is none (or no database). */
    private static Instant lastScheduled(Dag dag) {
        Workspace ws = Workspace.current();
        if (!Files.exists(ws.dbFile())) {
            return null;
        }
        try (StateStore store = ws.openStoreForReading()) {
            return store.latestLogicalDate(dag.dagId(), dag.dagId() + ".scheduled__").orElse(null);
        }
    }

    private static String zone(Dag dag) {
        String id = dag.timezone().getId();
        return id.equals("Z") ? "UTC" : id;
    }

    private static Instant time(String text, Dag dag) {
        try {
            if (text.length() == 10) {
                return LocalDate.parse(text).atStartOfDay(dag.timezone()).toInstant();
            }
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw CliException.invalid("--after must be YYYY-MM-DD or an instant like 2024-06-01T12:00:00Z, got '"
                    + text + "'");
        }
    }
}
