package dev.sluice.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.sluice.model.Dag;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A DAG's schedule: a 5-field UNIX cron expression or an Airflow preset, evaluated in the DAG's time zone,
 * with Airflow's data-interval semantics. Pure: every function takes the time it needs as a parameter.
 *
 * <p>Airflow semantics: a run's <em>logical date</em> is the start of its data interval, and the run for
 * {@code [start, end)} becomes due at {@code end}. For {@code "0 2 * * *"} the run with logical date
 * 2024-01-01T02:00 is due at 2024-01-02T02:00.
 *
 * <pre>{@code
 * Schedule s = Schedule.parse("0 2 * * *", ZoneId.of("Europe/Berlin"));
 * DataInterval i = s.intervalFor(Instant.parse("2024-01-01T01:00:00Z"));   // [01-01T01:00Z, 01-02T01:00Z)
 * List<DataInterval> todo = Schedule.due(dag, lastLogicalDate, now, dag.maxActiveRuns() - activeRuns);
 * }</pre>
 *
 * <p><b>Presets</b> (as Airflow): {@code @hourly = 0 * * * *}, {@code @daily = @midnight = 0 0 * * *},
 * {@code @weekly = 0 0 * * 0}, {@code @monthly = 0 0 1 * *}, {@code @yearly = @annually = 0 0 1 1 *};
 * {@code @once} runs once with logical date = start_date, due at start_date. {@code @none} (or a null
 * schedule) means manual only: no scheduled runs.
 *
 * <p><b>Daylight saving time.</b> The cron is matched against wall-clock time in the zone (like cron itself):
 * <ul>
 *   <li><em>Spring forward (gap).</em> A wall time that does not exist fires at the same instant
 *       {@link ZonedDateTime#of} gives it, i.e. shifted forward by the gap: {@code 30 2 * * *} in Europe/Berlin
 *       on 2024-03-31 fires at 03:30 CEST (01:30Z), so the day still has exactly one run. If the shifted time
 *       coincides with a later fire, the two collapse into one (fire times strictly increase): {@code @hourly}
 *       fires at 01:00 CET (00:00Z) and then 03:00 CEST (01:00Z), one run per real hour.</li>
 *   <li><em>Fall back (overlap).</em> A wall time that occurs twice fires once, at its first occurrence
 *       (the earlier instant), when the cron's hour field is fixed ({@code 30 2 * * *}: one run that day, no
 *       duplicate). When the hour field is a wildcard ({@code *}, {@code *}{@code /n}), it fires at both
 *       occurrences, so {@code @hourly} still fires once per real hour (02:00 CEST = 00:00Z and
 *       02:00 CET = 01:00Z). This is Vixie cron's rule for wildcard versus fixed-time jobs.</li>
 * </ul>
 * Instances are immutable and thread-safe.
 */
public final class Schedule {

    /** What kind of schedule this is. */
    public enum Kind {
        /** A cron expression or a cron preset. */
        CRON,
        /** {@code @once}: one run at start_date. */
        ONCE,
        /** Manual only ({@code null} schedule or {@code @none}). */
        NONE
    }

    /** Transitions further than this from a time never matter (historic shifts are <= 2h). */
    private static final Duration DST_WINDOW = Duration.ofHours(3);
    /** Upper bound on intervals returned by {@link #between}, so a typo cannot exhaust memory. */
    public static final int MAX_BACKFILL_INTERVALS = 1_000_000;

