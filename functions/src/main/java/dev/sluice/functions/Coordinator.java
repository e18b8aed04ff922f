package dev.sluice.functions;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.Json;
import dev.sluice.engine.Notification;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import dev.sluice.api.CallbackContext;
import dev.sluice.engine.Effect;
import dev.sluice.functions.alert.Alert;
import dev.sluice.functions.alert.Alerts;
import dev.sluice.functions.effect.TryLogs;
import dev.sluice.functions.message.EffectInvocation;
import dev.sluice.template.CallbackValues;
import dev.sluice.functions.dags.DagRegistry;
import dev.sluice.functions.dispatch.CoordinatorQueue;
import dev.sluice.functions.dispatch.Dispatcher;
import dev.sluice.functions.dispatch.FunctionRouter;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.message.TaskRef;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.functions.obs.Metrics;
import dev.sluice.infra.DispatchException;
import dev.sluice.infra.PayloadStore;
import dev.sluice.kernel.AppliedDecision;
import dev.sluice.kernel.DecisionLoop;
import dev.sluice.kernel.RetryOptions;
import dev.sluice.model.Dag;
import dev.sluice.model.S3Trigger;
import dev.sluice.model.TaskKind;
import dev.sluice.model.TaskSpec;
import dev.sluice.schedule.DataInterval;
import dev.sluice.schedule.RunIds;
import dev.sluice.schedule.Schedule;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import dev.sluice.store.ConcurrentUpdateException;
import dev.sluice.store.StateStore;
import dev.sluice.template.S3KeyPattern;
import dev.sluice.template.TemplateRenderer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The coordinator service behind every coordinator handler: it turns a tick, an S3 object or a queue message into
 * engine events, and for each event decides, applies the decision with a conditional write (deciding again on
 * fresh state when another coordinator won the race), and only then acts on it: invokes the claimed tries, sends
 * short timers as delayed messages, continues bounded work, and reports. A crash between two steps loses nothing
 * that the next delivery, the tick, or a watchdog does not recover; a duplicate delivery decides nothing new.
 *
 * <p>Work per event is the event's neighbourhood: the run record, the task and its direct downstream tasks (read
 * lazily by the store's view); at most {@link Settings#maxDispatchesPerDecision} tries start per decision, the rest
 * continue through a {@link CoordinatorMessage.Continue}.
 */
public final class Coordinator {

    /**
     * @param queuedLease  how long a dispatched try may stay queued (its function never started) before it times out
     * @param runningLease how long a started try without an execution_timeout may run without reporting; a Lambda
     *                     runs at most 15 minutes, so a try silent for longer is lost
     * @param grace        added to a try's deadline before the watchdog declares it lost (the runtime reports its own
     *                     timeouts; this only catches a runtime that died)
     */
    public record Settings(int maxDispatchesPerDecision, int maxConflictRetries, Duration queuedLease,
                           Duration runningLease, Duration grace, int tickTimerLimit, int tickRunLimit) {
        public static Settings defaults() {
            return new Settings(25, 20, Duration.ofMinutes(15), Duration.ofMinutes(16), Duration.ofMinutes(1), 200,
                    50);
        }

        public Settings withLeases(Duration queued, Duration running, Duration graceTime) {
            return new Settings(maxDispatchesPerDecision, maxConflictRetries, queued, running, graceTime,
                    tickTimerLimit, tickRunLimit);
        }
    }

    /** Tries queued or running past their deadline (the store's deadline index), oldest first. */
    @FunctionalInterface
    public interface OverdueScan {
        List<TaskInstance> overdue(Instant now, int limit);
    }

    /** An S3 object that was created, from EventBridge or a classic notification. Keys are already decoded. */
    public record S3Object(String bucket, String key, String sequencer, Instant eventTime) {
    }

    private final StateStore store;
    private final DagRegistry dags;
    private final Dispatcher dispatcher;
    private final FunctionRouter router;
    private final CoordinatorQueue queue;
    private final InvocationBuilder invocations;
    private final PayloadStore payloads;
    private final Clock clock;
    private final DecisionLoop decisions;
    private final JsonLog log;
    private final Metrics metrics;
    private final Settings settings;
    private final OverdueScan overdue;
    private final Alerts alerts;
    private final TryLogs tryLogs;

    public Coordinator(StateStore store, DagRegistry dags, Dispatcher dispatcher, FunctionRouter router,
                       CoordinatorQueue queue, PayloadStore payloads, Clock clock, RandomGenerator random,
                       JsonLog log, Metrics metrics, Settings settings, OverdueScan overdue) {
        this(store, dags, dispatcher, router, queue, payloads, clock, random, log, metrics, settings, overdue,
                Alerts.none(log));
    }