    private static final CronParser PARSER =
            new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private static final Map<String, String> PRESETS = Map.of(
            "@hourly", "0 * * * *",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@weekly", "0 0 * * 0",
            "@monthly", "0 0 1 * *",
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *");

    private final String expression;
    private final String cron;
    private final Kind kind;
    private final ZoneId zone;
    private final ZoneRules rules;
    private final ExecutionTime executionTime;
    private final boolean repeatsInOverlap;
    private final Instant start;
    private final Instant end;

    private Schedule(String expression, String cron, Kind kind, ZoneId zone, ExecutionTime executionTime,
                     boolean repeatsInOverlap, Instant start, Instant end) {
        this.expression = expression;
        this.cron = cron;
        this.kind = kind;
        this.zone = zone;
        this.rules = zone.getRules();
        this.executionTime = executionTime;
        this.repeatsInOverlap = repeatsInOverlap;
        this.start = start;
        this.end = end;
    }

    /**
     * Parses a schedule. {@code expr} is a 5-field UNIX cron ({@code "0 2 * * *"}) or a preset
     * ({@code @once @hourly @daily @midnight @weekly @monthly @yearly @annually @none}); {@code null} means manual.
     *
     * @throws IllegalArgumentException naming the expression when it is not a valid schedule
     */
    public static Schedule parse(String expr, ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        if (expr == null) {
            return new Schedule(null, null, Kind.NONE, zone, null, false, null, null);
        }
        String trimmed = expr.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("invalid schedule '" + expr
                    + "': empty; use a 5-field cron such as \"0 2 * * *\", a preset such as @daily, or omit it for manual runs");
        }
        if (trimmed.startsWith("@")) {
            String p = trimmed.toLowerCase(Locale.ROOT);
            if (p.equals("@once")) {
                return new Schedule(trimmed, null, Kind.ONCE, zone, null, false, null, null);
            }
            if (p.equals("@none")) {
                return new Schedule(trimmed, null, Kind.NONE, zone, null, false, null, null);
            }
            String cron = PRESETS.get(p);
            if (cron == null) {
                throw new IllegalArgumentException("invalid schedule '" + expr + "': unknown preset; use one of "
                        + "@once, @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually, @none");
            }
            return cron(trimmed, cron, zone);
        }
        String[] fields = trimmed.split("\\s+");
        if (fields.length != 5) {
            throw new IllegalArgumentException("invalid schedule '" + expr + "': a cron expression needs exactly 5 fields "
                    + "(minute hour day-of-month month day-of-week), got " + fields.length);
        }
        return cron(trimmed, String.join(" ", fields), zone);
    }

    private static Schedule cron(String expression, String cronExpr, ZoneId zone) {
        Cron parsed;
        try {
            parsed = PARSER.parse(cronExpr);
            parsed.validate();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid schedule '" + expression + "': " + e.getMessage(), e);
        }
        boolean wildcardHour = cronExpr.split(" ")[1].startsWith("*");
        return new Schedule(expression, cronExpr, Kind.CRON, zone, ExecutionTime.forCron(parsed), wildcardHour,
                null, null);
    }

    /**
     * The schedule of {@code dag}, bounded by its start_date and end_date (wall clock in the DAG's zone).
     *
     * @throws IllegalArgumentException if the DAG's schedule is invalid
     */
    public static Schedule of(Dag dag) {
        return parse(dag.schedule(), dag.timezone())
                .withBounds(toInstant(dag.startDate(), dag.timezone()), toInstant(dag.endDate(), dag.timezone()));
    }

    /**
     * A copy bounded by {@code start} (the earliest logical date, aligned up to the cron) and {@code end}
     * (the latest logical date, inclusive, as Airflow's end_date). Either may be null.
     */
    public Schedule withBounds(Instant start, Instant end) {
        return new Schedule(expression, cron, kind, zone, executionTime, repeatsInOverlap, start, end);
    }

    /** Wall-clock time in {@code zone} to an instant; a time in a DST gap moves forward, one in an overlap takes the earlier offset. */
    static Instant toInstant(LocalDateTime wallClock, ZoneId zone) {
        return wallClock == null ? null : ZonedDateTime.of(wallClock, zone).toInstant();
    }

    /** The expression as written ({@code "@daily"}, {@code "0 2 * * *"}), or null for manual. */
    public String expression() { return expression; }
    /** The 5-field cron this schedule evaluates (presets expanded), or null for @once / manual. */
    public String cron() { return cron; }
    public Kind kind() { return kind; }
    public ZoneId zone() { return zone; }
    public Optional<Instant> start() { return Optional.ofNullable(start); }
    public Optional<Instant> end() { return Optional.ofNullable(end); }

    // ---------------------------------------------------------------- fire times

    /** The first fire time strictly after {@code t}, or empty if the cron never fires again (or this is not a cron). */
    public Optional<Instant> nextFire(Instant t) {
        if (kind != Kind.CRON) {
            return Optional.empty();
        }
        Duration slack = dstSlack(t);
        LocalDateTime local = wall(t);
        LocalDateTime cursor = slack != null ? local.minus(slack) : local;
        Instant best = null;
        for (int guard = 0; guard < 100_000; guard++) {
            Optional<LocalDateTime> n = naiveNext(cursor);
            if (n.isEmpty()) {
                break;
            }
            LocalDateTime l = n.get();
            if (best != null && l.isAfter(wall(best).plus(slack))) {
                break;
            }
            for (Instant i : instantsOf(l)) {
                if (i.isAfter(t) && (best == null || i.isBefore(best))) {
                    best = i;
                }
            }
            if (best != null && slack == null) {
                break;
            }
            cursor = l;
        }
        return Optional.ofNullable(best);
    }

    /** The last fire time strictly before {@code t}, or empty if there is none (or this is not a cron). */
    public Optional<Instant> previousFire(Instant t) {
        if (kind != Kind.CRON) {
            return Optional.empty();
        }
        Duration slack = dstSlack(t);
        LocalDateTime local = wall(t);
        LocalDateTime cursor = slack != null ? local.plus(slack) : local.plusNanos(1);
        Instant best = null;
        for (int guard = 0; guard < 100_000; guard++) {
            Optional<LocalDateTime> p = naivePrevious(cursor);
            if (p.isEmpty()) {
                break;
            }
            LocalDateTime l = p.get();
            if (best != null && l.isBefore(wall(best).minus(slack))) {
                break;
            }
            for (Instant i : instantsOf(l)) {
                if (i.isBefore(t) && (best == null || i.isAfter(best))) {
                    best = i;
                }
            }
            if (best != null && slack == null) {
                break;
            }
            cursor = l;
        }
        return Optional.ofNullable(best);
    }

    /** True when {@code t} is a fire time of this cron. */
    public boolean isFire(Instant t) {
        return kind == Kind.CRON && nextFire(t.minusNanos(1)).map(t::equals).orElse(false);
    }

    private Optional<Instant> fireAtOrAfter(Instant t) {
        return isFire(t) ? Optional.of(t) : nextFire(t);
    }

    private Optional<Instant> fireAtOrBefore(Instant t) {
        return isFire(t) ? Optional.of(t) : previousFire(t);
    }

    private LocalDateTime wall(Instant t) {
        return LocalDateTime.ofInstant(t, zone);
    }

    private Optional<LocalDateTime> naiveNext(LocalDateTime l) {
        return executionTime.nextExecution(l.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toLocalDateTime);
    }

    private Optional<LocalDateTime> naivePrevious(LocalDateTime l) {
        return executionTime.lastExecution(l.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toLocalDateTime);
    }

    /**
     * The size of an offset transition within twice its size of {@code t}, or null. Only there can a fire's
     * wall-clock time lie outside the plain search (a repeated hour, or a gap time shifted forward), so only there
     * does the search widen by that much.
     */
    private Duration dstSlack(Instant t) {
        Duration slack = null;
        ZoneOffsetTransition tr = rules.nextTransition(t.minus(DST_WINDOW));
        while (tr != null && !tr.getInstant().isAfter(t.plus(DST_WINDOW))) {
            Duration d = tr.getDuration().abs();
            if (Duration.between(t, tr.getInstant()).abs().compareTo(d.multipliedBy(2)) <= 0
                    && (slack == null || d.compareTo(slack) > 0)) {
                slack = d;
            }
            tr = rules.nextTransition(tr.getInstant());
        }
        return slack;
    }

    /** The instants at which the wall-clock fire time {@code l} fires (see the class comment on DST). */
    private List<Instant> instantsOf(LocalDateTime l) {
        List<ZoneOffset> offsets = rules.getValidOffsets(l);
        if (offsets.size() == 1) {
            return List.of(l.toInstant(offsets.get(0)));
        }
        ZoneOffsetTransition tr = rules.getTransition(l);
        if (offsets.isEmpty()) {
            return List.of(l.plus(tr.getDuration()).toInstant(tr.getOffsetAfter()));
        }
        Instant first = l.toInstant(tr.getOffsetBefore());
        Instant second = l.toInstant(tr.getOffsetAfter());
        return repeatsInOverlap ? List.of(first, second) : List.of(first);
    }