    /** @param alerts where failed runs, missed SLAs and (per DAG) task failures are reported */
    public Coordinator(StateStore store, DagRegistry dags, Dispatcher dispatcher, FunctionRouter router,
                       CoordinatorQueue queue, PayloadStore payloads, Clock clock, RandomGenerator random,
                       JsonLog log, Metrics metrics, Settings settings, OverdueScan overdue, Alerts alerts) {
        this(store, dags, dispatcher, router, queue, payloads, clock, random, log, metrics, settings, overdue,
                alerts, new TryLogs("us-east-1", null));
    }

    /** @param tryLogs the Logs Insights links of the callback context's {@code log} */
    public Coordinator(StateStore store, DagRegistry dags, Dispatcher dispatcher, FunctionRouter router,
                       CoordinatorQueue queue, PayloadStore payloads, Clock clock, RandomGenerator random,
                       JsonLog log, Metrics metrics, Settings settings, OverdueScan overdue, Alerts alerts,
                       TryLogs tryLogs) {
        this.alerts = alerts;
        this.tryLogs = tryLogs;
        this.store = store;
        this.dags = dags;
        this.dispatcher = dispatcher;
        this.router = router;
        this.queue = queue;
        this.invocations = new InvocationBuilder(new TemplateRenderer(), payloads);
        this.payloads = payloads;
        this.clock = clock;
        this.decisions = DecisionLoop.builder(store)
                .retry(RetryOptions.defaults().withMaxAttempts(settings.maxConflictRetries()))
                .clock(clock::instant).random(random).sleeper(d -> Thread.sleep(d.toMillis()))
                .views(v -> OffloadedOutputsView.of(v, payloads)).listener(this::lostRace).build();
        this.log = log;
        this.metrics = metrics;
        this.settings = settings;
        this.overdue = overdue;
    }

    public StateStore store() {
        return store;
    }

    public DagRegistry dags() {
        return dags;
    }

    // ------------------------------------------------------------------ entry points

    /**
     * The periodic tick: due cron runs (catchup, max_active_runs), queued runs that may start, due timers
     * (retries, reschedules, SLAs), and a nudge to running runs that wait on pools. Each item fails alone.
     */
    public void tick() {
        tick(CoordinatorMessage.Tick.whole(), WorkBudget.unlimited());
    }

    /** A whole tick within {@code budget}; what the budget leaves undone continues in a {@code tick} message. */
    public void tick(WorkBudget budget) {
        tick(CoordinatorMessage.Tick.whole(), budget);
    }

    /**
     * The tick's steps from {@code from} on, each unit (a DAG, a run it starts or nudges, a timer, an overdue try)
     * started only while {@code budget} allows. When it runs short, the rest is sent to the coordinator queue as a
     * {@link CoordinatorMessage.Tick} naming the step (and DAG) to go on from, and this returns. Every step reads
     * again what is due, so the continuation does exactly what is left; repeating a unit is harmless.
     */
    public void tick(CoordinatorMessage.Tick from, WorkBudget budget) {
        Instant now = clock.instant();
        CoordinatorMessage.Tick rest = tickSteps(from, budget, now);
        if (rest != null) {
            log.info("tick_continued", "phase", rest.phase().name().toLowerCase(java.util.Locale.ROOT),
                    "fromDagId", rest.fromDagId(), "units", budget.units(), "remainingMs", budget.remainingMillis(),
                    "message", "the invocation's time ran short; the rest of the tick continues in a queue message");
            queue.send(rest, Duration.ZERO);
        }
    }

    /** Runs the steps; returns where to continue, or null when the tick is done. */
    private CoordinatorMessage.Tick tickSteps(CoordinatorMessage.Tick from, WorkBudget budget, Instant now) {
        if (from.phase() == CoordinatorMessage.TickPhase.DAGS) {
            List<DagRegistry.Current> all = new java.util.ArrayList<>(dags.current());
            all.sort(java.util.Comparator.comparing(c -> c.dag().dagId()));
            for (DagRegistry.Current c : all) {
                if (from.fromDagId() != null && c.dag().dagId().compareTo(from.fromDagId()) < 0) {
                    continue; // done by the tick this continues
                }
                boolean finished;
                try {
                    finished = scheduleDue(c, now, budget);
                } catch (RuntimeException e) {
                    log.error("tick_dag_failed", "dagId", c.dag().dagId(), "error", describe(e));
                    finished = true;
                }
                if (!finished) {
                    return new CoordinatorMessage.Tick(CoordinatorMessage.TickPhase.DAGS, c.dag().dagId());
                }
            }
        }
        if (from.phase() != CoordinatorMessage.TickPhase.OVERDUE) {
            for (Timer t : store.dueTimers(now, settings.tickTimerLimit())) {
                if (!budget.next()) {
                    return new CoordinatorMessage.Tick(CoordinatorMessage.TickPhase.TIMERS, null);
                }
                try {
                    fireStoredTimer(t);
                } catch (RuntimeException e) {
                    log.error("timer_failed", "runId", t.runId(), "taskId", t.task().taskId(), "error", describe(e));
                }
            }
        }
        if (overdue != null) {
            // The task runtime reports its own timeouts; the grace lets it, and catches only runtimes that died.
            for (TaskInstance ti : overdue.overdue(now.minus(settings.grace()), settings.tickTimerLimit())) {
                if (!budget.next()) {
                    return new CoordinatorMessage.Tick(CoordinatorMessage.TickPhase.OVERDUE, null);
                }
                try {
                    timeOut(ti);
                } catch (RuntimeException e) {
                    log.error("timeout_failed", "runId", ti.runId(), "taskId", ti.taskId(), "error", describe(e));
                }
            }
        }
        return null;
    }