    // ---------------------------------------------------------------- intervals

    /**
     * The data interval of the next scheduled run after the run with logical date {@code afterLogicalDate},
     * or the first one (logical date = start_date aligned up to the cron) when it is null. Empty when the
     * next logical date would be after end_date, for {@code @once} after its run, and for manual schedules.
     *
     * @throws IllegalStateException if {@code afterLogicalDate} is null and the schedule has no start
     */
    public Optional<DataInterval> nextInterval(Instant afterLogicalDate) {
        switch (kind) {
            case NONE:
                return Optional.empty();
            case ONCE:
                if (afterLogicalDate != null) {
                    return Optional.empty();
                }
                return Optional.of(new DataInterval(requireStart(), requireStart()));
            default:
                break;
        }
        Optional<Instant> s;
        if (afterLogicalDate == null) {
            s = fireAtOrAfter(requireStart());
        } else {
            s = nextFire(afterLogicalDate);
            if (start != null && s.isPresent()) {
                Optional<Instant> aligned = fireAtOrAfter(start);
                if (aligned.isPresent() && s.get().isBefore(aligned.get())) {
                    s = aligned;
                }
            }
        }
        if (s.isEmpty() || (end != null && s.get().isAfter(end))) {
            return Optional.empty();
        }
        Instant first = s.get();
        return nextFire(first).map(e -> new DataInterval(first, e));
    }

    private Instant requireStart() {
        if (start == null) {
            throw new IllegalStateException("schedule '" + expression + "' has no start_date: "
                    + "cannot compute the first interval; pass the last logical date");
        }
        return start;
    }

    /**
     * The data interval that contains {@code logicalDate}: {@code [last fire <= logicalDate, next fire)}.
     * For a logical date on the cron (the usual case) the interval starts at it. For {@code @once} and
     * manual schedules the interval is empty: {@code [logicalDate, logicalDate)}.
     */
    public DataInterval intervalFor(Instant logicalDate) {
        Objects.requireNonNull(logicalDate, "logicalDate");
        if (kind != Kind.CRON) {
            return new DataInterval(logicalDate, logicalDate);
        }
        Instant s = fireAtOrBefore(logicalDate).orElse(logicalDate);
        Instant e = nextFire(s).orElse(s);
        return new DataInterval(s, e);
    }

    /**
     * The data interval of a run triggered manually at {@code runAfter}, as Airflow infers it: the last complete
     * interval before {@code runAfter} (triggered at 01:00 on the 25th, a daily DAG's manual run covers the 24th).
     * Non-cron schedules give the empty interval {@code [runAfter, runAfter)}.
     */
    public DataInterval manualInterval(Instant runAfter) {
        Objects.requireNonNull(runAfter, "runAfter");
        return latestComplete(runAfter).orElse(new DataInterval(runAfter, runAfter));
    }

    /** The most recent interval whose end is at or before {@code now}. */
    public Optional<DataInterval> latestComplete(Instant now) {
        if (kind != Kind.CRON) {
            return Optional.empty();
        }
        return fireAtOrBefore(now).flatMap(e -> previousFire(e).map(s -> new DataInterval(s, e)));
    }

    // ---------------------------------------------------------------- planning