    private void timeOut(TaskInstance ti) {
        Optional<DagRun> run = store.run(ti.runId());
        if (run.isEmpty()) {
            return;
        }
        DagRun r = run.get();
        String reason = ti.state() == TaskState.QUEUED ? "its function did not start by the deadline " + ti.deadline()
                : "no report from the task runtime by its deadline " + ti.deadline();
        log.withTask(r.dagId(), r.runId(), ti.taskId(), ti.mapIndex(), ti.tryNumber())
                .warn("task_overdue", "state", ti.state().airflowName(), "reason", reason);
        decideAndAct(dags.pinned(r.dagId(), r.dagVersion()), r.dagVersion(), r.runId(),
                new Event.TaskTimedOut(ti.key(), ti.tryNumber(), reason));
    }

    /** Starts a run of every DAG whose s3 trigger matches the object. A redelivered event starts nothing new. */
    public void objectCreated(S3Object o) {
        boolean matched = false;
        for (DagRegistry.Current c : dags.current()) {
            Optional<S3Trigger> t = c.dag().trigger();
            if (t.isEmpty() || !t.get().bucket().equals(o.bucket())) {
                continue;
            }
            Optional<S3KeyPattern.Match> m = S3KeyPattern.compile(t.get().keyPattern()).match(o.key());
            if (m.isEmpty()) {
                continue;
            }
            matched = true;
            Dag dag = c.dag();
            Instant eventTime = o.eventTime() != null ? o.eventTime() : clock.instant();
            Instant logical = m.get().logicalDate().map(d -> d.atStartOfDay(dag.timezone()).toInstant())
                    .orElse(eventTime.truncatedTo(ChronoUnit.SECONDS));
            String runId = RunIds.s3(dag.dagId(), o.bucket(), o.key(), o.sequencer() == null ? "" : o.sequencer());
            Map<String, Object> conf = new LinkedHashMap<>();
            conf.put("bucket", o.bucket());
            conf.put("key", o.key());
            requestRun(c, new Event.RunRequested(runId, RunType.S3, logical, logical, logical, Json.write(conf),
                    c.version()));
        }
        if (!matched) {
            log.info("s3_object_ignored", "bucket", o.bucket(), "key", o.key(),
                    "message", "no DAG trigger matches this object");
        }
    }

    /**
     * Handles one queue message.
     *
     * @param sentAt when the message was first sent (SQS SentTimestamp): the default trigger time of a
     *               {@link CoordinatorMessage.Trigger} without a run id, stable across redeliveries
     */
    public void handle(CoordinatorMessage m, Instant sentAt) {
        handle(m, sentAt, WorkBudget.unlimited());
    }

    /**
     * Handles one queue message; a {@link CoordinatorMessage.Tick} works within {@code budget} (its own first unit
     * always starts) and continues in a further message when that runs short.
     */
    public void handle(CoordinatorMessage m, Instant sentAt, WorkBudget budget) {
        if (m instanceof CoordinatorMessage.Tick t) {
            tick(t, budget.nested());
        } else if (m instanceof CoordinatorMessage.Completion c) {
            TaskRef r = c.task();
            onTaskEvent(r, toEvent(r, c.result()));
        } else if (m instanceof CoordinatorMessage.InvokeFailed f) {
            TaskRef r = f.task();
            String why = "the task function failed" + (f.condition() == null || f.condition().isBlank() ? ""
                    : " (" + f.condition() + ")") + (f.error() == null || f.error().isBlank() ? "" : ": " + f.error());
            onTaskEvent(r, new Event.TaskFailed(r.key(), r.tryNumber(), why, true));
        } else if (m instanceof CoordinatorMessage.TimerDue t) {
            TaskRef r = t.task();
            onTaskEvent(r, new Event.TimerFired(r.key(), r.tryNumber(), t.kind()));
            store.deleteTimer(new Timer(r.runId(), r.key(), r.tryNumber(), t.fireAt(), t.kind()));
        } else if (m instanceof CoordinatorMessage.Watchdog w) {
            watchdog(w.task());
        } else if (m instanceof CoordinatorMessage.Trigger t) {
            trigger(t, sentAt);
        } else if (m instanceof CoordinatorMessage.Continue c) {
            Dag dag = dags.pinned(c.dagId(), c.dagVersion());
            decideAndAct(dag, c.dagVersion(), c.runId(), new Event.Tick());
        } else if (m instanceof CoordinatorMessage.RunEffects r) {
            runEffects(r);
        } else if (m instanceof CoordinatorMessage.Clear c) {
            DagRun r = store.run(c.runId()).orElseThrow(() -> new IllegalArgumentException(
                    "clear for unknown run '" + c.runId() + "'"));
            Dag dag = dags.pinned(r.dagId(), r.dagVersion());
            String version = r.dagVersion();
            for (String id : c.taskIds()) {
                if (!dag.hasTask(id) && dag.group(id).isEmpty()) {
                    throw new IllegalArgumentException("clear: run " + c.runId() + " has no task or group '" + id
                            + "'");
                }
            }
            if (c.latestVersion()) {
                DagRegistry.Current now = dags.current(r.dagId()).orElseThrow(() -> new IllegalArgumentException(
                        "clear: DAG " + r.dagId() + " is not deployed now, so run " + r.runId()
                                + " cannot move to its latest version"));
                for (TaskInstance t : store.instances(r.runId())) {
                    if (!now.dag().hasTask(t.taskId())) {
                        throw new IllegalArgumentException("clear: the deployed " + r.dagId() + " no longer has task '"
                                + t.taskId() + "' of run " + r.runId() + "; clear it on its own version");
                    }
                }
                dag = now.dag();
                version = now.version();
            }
            decideAndAct(dag, version, r.runId(), new Event.ClearTasks(c.taskIds(), c.downstream(),
                    c.latestVersion() ? version : null));
        } else if (m instanceof CoordinatorMessage.Mark k) {
            DagRun r = store.run(k.runId()).orElseThrow(() -> new IllegalArgumentException(
                    "mark for unknown run '" + k.runId() + "'"));
            Dag dag = dags.pinned(r.dagId(), r.dagVersion());
            for (String id : k.taskIds()) {
                if (!dag.hasTask(id) && dag.group(id).isEmpty()) {
                    throw new IllegalArgumentException("mark: run " + k.runId() + " has no task or group '" + id
                            + "'");
                }
            }
            Event e = k.taskIds().isEmpty() ? new Event.MarkRun(RunState.fromAirflowName(k.state()))
                    : new Event.MarkTasks(k.taskIds(), TaskState.fromAirflowName(k.state()));
            decideAndAct(dag, r.dagVersion(), r.runId(), e);
        }
    }

    // ------------------------------------------------------------------ the steps

    /**
     * One DAG's step of the tick; each unit starts only while the budget allows. Returns false when it stopped
     * early: doing the DAG again finds what is left (due intervals after the latest run, runs still queued).
     */
    private boolean scheduleDue(DagRegistry.Current c, Instant now, WorkBudget budget) {
        if (!budget.next()) {
            return false;
        }
        Dag dag = c.dag();
        List<DagRun> queued = store.runs(dag.dagId(), RunState.QUEUED, settings.tickRunLimit());
        List<DagRun> running = store.runs(dag.dagId(), RunState.RUNNING, settings.tickRunLimit());
        if (dag.schedule() != null) {
            int room = dag.maxActiveRuns() - running.size() - queued.size();
            if (room > 0) {
                Instant last = store.latestLogicalDate(dag.dagId(), dag.dagId() + ".scheduled__").orElse(null);
                for (DataInterval i : Schedule.due(dag, last, now, Math.min(room, settings.tickRunLimit()))) {
                    if (!budget.next()) {
                        return false;
                    }
                    requestRun(c, new Event.RunRequested(RunIds.scheduled(dag.dagId(), i.start()),
                            RunType.SCHEDULED, i.start(), i.start(), i.end(), null, c.version()));
                }
            }
        }
        // Queued runs start when max_active_runs allows; running runs that wait on a pool get a chance at it.
        for (DagRun r : queued) {
            if (!budget.next()) {
                return false;
            }
            decideAndAct(dags.pinned(r.dagId(), r.dagVersion()), r.dagVersion(), r.runId(), new Event.Tick());
        }
        if (!dag.pools().isEmpty()) {
            for (DagRun r : running) {
                if (!budget.next()) {
                    return false;
                }
                decideAndAct(dags.pinned(r.dagId(), r.dagVersion()), r.dagVersion(), r.runId(), new Event.Tick());
            }
        }
        return true;
    }