    /**
     * The scheduled runs that are due now, oldest first, at most {@code limit} (pass
     * {@code max_active_runs - active runs}; non-positive gives none).
     * <ul>
     *   <li>catchup=true: every interval after {@code lastLogicalDate} (or from start_date, aligned up to the
     *       cron, when there is no run yet) whose end is {@code <= now} and whose logical date is {@code <= end_date}.</li>
     *   <li>catchup=false: only the latest complete interval, if it is newer than {@code lastLogicalDate} (and not
     *       before start_date nor after end_date; as Airflow, nothing runs once end_date is past the latest interval).
     *       Also used when catchup=true but the DAG has no start_date and no run yet.</li>
     *   <li>{@code @once}: one empty interval at start_date once {@code now >= start_date}, if there is no run yet.</li>
     *   <li>manual: none.</li>
     * </ul>
     * Run ids from {@link RunIds#scheduled(Instant)} make repeated calls idempotent.
     */
    public static List<DataInterval> due(Dag dag, Instant lastLogicalDate, Instant now, int limit) {
        Objects.requireNonNull(now, "now");
        Schedule s = of(dag);
        if (limit <= 0 || s.kind == Kind.NONE) {
            return List.of();
        }
        if (s.kind == Kind.ONCE) {
            if (lastLogicalDate == null && s.start != null && !s.start.isAfter(now)) {
                return List.of(new DataInterval(s.start, s.start));
            }
            return List.of();
        }
        if (dag.catchup() && (lastLogicalDate != null || s.start != null)) {
            List<DataInterval> out = new ArrayList<>();
            Optional<DataInterval> cur = s.nextInterval(lastLogicalDate);
            while (cur.isPresent() && cur.get().isCompleteAt(now) && out.size() < limit) {
                out.add(cur.get());
                cur = s.nextInterval(cur.get().start());
            }
            return List.copyOf(out);
        }
        Optional<DataInterval> latest = s.latestComplete(now);
        if (latest.isEmpty()) {
            return List.of();
        }
        Instant candidate = latest.get().start();
        if (s.start != null) {
            Optional<Instant> aligned = s.fireAtOrAfter(s.start);
            if (aligned.isEmpty()) {
                return List.of();
            }
            candidate = max(candidate, aligned.get());
        }
        if (lastLogicalDate != null) {
            Optional<Instant> after = s.nextFire(lastLogicalDate);
            if (after.isEmpty()) {
                return List.of();
            }
            candidate = max(candidate, after.get());
        }
        if (s.end != null && candidate.isAfter(s.end)) {
            return List.of();
        }
        Instant c = candidate;
        return s.nextFire(c).filter(e -> !e.isAfter(now)).map(e -> List.of(new DataInterval(c, e))).orElse(List.of());
    }

    /**
     * Backfill: every interval whose logical date falls on a day in {@code [from, to]} in the DAG's zone, i.e.
     * in {@code [from 00:00, to+1 00:00)} wall clock, oldest first. Both days are inclusive and whole, so
     * {@code between(hourlyDag, 2024-01-01, 2024-01-01)} gives 24 runs (Airflow's {@code dags backfill -e} would
     * stop at the end date's midnight). start_date/end_date are NOT applied: a backfill is an explicit request.
     * Intervals in the future are included; the caller decides whether to wait for them.
     * {@code @once} gives its start_date if it falls in the range; manual DAGs give none.
     *
     * @throws IllegalArgumentException if {@code from} is after {@code to} or the range holds more than
     *                                  {@value #MAX_BACKFILL_INTERVALS} intervals
     */
    public static List<DataInterval> between(Dag dag, LocalDate from, LocalDate to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (from.isAfter(to)) {
            throw new IllegalArgumentException("backfill range start " + from + " is after its end " + to);
        }
        Schedule s = of(dag);
        Instant lo = from.atStartOfDay(s.zone).toInstant();
        Instant hi = to.plusDays(1).atStartOfDay(s.zone).toInstant();
        if (s.kind == Kind.NONE) {
            return List.of();
        }
        if (s.kind == Kind.ONCE) {
            return s.start != null && !s.start.isBefore(lo) && s.start.isBefore(hi)
                    ? List.of(new DataInterval(s.start, s.start)) : List.of();
        }
        List<DataInterval> out = new ArrayList<>();
        Optional<Instant> cur = s.fireAtOrAfter(lo);
        while (cur.isPresent() && cur.get().isBefore(hi)) {
            Optional<Instant> next = s.nextFire(cur.get());
            if (next.isEmpty()) {
                break;
            }
            if (out.size() >= MAX_BACKFILL_INTERVALS) {
                throw new IllegalArgumentException("backfill " + from + ".." + to + " of schedule '" + s.expression
                        + "' has more than " + MAX_BACKFILL_INTERVALS + " intervals; split the range");
            }
            out.add(new DataInterval(cur.get(), next.get()));
            cur = next;
        }
        return List.copyOf(out);
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    @Override
    public String toString() {
        return "Schedule[" + (expression == null ? "manual" : expression) + " in " + zone + "]";
    }
}