    private void requestRun(DagRegistry.Current c, Event.RunRequested request) {
        Decision d = decideAndAct(c.dag(), c.version(), request.runId(), request);
        if (d.run() != null && d.run().version() == 1) {
            metrics.count(c.dag().dagId(), Metrics.Name.RunsStarted);
            log.info("run_created", "dagId", c.dag().dagId(), "runId", request.runId(), "type", request.type(),
                    "logicalDate", request.logicalDate(), "state", d.run().state().airflowName());
        }
    }

    private void trigger(CoordinatorMessage.Trigger t, Instant sentAt) {
        DagRegistry.Current c = dags.current(t.dagId()).orElseThrow(() -> new IllegalArgumentException(
                "trigger for unknown DAG '" + t.dagId() + "' (no such dag_id among the deployed DAG files)"));
        // To the millisecond (SQS's SentTimestamp): a redelivery is the same run, two triggers in one second are two.
        Instant at = (t.logicalDate() != null ? t.logicalDate() : sentAt != null ? sentAt : clock.instant())
                .truncatedTo(ChronoUnit.MILLIS);
        String runId = t.runId() != null ? t.runId() : RunIds.manual(c.dag().dagId(), at);
        RunType type = RunType.MANUAL;
        DataInterval interval = Schedule.of(c.dag()).manualInterval(at);
        RunIds.Kind kind = t.runId() != null && t.logicalDate() != null ? kindOrNull(runId) : null;
        if (c.dag().schedule() != null && (kind == RunIds.Kind.BACKFILL || kind == RunIds.Kind.SCHEDULED)) {
            // `sluice backfill --stack`: the run covers its schedule interval, as a local backfill does.
            type = kind == RunIds.Kind.BACKFILL ? RunType.BACKFILL : RunType.SCHEDULED;
            interval = Schedule.of(c.dag()).intervalFor(at);
        }
        requestRun(c, new Event.RunRequested(runId, type, at, interval.start(), interval.end(),
                t.confJson(), c.version()));
    }

    private static RunIds.Kind kindOrNull(String runId) {
        try {
            return RunIds.kindOf(runId);
        } catch (IllegalArgumentException notOurs) {
            return null;
        }
    }

    private void fireStoredTimer(Timer t) {
        Optional<DagRun> run = store.run(t.runId());
        if (run.isEmpty()) {
            store.deleteTimer(t);
            return;
        }
        DagRun r = run.get();
        decideAndAct(dags.pinned(r.dagId(), r.dagVersion()), r.dagVersion(), r.runId(),
                new Event.TimerFired(t.task(), t.tryNumber(), t.kind()));
        store.deleteTimer(t);
    }

    private void onTaskEvent(TaskRef r, Event e) {
        Dag dag = dags.pinned(r.dagId(), r.dagVersion());
        decideAndAct(dag, r.dagVersion(), r.runId(), e);
    }

    /** A try that never started, or ran past its lease without a report, times out (retryable). */
    private void watchdog(TaskRef r) {
        Dag dag = dags.pinned(r.dagId(), r.dagVersion());
        TaskInstance ti = store.view(dag, r.runId()).instance(r.key());
        if (ti == null || !ti.state().isActive() || ti.tryNumber() != r.tryNumber()) {
            return; // the try ended or moved on: nothing to watch
        }
        Instant now = clock.instant();
        Instant lease = lease(ti);
        if (now.isBefore(lease)) {
            queue.send(new CoordinatorMessage.Watchdog(r), Duration.between(now, lease));
            return;
        }
        String reason = ti.state() == TaskState.QUEUED
                ? "its function did not start within " + settings.queuedLease()
                : ti.deadline() != null ? "no report from the task runtime by its deadline " + ti.deadline()
                : "no report from the task runtime within " + settings.runningLease() + " (lost)";
        log.warn("task_lost", "dagId", r.dagId(), "runId", r.runId(), "taskId", r.taskId(), "tryNumber",
                r.tryNumber(), "state", ti.state().airflowName(), "reason", reason);
        decideAndAct(dag, r.dagVersion(), r.runId(), new Event.TaskTimedOut(r.key(), r.tryNumber(), reason));
    }

    private Instant lease(TaskInstance ti) {
        if (ti.state() == TaskState.QUEUED) {
            Instant q = ti.queuedAt() != null ? ti.queuedAt() : clock.instant();
            return q.plus(settings.queuedLease());
        }
        if (ti.deadline() != null) {
            return ti.deadline().plus(settings.grace());
        }
        Instant s = ti.startedAt() != null ? ti.startedAt() : ti.queuedAt() != null ? ti.queuedAt() : clock.instant();
        return s.plus(settings.runningLease());
    }

    private static Event toEvent(TaskRef r, TaskResult result) {
        TaskKey k = r.key();
        int n = r.tryNumber();
        if (result instanceof TaskResult.Succeeded s) {
            return new Event.TaskSucceeded(k, n, s.outputJson());
        } else if (result instanceof TaskResult.Failed f) {
            return new Event.TaskFailed(k, n, f.error(), f.retryable());
        } else if (result instanceof TaskResult.Skipped s) {
            return new Event.TaskSkipped(k, n, s.reason());
        } else if (result instanceof TaskResult.Branched b) {
            return new Event.BranchChosen(k, n, b.chosen());
        } else if (result instanceof TaskResult.TimedOut t) {
            return new Event.TaskTimedOut(k, n, t.reason());
        } else if (result instanceof TaskResult.Rescheduled s) {
            return new Event.TaskRescheduled(k, n, s.until(), s.reason());
        }
        throw new IllegalStateException("unknown result " + result);
    }

    // ------------------------------------------------------------------ decide, apply, act

    /** Decides and applies {@code event} (again on fresh state after a lost race), then acts on the decision. */
    Decision decideAndAct(Dag dag, String version, String runId, Event event) {
        Engine engine = dags.engine(dag, version, settings.maxDispatchesPerDecision());
        // Watchdogs go out before the write: if the write is lost, they find no such try and end quietly;
        // if the process dies after the write, they still catch a try whose invocation never happened.
        AppliedDecision applied = decisions.run(engine, runId, event, d -> {
            for (Dispatch x : d.dispatches()) {
                if (x.deadline() != null && overdue != null) {
                    continue; // the tick finds it through the deadline index
                }
                TaskRef ref = new TaskRef(dag.dagId(), version, runId, x.task().taskId(), x.task().mapIndex(),
                        x.tryNumber());
                queue.send(new CoordinatorMessage.Watchdog(ref), settings.queuedLease());
            }
        });
        act(dag, version, applied);
        return applied.decision();
    }

    private void lostRace(DecisionLoop.LostRace r) {
        // deciding: another decision's ordered writes are still landing; else the write lost.
        log.info(r.deciding() ? "decision_waits" : "decision_conflict", "dagId", r.dagId(), "runId", r.runId(),
                "attempt", r.attempt(), "eventType", r.event().getClass().getSimpleName(),
                "message", r.error().getMessage());
    }

    private void act(Dag dag, String version, AppliedDecision applied) {
        Decision d = applied.decision();
        Instant now = applied.now();
        Map<TaskKey, TaskInstance> changed = new HashMap<>();
        for (TaskInstance after : d.instances()) {
            changed.put(after.key(), after);
            report(dag, applied.before(after.key()), after);
        }
        DagRun run = applied.run();
        for (Dispatch x : d.dispatches()) {
            dispatch(dag, version, run, x, key -> {
                TaskInstance t = changed.get(key);
                return t != null ? t : applied.view().instance(key);
            }, now);
        }
        for (Timer t : d.timers()) {
            Duration in = Duration.between(now, t.fireAt());
            if (t.kind() != Timer.Kind.SLA && t.kind() != Timer.Kind.DEADLINE
                    && in.compareTo(CoordinatorQueue.MAX_DELAY) <= 0) {
                TaskRef ref = new TaskRef(dag.dagId(), version, t.runId(), t.task().taskId(), t.task().mapIndex(),
                        t.tryNumber());
                queue.send(new CoordinatorMessage.TimerDue(ref, t.kind(), t.fireAt()), in);
            } // longer ones (and SLA and deadline timers) are stored with the decision and fired by the tick
        }
        List<Notification.TaskFailedFinal> failures = d.notifications().stream()
                .filter(Notification.TaskFailedFinal.class::isInstance).map(Notification.TaskFailedFinal.class::cast)
                .toList();
        for (Notification n : d.notifications()) {
            notify(dag, version, run, n);
            if (n instanceof Notification.SlaMissed) {
                continue; // its stack alert goes with the miss's effect, through the command runner (once)
            }
            alerts.on(dag, run, n, failures);
        }
        for (Effect e : d.effects()) {
            runEffect(dag, version, run, e, d.notifications());
        }
    }

    /** Sends the named effects that are still pending to the command runner (a redelivery finds them claimed). */
    private void runEffects(CoordinatorMessage.RunEffects r) {
        Dag dag = dags.pinned(r.dagId(), r.dagVersion());
        DagRun run = store.run(r.runId()).orElse(null);
        if (run == null) {
            return;
        }
        for (Effect e : store.effects(r.runId())) {
            if (e.state() == Effect.State.PENDING && r.keys().contains(e.key())) {
                runEffect(dag, r.dagVersion(), run, e, List.of());
            }
        }
    }

    /**
     * Sends a recorded effect to the command runner (asynchronously, like a try): it claims the effect, so an
     * effect found again by a later decision (an SLA miss found by its timer and then by the late success) runs
     * once. Callbacks never run here. An SLA miss also carries the stack topic's {@code sla_missed} alert.
     */
    private void runEffect(Dag dag, String version, DagRun run, Effect e, List<Notification> notifications) {
        Alert stackAlert = null;
        if (e.kind() == Effect.Kind.SLA_MISS) {
            for (Notification n : notifications) {
                if (n instanceof Notification.SlaMissed s && s.task().equals(e.task())) {
                    stackAlert = alerts.stackAlert(dag, run, s);
                }
            }
        }
        if (!e.hasWork() && stackAlert == null) {
            return; // recorded for runs show; nothing to run
        }
        JsonLog l = e.task() == null ? log.with("dagId", dag.dagId()).with("runId", e.runId())
                : log.withTask(dag.dagId(), e.runId(), e.task().taskId(), e.task().mapIndex(), e.tryNumber());
        l = l.with("effect", e.kind().wireName());
        Optional<String> runner = router.functionFor(new TaskKind.Command("true"));
        if (runner.isEmpty()) {
            l.error("effect_not_dispatched", "error", router.missing(new TaskKind.Command("true")));
            return;
        }
        try {
            CallbackContext ctx = CallbackValues.context(dag, run, e, tryLogs.link(dag, e));
            dispatcher.invoke(runner.get(), new EffectInvocation(version, e, ctx, stackAlert).toJson());
            l.info("effect_dispatched", "function", runner.get());
        } catch (RuntimeException ex) {
            // It stays pending in the table (runs show lists it); the run goes on.
            l.error("effect_dispatch_failed", "function", runner.get(), "error", describe(ex));
        }
    }

    private void dispatch(Dag dag, String version, DagRun run, Dispatch x,
                          java.util.function.Function<TaskKey, TaskInstance> instances, Instant now) {
        TaskSpec spec = dag.task(x.task().taskId());
        TaskRef ref = new TaskRef(dag.dagId(), version, run.runId(), spec.taskId(), x.task().mapIndex(),
                x.tryNumber());
        JsonLog l = log.withTask(dag.dagId(), run.runId(), spec.taskId(), x.task().mapIndex(), x.tryNumber());
        if (spec.kind() instanceof TaskKind.Empty) {
            queue.send(new CoordinatorMessage.Completion(ref, new TaskResult.Succeeded(null)), Duration.ZERO);
            l.info("task_dispatched", "function", "(empty: succeeds at once)");
            return;
        }
        Optional<String> function = router.functionFor(spec.kind());
        if (function.isEmpty()) {
            l.error("task_not_dispatched", "error", router.missing(spec.kind()));
            queue.send(new CoordinatorMessage.Completion(ref, new TaskResult.Failed(router.missing(spec.kind()),
                    false)), Duration.ZERO);
            return;
        }
        try {
            TaskInvocation inv = invocations.build(dag, version, run, x, instances, now);
            dispatcher.invoke(function.get(), inv.toJson());
            l.info("task_dispatched", "function", function.get(), "maxTries", x.maxTries(), "deadline", x.deadline());
        } catch (DispatchException e) {
            l.error("task_dispatch_failed", "function", function.get(), "error", describe(e));
            queue.send(new CoordinatorMessage.Completion(ref, new TaskResult.Failed("could not invoke "
                    + function.get() + ": " + describe(e), e.isRetryable())), Duration.ZERO);
        } catch (RuntimeException e) {
            // A template that does not render, an output that cannot be read: trying again cannot help.
            l.error("task_dispatch_failed", "function", function.get(), "error", describe(e));
            queue.send(new CoordinatorMessage.Completion(ref, new TaskResult.Failed(describe(e), false)),
                    Duration.ZERO);
        }
    }

    private void notify(Dag dag, String version, DagRun run, Notification n) {
        if (n instanceof Notification.MoreReady m) {
            queue.send(new CoordinatorMessage.Continue(dag.dagId(), version, m.runId()), Duration.ZERO);
        } else if (n instanceof Notification.RunFinished f) {
            metrics.count(dag.dagId(), f.state() == RunState.SUCCESS ? Metrics.Name.RunsSucceeded
                    : Metrics.Name.RunsFailed);
            if (run != null && run.startedAt() != null && run.endedAt() != null) {
                metrics.put(dag.dagId(), Metrics.Name.RunDurationMs,
                        Duration.between(run.startedAt(), run.endedAt()).toMillis());
            }
            log.info("run_finished", "dagId", dag.dagId(), "runId", f.runId(), "state", f.state().airflowName());
            // A run slot is free: start the oldest queued run of this DAG, if there is one.
            for (DagRun q : store.runs(dag.dagId(), RunState.QUEUED, 1)) {
                queue.send(new CoordinatorMessage.Continue(q.dagId(), q.dagVersion(), q.runId()), Duration.ZERO);
            }
        } else if (n instanceof Notification.PastDone p) {
            // A depends_on_past task of the next run may be waiting for what just ended: look at that run again.
            Optional<DagRun> next = store.nextRun(dag.dagId(), p.logicalDate(), false);
            next.ifPresent(this::continueIfActive);
            if (dag.catchup() && next.isPresent() && next.get().type() == RunType.MANUAL) {
                store.nextRun(dag.dagId(), p.logicalDate(), true).ifPresent(this::continueIfActive);
            }
        } else if (n instanceof Notification.PoolSlotsFreed p) {
            for (DagRun other : store.runs(dag.dagId(), RunState.RUNNING, 10)) {
                if (!other.runId().equals(p.runId())) {
                    queue.send(new CoordinatorMessage.Continue(other.dagId(), other.dagVersion(), other.runId()),
                            Duration.ZERO);
                }
            }
        } else if (n instanceof Notification.TaskRetrying r) {
            log.withTask(dag.dagId(), r.runId(), r.task().taskId(), r.task().mapIndex(), r.tryNumber())
                    .info("task_retrying", "maxTries", r.maxTries(), "error", r.error(), "nextAttemptAt",
                            r.nextAttemptAt());
        } else if (n instanceof Notification.TaskFailedFinal f) {
            log.withTask(dag.dagId(), f.runId(), f.task().taskId(), f.task().mapIndex(), f.tryNumber())
                    .error("task_failed_final", "maxTries", f.maxTries(), "error", f.error());
        } else if (n instanceof Notification.SlaMissed s) {
            metrics.count(dag.dagId(), Metrics.Name.SlaMissed);
            log.warn("sla_missed", "dagId", dag.dagId(), "runId", s.runId(), "taskId", s.task().taskId());
        } else if (n instanceof Notification.PoolSizeConflict c) {
            log.warn("pool_size_conflict", "dagId", dag.dagId(), "runId", c.runId(), "pool", c.pool(),
                    "declared", c.declared(), "size", c.size(), "message", c.message());
        } else if (n instanceof Notification.Ignored i) {
            log.info("event_ignored", "dagId", dag.dagId(), "runId", i.runId(), "reason", i.reason());
        } else if (n instanceof Notification.TaskSucceededNote s) {
            log.withTask(dag.dagId(), s.runId(), s.task().taskId(), s.task().mapIndex(), s.tryNumber())
                    .info("on_success_callback");
        }
    }

    private void continueIfActive(DagRun r) {
        if (!r.state().isTerminal()) {
            queue.send(new CoordinatorMessage.Continue(r.dagId(), r.dagVersion(), r.runId()), Duration.ZERO);
        }
    }

    /** One log line per task state change, and the task outcome metrics. */
    private void report(Dag dag, TaskInstance before, TaskInstance after) {
        TaskState from = before == null ? null : before.state();
        if (from == after.state()) {
            return;
        }
        log.withTask(dag.dagId(), after.runId(), after.taskId(), after.mapIndex(), after.tryNumber())
                .info("task_state", "state", after.state().airflowName(),
                        "from", from == null ? null : from.airflowName(), "error", after.error());
        boolean wasActive = from != null && from.isActive();
        switch (after.state()) {
            case SUCCESS -> {
                if (wasActive) {
                    metrics.count(dag.dagId(), Metrics.Name.TaskSucceeded);
                    duration(dag, after);
                }
            }
            case FAILED -> {
                metrics.count(dag.dagId(), Metrics.Name.TaskFailed);
                duration(dag, after);
            }
            case UP_FOR_RETRY -> metrics.count(dag.dagId(), Metrics.Name.TaskRetried);
            default -> {
            }
        }
    }

    private void duration(Dag dag, TaskInstance t) {
        if (t.startedAt() != null && t.endedAt() != null) {
            metrics.put(dag.dagId(), Metrics.Name.TaskDurationMs, Duration.between(t.startedAt(), t.endedAt())
                    .toMillis());
        }
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getName() : m;
    }
}
