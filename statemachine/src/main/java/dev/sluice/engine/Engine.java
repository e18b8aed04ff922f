package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.model.Dag;
import dev.sluice.model.TaskGroup;
import dev.sluice.model.TaskSpec;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The coordinator's decision function: {@code decide(view, event, now, random) -> Decision}. Pure: it reads the
 * given view, the clock value and the random source it is handed, and returns what to write and do. Work per
 * event is proportional to the event's neighbourhood (the task, its direct downstream tasks, and whatever a skip
 * or failure cascades into), never to the size of the run.
 */
public final class Engine {
    /** Largest expansion of a mapped task; larger ones fail the task with a clear error. */
    public static final int MAX_MAP_ITEMS = 100_000;
    /** Waiting instances skipped because their pool is full, before admission gives up for this event. */
    static final int MAX_BLOCKED_SCAN = 64;

    private final Dag dag;
    private final Set<String> leaves;
    private final Comparator<TaskInstance> admissionOrder;
    private final int maxDispatchesPerDecision;
    private final boolean orderedWrites;

    public Engine(Dag dag) {
        this(dag, Integer.MAX_VALUE);
    }

    public Engine(Dag dag, int maxDispatchesPerDecision) {
        this(dag, maxDispatchesPerDecision, false);
    }

    /**
     * @param maxDispatchesPerDecision bound on the tries one decision starts, so a decision stays small enough for
     *     one store transaction (DynamoDB: 100 items). When more are ready, the decision carries
     *     {@link Notification.MoreReady} and the adapter sends a {@link Event.Tick} to continue.
     * @param orderedWrites whether a completion that changes only instances may be applied as ordered single writes
     *     (see {@link Decision#commitLast()}): for stores where a transaction costs more than its single writes.
     */
    public Engine(Dag dag, int maxDispatchesPerDecision, boolean orderedWrites) {
        if (maxDispatchesPerDecision < 1) {
            throw new IllegalArgumentException("maxDispatchesPerDecision must be >= 1");
        }
        this.dag = dag;
        this.leaves = new HashSet<>(dag.leaves());
        this.admissionOrder = admissionOrder(dag);
        this.maxDispatchesPerDecision = maxDispatchesPerDecision;
        this.orderedWrites = orderedWrites;
    }

    public Dag dag() {
        return dag;
    }

    /** Priority descending, then topological position, then map index: the order stores must list waiting tasks. */
    public static Comparator<TaskInstance> admissionOrder(Dag dag) {
        return Comparator.comparingInt((TaskInstance t) -> -t.priority())
                .thenComparingInt(t -> dag.position(t.taskId()))
                .thenComparingInt(TaskInstance::mapIndex);
    }

    public Decision decide(RunView view, Event event, Instant now, RandomGenerator random) {
        if (event instanceof Event.TaskStarted started) {
            return started(view, started, now);
        }
        return new Step(view, now, random).handle(event);
    }

    /**
     * queued -> running for the reported try. It reads only the instance: a queued instance means its run is
     * running (a run ends only when nothing is pending), and a start frees no slot and readies no task. A tentative
     * mark on the instance is dropped: the instance was dispatched, so the decision that claimed it was written.
     */
    private Decision started(RunView view, Event.TaskStarted e, Instant now) {
        TaskInstance ti = dag.hasTask(e.task().taskId()) ? view.instance(e.task()) : null;
        if (ti == null) {
            return Decision.ignored(null, "unknown task instance " + e.task());
        }
        if (ti.state() != TaskState.QUEUED || ti.tryNumber() != e.tryNumber()) {
            return Decision.ignored(ti.runId(), "TaskStarted for " + e.task() + " try " + e.tryNumber()
                    + " ignored: instance is " + ti.state().airflowName() + " at try " + ti.tryNumber());
        }
        TaskSpec spec = dag.task(ti.taskId());
        TaskInstance next = ti.withState(TaskState.RUNNING).withTimes(ti.queuedAt(), now, null)
                .withDeadline(spec.executionTimeout() == null ? null : now.plus(spec.executionTimeout()))
                .withTentative(null).withVersion(ti.version() + 1);
        return new Decision(null, List.of(next), List.of(), List.of(), List.of(), Map.of(), List.of(), null,
                WriteContext.of(dag, null, null));
    }

    /** An outcome of the event's own try is already half-written by another kind of report: the first one wins. */
    /**
     * Instances in a decision beyond which a store may have to write it in several steps (DynamoDB: 100 items per
     * transaction, one of them the run): such a completion marks its downstream items like an ordered one.
     */
    public static final int LARGE_DECISION = 98;

    private static final class OtherOutcomeInFlight extends RuntimeException {
        OtherOutcomeInFlight(String message) {
            super(message, null, false, false);
        }
    }

    /** Mutable working state of one decision; thrown away afterwards. */
    private final class Step {
        private final RunView view;
        private final Instant now;
        private final RandomGenerator random;
        private DagRun run;
        /** The run as read: whether any instance was waiting when this decision began. */
        private final DagRun readRun;
        private boolean runChanged;
        private final Map<TaskKey, TaskInstance> changed = new LinkedHashMap<>();
        /** Each instance as first read from the view (null: not stored), so counter deltas start from it. */
        private final Map<TaskKey, TaskInstance> originals = new HashMap<>();
        /** Changes to the run's counters not yet folded into {@link #run}: pending, active, waiting, failed leaves. */
        private int dPending;
        private int dActive;
        private int dWaiting;
        private int dFailedLeaves;
        private final List<Dispatch> dispatches = new ArrayList<>();
        private final List<Timer> timers = new ArrayList<>();
        private final List<Notification> notes = new ArrayList<>();
        private final Map<String, Integer> poolDeltas = new HashMap<>();
        private final Map<String, BreakerState> breakers = new LinkedHashMap<>();
        /** Breakers as first read: versions come from here, since a live view may change under us. */
        private final Map<String, BreakerState> breakersRead = new HashMap<>();
        private final ArrayDeque<String> toEvaluate = new ArrayDeque<>();
        /** The event's instance and try, and its tentative-mark source ({@code key#try#kind}); null if none. */
        /** A run created by this decision has nothing stored yet: no need to read its instances. */
        private boolean freshRun;
        private TaskKey subject;
        private int subjectTry;
        private boolean subjectRan;
        private String eventSource;
        /** Instances that already carry this event's tentative mark: written by an earlier, interrupted attempt. */
        private final Map<TaskKey, TaskInstance.Tentative> ownMarks = new LinkedHashMap<>();

        Step(RunView view, Instant now, RandomGenerator random) {
            this.view = view;
            this.now = now;
            this.random = random;
            this.run = view.run();
            this.readRun = run;
        }

        Decision handle(Event event) {
            if (event instanceof Event.TaskEvent te && !(event instanceof Event.TimerFired)) {
                subject = te.task();
                subjectTry = te.tryNumber();
                // Every report but a timeout comes from the try's own runtime: it was dispatched.
                subjectRan = !(event instanceof Event.TaskTimedOut);
                eventSource = TaskInstance.Tentative.sourceOf(te.task(), te.tryNumber()) + "#"
                        + event.getClass().getSimpleName();
            }
            try {
                return decideEvent(event);
            } catch (OtherOutcomeInFlight other) {
                return Decision.ignored(run == null ? null : run.runId(), other.getMessage());
            }
        }

        private Decision decideEvent(Event event) {
            if (event instanceof Event.RunRequested r) {
                if (run != null) {
                    return Decision.ignored(r.runId(), "run " + r.runId() + " already exists");
                }
                createRun(r);
            } else if (run == null) {
                return Decision.ignored(null, "no such run");
            } else if (event instanceof Event.Tick) {
                tick();
            } else if (event instanceof Event.ClearTasks c) {
                clear(c);
            } else if (event instanceof Event.TaskEvent te) {
                if (run.state() != RunState.RUNNING) {
                    return Decision.ignored(run.runId(), "run is " + run.state().airflowName() + "; ignored "
                            + te.getClass().getSimpleName() + " for " + te.task());
                }
                String reason = onTaskEvent(te);
                if (reason != null) {
                    return Decision.ignored(run.runId(), reason);
                }
            }
            drain();
            foldCounters();
            admit();
            foldCounters();
            finishRunIfDone();
            List<TaskInstance> out = new ArrayList<>(changed.values());
            List<BreakerState> changedBreakers = new ArrayList<>();
            for (BreakerState b : breakers.values()) {
                BreakerState stored = breakersRead.get(b.name());
                changedBreakers.add(b.withVersion(stored == null ? 1 : stored.version() + 1));
            }
            boolean write = runChanged || countersMoved();
            redispatchOwnClaims();
            TaskKey commitLast = null;
            boolean small = !write && timers.isEmpty() && changedBreakers.isEmpty()
                    && poolDeltas.values().stream().allMatch(v -> v == 0);
            if (orderedWrites && eventSource != null && (small || changed.size() > LARGE_DECISION)
                    && changed.containsKey(subject) && changed.size() > 1 && onlySubjectAndItsDownstream()) {
                // Small: written as ordered single writes. Large (a fan-out wider than one DynamoDB transaction):
                // written in chunks, the completed instance, the run and the claims in the last one. Either way a
                // replay after a crash in between must recognise what already landed: the marks.
                commitLast = subject;
                out = new ArrayList<>();
                for (TaskInstance t : changed.values()) {
                    if (t.key().equals(subject)) {
                        out.add(t);
                    } else {
                        TaskInstance.Tentative own = ownMarks.get(t.key());
                        TaskInstance before = originals.get(t.key());
                        out.add(t.withTentative(own != null ? own : new TaskInstance.Tentative(eventSource,
                                before == null ? TaskState.NONE : before.state())));
                    }
                }
            }
            if (commitLast == null && fencesDownstream()) {
                out = new ArrayList<>(changed.values());
            }
            DagRun written = write ? run.withVersion(run.version() + 1) : null;
            return new Decision(written, out, dispatches, timers, notes, poolDeltas, changedBreakers, commitLast,
                    WriteContext.of(dag, readRun, written));
        }

        /**
         * A decision that ends or moves the event's try in one transaction (a failure, a retry, a timeout) also
         * rewrites the direct downstream instances it read, unchanged: an ordered success of that same try whose
         * marks land there between this decision's reads and its write then makes this write fail (it is decided
         * again, finds the mark and yields), instead of leaving behind marks of a success that never committed.
         */
        private boolean fencesDownstream() {
            if (!orderedWrites || eventSource == null || !changed.containsKey(subject)) {
                return false;
            }
            TaskInstance before = originals.get(subject);
            if (before == null || !before.state().isActive() || before.tryNumber() != subjectTry) {
                return false;
            }
            boolean touched = false;
            for (String d : dag.downstream(subject.taskId())) {
                TaskKey k = TaskKey.of(d);
                if (!changed.containsKey(k) && originals.get(k) != null) {
                    put(originals.get(k));
                    touched = true;
                }
            }
            return touched;
        }

        /**
         * Whether every changed instance is the event's own or one of its direct downstream tasks: a replay of the
         * event reads exactly those again (end() visits each), so it finds every tentative mark it left.
         */
        private boolean onlySubjectAndItsDownstream() {
            List<String> downstream = dag.downstream(subject.taskId());
            for (TaskKey k : changed.keySet()) {
                if (!k.equals(subject) && (k.mapIndex() >= 0 || !downstream.contains(k.taskId()))) {
                    return false;
                }
            }
            return true;
        }

        /**
         * An interrupted earlier attempt of this event claimed these instances, but their dispatch never happened
         * (dispatch follows the writes): dispatch them now, with the try they were claimed for.
         */
        private void redispatchOwnClaims() {
            for (Map.Entry<TaskKey, TaskInstance.Tentative> e : ownMarks.entrySet()) {
                TaskInstance t = get(e.getKey());
                if (t.state() == TaskState.QUEUED && e.getValue().before() != TaskState.QUEUED
                        && !changed.containsKey(e.getKey())) {
                    TaskSpec spec = dag.task(t.taskId());
                    dispatches.add(new Dispatch(dag.dagId(), run.runId(), t.key(), t.tryNumber(), t.maxTries(),
                            spec.retry(), t.tryNumber() < t.maxTries()
                            ? RetryDelays.nominal(spec.retry(), t.tryNumber()) : null, t.deadline(), t.itemJson()));
                }
            }
        }

        private boolean countersMoved() {
            return readRun == null || run.pending() != readRun.pending() || run.activeTasks() != readRun.activeTasks()
                    || run.waiting() != readRun.waiting() || run.failedLeaves() != readRun.failedLeaves();
        }

        // ---- state access through the overlay ----

        private TaskInstance get(TaskKey key) {
            TaskInstance t = changed.get(key);
            if (t != null) {
                return t;
            }
            if (originals.containsKey(key)) {
                return originals.get(key);
            }
            t = freshRun ? null : view.instance(key);
            if (t == null && key.mapIndex() < 0 && dag.hasTask(key.taskId()) && run != null) {
                // Instances are stored from their first change on; before that a task is "none" with no counts.
                TaskSpec spec = dag.task(key.taskId());
                t = TaskInstance.initial(run.runId(), key.taskId(), spec.maxTries(), spec.priorityWeight());
            }
            if (t != null && t.tentative() != null) {
                checkMark(t);
            }
            originals.put(key, t);
            return t;
        }

        /**
         * An item written ahead of the completion that changed it. Ours (this very event, an earlier attempt that was
         * cut off): its change is already in the item, so count it once and do not apply it again. On the event's
         * own instance: it was dispatched, so the claiming decision was written. Otherwise the source try must have
         * been written since, or this decision waits (ConcurrentUpdateException: the caller retries).
         */
        private void checkMark(TaskInstance t) {
            TaskInstance.Tentative mark = t.tentative();
            String[] src = mark.source().split("#");
            TaskKey sourceKey = new TaskKey(src[0], Integer.parseInt(src[1]));
            int sourceTry = Integer.parseInt(src[2]);
            if (mark.source().equals(eventSource)) {
                ownMarks.put(t.key(), mark);
                count(t.taskId(), mark.before(), -1);
                count(t.taskId(), t.state(), 1);
                TaskSpec spec = dag.task(t.taskId());
                int held = (t.state().isActive() ? 1 : 0) - (mark.before().isActive() ? 1 : 0);
                if (spec.pool() != null && held != 0) { // a slot the earlier attempt took with the claim
                    poolDeltas.merge(spec.pool(), held * spec.poolSlots(), Integer::sum);
                }
                if (!mark.before().isTerminal() && t.state().isTerminal() && t.state() != TaskState.REMOVED) {
                    // The earlier attempt ended this one (skipped, upstream_failed): what that did to its own
                    // downstream instances landed only where they carry our mark too. Those without it get it now.
                    for (String d : dag.downstream(t.taskId())) {
                        TaskInstance rec = get(d);
                        if (!ownMarks.containsKey(rec.key())) {
                            put(rec.withUpstream(rec.upstream().plus(t.state(), 1)));
                        }
                        toEvaluate.add(d);
                    }
                }
                return;
            }
            if (t.key().equals(subject) && subjectRan) {
                return;
            }
            if (sourceKey.equals(subject) && sourceTry == subjectTry) {
                throw new OtherOutcomeInFlight("another report of " + subject + " try " + subjectTry + " ("
                        + src[3] + ") is being written; it wins");
            }
            TaskInstance source = view.instance(sourceKey);
            if (source != null && source.state().isActive() && source.tryNumber() == sourceTry) {
                throw new dev.sluice.store.ConcurrentUpdateException("task " + t.key() + " waits for the completion of "
                        + sourceKey + " try " + sourceTry + " to be written");
            }
        }

        private TaskInstance get(String taskId) {
            return get(TaskKey.of(taskId));
        }

        /**
         * Records a changed instance. Its version is one more than the version it was read with (carried by the
         * record itself), never re-read from the view: a live view may already show someone else's write, and the
         * conditional write must fail then.
         */
        private void put(TaskInstance t) {
            TaskKey key = t.key();
            TaskInstance prev = changed.get(key);
            long version = prev != null ? prev.version() : t.version() + 1;
            TaskInstance before = prev;
            if (before == null) {
                before = originals.containsKey(key) ? originals.get(key) : get(key);
            }
            if (before != null) {
                count(before.taskId(), before.state(), -1);
            }
            count(t.taskId(), t.state(), 1);
            changed.put(key, t.withTentative(null).withVersion(version));
        }

        /** Adds (sign 1) or takes away (sign -1) an instance's contribution to the run's counters. */
        private void count(String taskId, TaskState s, int sign) {
            if (s != TaskState.NONE && !s.isTerminal()) {
                dPending += sign;
            }
            if (s.isActive()) {
                dActive += sign;
            }
            if (s == TaskState.SCHEDULED) {
                dWaiting += sign;
            }
            if (s.isFailure() && leaves.contains(taskId)) {
                dFailedLeaves += sign;
            }
        }

        /**
         * Folds the counter changes made so far into the run. The run is rewritten only if its counters end the
         * decision different from how they were read (see {@link #countersMoved}), or something else on it changed.
         */
        private void foldCounters() {
            if (dPending != 0 || dActive != 0 || dWaiting != 0 || dFailedLeaves != 0) {
                run = run.withCounters(run.pending() + dPending, run.activeTasks() + dActive,
                        run.waiting() + dWaiting, run.failedLeaves() + dFailedLeaves);
                dPending = 0;
                dActive = 0;
                dWaiting = 0;
                dFailedLeaves = 0;
            }
        }

        private BreakerState breaker(String name) {
            BreakerState b = breakers.get(name);
            if (b != null) {
                return b;
            }
            if (!breakersRead.containsKey(name)) {
                breakersRead.put(name, view.breaker(name));
            }
            b = breakersRead.get(name);
            return b != null ? b : BreakerState.closed(name);
        }

        private void putBreaker(BreakerState b) {
            breakers.put(b.name(), b);
        }

        /** Counts a finished try against its task's breaker: successes close it, failures may open it. */
        private void breakerOutcome(TaskInstance ti, boolean success) {
            dev.sluice.model.CircuitBreakerSpec cb = dag.task(ti.taskId()).circuitBreaker();
            if (cb == null) {
                return;
            }
            BreakerState b = breaker(cb.name());
            String probe = BreakerState.probeKey(run.runId(), ti.key(), ti.tryNumber());
            if (success) {
                if (b.status() != BreakerState.Status.CLOSED || b.failures() > 0) {
                    if (b.status() != BreakerState.Status.HALF_OPEN || probe.equals(b.probe())) {
                        putBreaker(b.with(BreakerState.Status.CLOSED, 0, null, null));
                    }
                }
            } else if (b.status() == BreakerState.Status.HALF_OPEN) {
                if (probe.equals(b.probe())) {
                    putBreaker(b.with(BreakerState.Status.OPEN, b.failures() + 1, now, null));
                }
            } else if (b.status() == BreakerState.Status.CLOSED) {
                int failures = b.failures() + 1;
                putBreaker(failures >= cb.failureThreshold()
                        ? b.with(BreakerState.Status.OPEN, failures, now, null)
                        : b.with(BreakerState.Status.CLOSED, failures, null, null));
            }
        }

        /**
         * Whether a try of {@code ti} may start now under its breaker; takes the half-open probe slot when it is the
         * one. When not, the instance is deferred (no try used) with a timer for when to look again.
         */
        private boolean breakerAdmits(TaskInstance ti, TaskSpec spec) {
            dev.sluice.model.CircuitBreakerSpec cb = spec.circuitBreaker();
            if (cb == null) {
                return true;
            }
            BreakerState b = breaker(cb.name());
            Instant retryAt;
            switch (b.status()) {
                case CLOSED -> {
                    return true;
                }
                case OPEN -> {
                    Instant reopen = b.openedAt().plus(cb.recoveryTimeout());
                    if (!now.isBefore(reopen)) {
                        putBreaker(b.with(BreakerState.Status.HALF_OPEN, b.failures(), b.openedAt(),
                                BreakerState.probeKey(run.runId(), ti.key(), ti.tryNumber() + 1)));
                        return true;
                    }
                    retryAt = reopen;
                }
                default -> {
                    if (BreakerState.probeKey(run.runId(), ti.key(), ti.tryNumber() + 1).equals(b.probe())) {
                        return true; // the probe itself, dispatched again after it was cut off
                    }
                    retryAt = now.plus(cb.recoveryTimeout());
                }
            }
            put(ti.withState(TaskState.UP_FOR_RESCHEDULE).withResult(null, "circuit breaker " + cb.name() + " is "
                    + b.status().airflowName() + "; next check at " + retryAt).withNextAttemptAt(retryAt));
            timers.add(new Timer(run.runId(), ti.key(), ti.tryNumber(), retryAt, Timer.Kind.RESCHEDULE));
            return false;
        }

        private void setRun(DagRun r) {
            run = r;
            runChanged = true;
        }

        // ---- run lifecycle ----

        private void createRun(Event.RunRequested r) {
            boolean canStart = view.runningRunsOfDag() < dag.maxActiveRuns();
            run = new DagRun(dag.dagId(), r.runId(), r.type(), r.logicalDate(), r.dataIntervalStart(),
                    r.dataIntervalEnd(), RunState.QUEUED, r.confJson(), r.dagVersion(), now, null, null,
                    0, 0, 0, 0, 0);
            runChanged = true;
            // Instances are stored from their first change on (see get): a new run writes only what starts.
            freshRun = true;
            if (canStart) {
                startRun();
            }
        }

        private void startRun() {
            setRun(run.withState(RunState.RUNNING).withTimes(now, null));
            Instant slaBase = run.dataIntervalEnd() != null ? run.dataIntervalEnd() : now;
            for (TaskSpec t : dag.tasks()) {
                if (t.upstream().isEmpty() || t.triggerRule() == dev.sluice.model.TriggerRule.ALWAYS) {
                    toEvaluate.add(t.taskId());
                }
                if (t.sla() != null) {
                    timers.add(new Timer(run.runId(), TaskKey.of(t.taskId()), 0, slaBase.plus(t.sla()),
                            Timer.Kind.SLA));
                }
            }
        }

        private void tick() {
            if (run.state() == RunState.QUEUED && view.runningRunsOfDag() < dag.maxActiveRuns()) {
                startRun();
            }
        }

        private void finishRunIfDone() {
            if (run.state() == RunState.RUNNING && run.pending() == 0) {
                RunState end = run.failedLeaves() > 0 ? RunState.FAILED : RunState.SUCCESS;
                setRun(run.withState(end).withTimes(run.startedAt(), now));
                notes.add(new Notification.RunFinished(dag.dagId(), run.runId(), end));
            }
        }

        // ---- task events ----

        /** Returns a reason when the event changes nothing. */
        private String onTaskEvent(Event.TaskEvent e) {
            if (orderedWrites && !(e instanceof Event.TimerFired)) {
                // Downstream first, the event's own instance after: if that one is still at the reported try now,
                // no decision had committed this try when the downstream items were read, so what they show of it
                // is either nothing or a mark of its own (never a committed change overwritten by a later mark,
                // which a late duplicate would count a second time).
                List<String> downstream = dag.downstream(e.task().taskId());
                if (!freshRun && downstream.size() > 1) {
                    view.prefetch(downstream.stream().map(TaskKey::of).toList());
                }
                for (String d : downstream) {
                    get(d);
                }
            }
            TaskInstance ti = get(e.task());
            if (ti == null || !dag.hasTask(e.task().taskId())) {
                return "unknown task instance " + e.task();
            }
            if (e instanceof Event.TimerFired f) {
                return onTimer(f, ti);
            }
            if (!ti.state().isActive() || ti.tryNumber() != e.tryNumber()) {
                return stale(e, ti);
            }
            release(ti);
            if (e instanceof Event.TaskSucceeded s) {
                succeed(ti, s.outputJson());
            } else if (e instanceof Event.BranchChosen b) {
                succeed(ti, Json.write(b.chosen()));
            } else if (e instanceof Event.TaskFailed f) {
                fail(ti, f.error(), f.retryable());
            } else if (e instanceof Event.TaskTimedOut t) {
                fail(ti, "timed out" + (t.reason() == null ? "" : ": " + t.reason()), true);
            } else if (e instanceof Event.TaskSkipped s) {
                end(ti.withState(TaskState.SKIPPED).withResult(null, s.reason()));
            } else if (e instanceof Event.TaskRescheduled r) {
                reschedule(ti, r);
            } else {
                throw new IllegalStateException("unhandled task event " + e);
            }
            return null;
        }

        private String stale(Event.TaskEvent e, TaskInstance ti) {
            return e.getClass().getSimpleName() + " for " + e.task() + " try " + e.tryNumber()
                    + " ignored: instance is " + ti.state().airflowName() + " at try " + ti.tryNumber();
        }

        private String onTimer(Event.TimerFired f, TaskInstance ti) {
            switch (f.kind()) {
                case RETRY, RESCHEDULE -> {
                    TaskState waiting = f.kind() == Timer.Kind.RETRY ? TaskState.UP_FOR_RETRY
                            : TaskState.UP_FOR_RESCHEDULE;
                    if (ti.state() != waiting || ti.tryNumber() != f.tryNumber()) {
                        return stale(f, ti);
                    }
                    put(ti.withState(TaskState.SCHEDULED).withNextAttemptAt(null));
                    return null;
                }
                case SLA -> {
                    if (!slaMet(ti)) {
                        notes.add(new Notification.SlaMissed(run.runId(), ti.key()));
                    }
                    return null;
                }
            }
            return null;
        }

        private boolean slaMet(TaskInstance ti) {
            if (ti.state() == TaskState.REMOVED && ti.mapIndex() < 0) {
                for (int i = 0; i < ti.mapCount(); i++) {
                    TaskInstance c = get(new TaskKey(ti.taskId(), i));
                    if (c == null || !(c.state() == TaskState.SUCCESS || c.state() == TaskState.SKIPPED)) {
                        return false;
                    }
                }
                return true;
            }
            return ti.state() == TaskState.SUCCESS || ti.state() == TaskState.SKIPPED;
        }

        /** Gives back the run slot and pool slots an active instance held. */
        private void release(TaskInstance ti) {
            TaskSpec spec = dag.task(ti.taskId());
            if (spec.pool() != null) {
                poolDeltas.merge(spec.pool(), -spec.poolSlots(), Integer::sum);
                notes.add(new Notification.PoolSlotsFreed(run.runId(), spec.pool()));
            }
        }

        private void succeed(TaskInstance ti, String outputJson) {
            TaskSpec spec = dag.task(ti.taskId());
            breakerOutcome(ti, true);
            if (spec.branch()) {
                List<String> chosen;
                try {
                    chosen = branchChoice(ti.taskId(), outputJson);
                } catch (IllegalArgumentException bad) {
                    fail(ti.withResult(outputJson, null), bad.getMessage(), false);
                    return;
                }
                end(ti.withState(TaskState.SUCCESS).withResult(outputJson, null));
                Set<String> follow = new HashSet<>(chosen);
                for (String d : dag.downstream(ti.taskId())) {
                    TaskInstance rec = get(d);
                    if (!follow.contains(d) && (rec.state() == TaskState.NONE || rec.state() == TaskState.SCHEDULED)) {
                        end(rec.withState(TaskState.SKIPPED).withResult(null, "branch " + ti.taskId()
                                + " chose " + String.join(",", chosen)));
                    }
                }
            } else {
                end(ti.withState(TaskState.SUCCESS).withResult(outputJson, null));
            }
            if (spec.callbacks().onSuccess() != null) {
                notes.add(new Notification.TaskSucceededNote(run.runId(), ti.key(), ti.tryNumber()));
            }
        }

        /** Parses a branch output ("a,b", ["a","b"], a group id, or null for none) and checks it is downstream. */
        private List<String> branchChoice(String taskId, String outputJson) {
            JsonNode out = outputJson == null ? null : Json.read(outputJson);
            List<String> raw = new ArrayList<>();
            if (out == null || out.isNull()) {
                return List.of();
            } else if (out.isTextual()) {
                raw.addAll(Arrays.asList(out.asText().split(",")));
            } else if (out.isArray()) {
                for (JsonNode n : out) {
                    if (!n.isTextual()) {
                        throw new IllegalArgumentException("branch output must list task ids as strings, got "
                                + outputJson);
                    }
                    raw.add(n.asText());
                }
            } else {
                throw new IllegalArgumentException("branch output must be task ids (\"a,b\" or [\"a\",\"b\"]), got "
                        + outputJson);
            }
            List<String> downstream = dag.downstream(taskId);
            LinkedHashSet<String> chosen = new LinkedHashSet<>();
            for (String r : raw) {
                String id = r.trim();
                if (id.isEmpty()) {
                    continue;
                }
                List<String> ids = dag.group(id).map(TaskGroup::roots).orElse(List.of(id));
                for (String one : ids) {
                    if (!downstream.contains(one)) {
                        throw new IllegalArgumentException("branch " + taskId + " chose '" + one
                                + "', which is not directly downstream of it (downstream: "
                                + String.join(", ", downstream) + ")");
                    }
                    chosen.add(one);
                }
            }
            return List.copyOf(chosen);
        }

        private void fail(TaskInstance ti, String error, boolean retryable) {
            TaskSpec spec = dag.task(ti.taskId());
            breakerOutcome(ti, false);
            if (retryable && ti.tryNumber() < ti.maxTries()) {
                Instant next = now.plus(RetryDelays.delay(spec.retry(), ti.tryNumber(), random));
                put(ti.withState(TaskState.UP_FOR_RETRY).withResult(null, error).withNextAttemptAt(next)
                        .withTimes(ti.queuedAt(), ti.startedAt(), now).withDeadline(null));
                timers.add(new Timer(run.runId(), ti.key(), ti.tryNumber(), next, Timer.Kind.RETRY));
                notes.add(new Notification.TaskRetrying(run.runId(), ti.key(), ti.tryNumber(), ti.maxTries(), error,
                        next));
            } else {
                end(ti.withState(TaskState.FAILED).withResult(ti.outputJson(), error));
                notes.add(new Notification.TaskFailedFinal(run.runId(), ti.key(), ti.tryNumber(), ti.maxTries(),
                        error));
            }
        }

        private void reschedule(TaskInstance ti, Event.TaskRescheduled r) {
            Instant until = r.until() == null || r.until().isBefore(now) ? now : r.until();
            int keep = ti.tryNumber() - 1;
            put(ti.withState(TaskState.UP_FOR_RESCHEDULE).withTry(keep).withResult(null, r.reason())
                    .withNextAttemptAt(until).withDeadline(null));
            timers.add(new Timer(run.runId(), ti.key(), keep, until, Timer.Kind.RESCHEDULE));
        }

        /** Stores an instance that just reached a terminal state and tells its downstream tasks. */
        private void end(TaskInstance done) {
            if (done.endedAt() == null) {
                done = done.withTimes(done.queuedAt(), done.startedAt(), now);
            }
            done = done.withDeadline(null).withNextAttemptAt(null);
            put(done);
            TaskState s = done.state();
            if (s == TaskState.REMOVED) {
                return;
            }
            for (String d : dag.downstream(done.taskId())) {
                TaskInstance rec = get(d);
                if (!ownMarks.containsKey(rec.key())) {
                    put(rec.withUpstream(rec.upstream().plus(s, 1)));
                }
                toEvaluate.add(d);
            }
        }

        // ---- readiness ----

        private void drain() {
            while (!toEvaluate.isEmpty()) {
                evaluate(toEvaluate.poll());
            }
        }

        private void evaluate(String taskId) {
            TaskInstance rec = get(taskId);
            if (rec == null || rec.state() != TaskState.NONE) {
                return;
            }
            TaskSpec spec = dag.task(taskId);
            switch (TriggerRules.evaluate(spec.triggerRule(), rec.upstream(), expectedUpstreams(taskId))) {
                case WAIT -> {
                }
                case RUN -> {
                    if (spec.isMapped()) {
                        expand(rec, spec);
                    } else {
                        put(rec.withState(TaskState.SCHEDULED));
                    }
                }
                case SKIP -> end(rec.withState(TaskState.SKIPPED));
                case UPSTREAM_FAILED -> end(rec.withState(TaskState.UPSTREAM_FAILED));
            }
        }

        /** Upstream instances to wait for, or -1 while a mapped upstream is not yet expanded. */
        private int expectedUpstreams(String taskId) {
            int total = dag.unmappedUpstreamCount(taskId);
            for (String m : dag.mappedUpstreams(taskId)) {
                TaskInstance p = get(m);
                if (p.state() == TaskState.REMOVED) {
                    total += p.mapCount();
                } else if (p.state().isTerminal()) {
                    total += 1;
                } else {
                    return -1;
                }
            }
            return total;
        }

        private void expand(TaskInstance placeholder, TaskSpec spec) {
            List<String> items;
            try {
                items = mapItems(spec);
            } catch (IllegalArgumentException bad) {
                end(placeholder.withState(TaskState.FAILED).withResult(null, bad.getMessage()));
                notes.add(new Notification.TaskFailedFinal(run.runId(), placeholder.key(), 0,
                        placeholder.maxTries(), bad.getMessage()));
                return;
            }
            if (items.isEmpty()) {
                end(placeholder.withState(TaskState.SKIPPED).withResult(null, "nothing to map over"));
                return;
            }
            end(placeholder.withState(TaskState.REMOVED).withMapCount(items.size()));
            for (int i = 0; i < items.size(); i++) {
                TaskInstance existing = get(new TaskKey(placeholder.taskId(), i)); // left by an earlier expansion
                TaskInstance child = TaskInstance.mappedInstance(placeholder, i, items.get(i))
                        .withVersion(existing == null ? 0 : existing.version());
                put(child.withState(TaskState.SCHEDULED));
            }
        }

        private List<String> mapItems(TaskSpec spec) {
            List<String> items = new ArrayList<>();
            if (spec.expand() != null) {
                for (Object o : spec.expand()) {
                    items.add(Json.write(o));
                }
            } else {
                String from = spec.expandFrom();
                TaskInstance up = get(from);
                if (dag.task(from).isMapped() && up.state() == TaskState.REMOVED) {
                    for (int i = 0; i < up.mapCount(); i++) {
                        TaskInstance c = get(new TaskKey(from, i));
                        String out = c.outputJson() == null ? null : view.loadOutput(c.outputJson());
                        items.add(out == null ? "null" : out);
                    }
                } else {
                    String outJson = up.outputJson() == null ? null : view.loadOutput(up.outputJson());
                    JsonNode out = outJson == null ? null : Json.read(outJson);
                    if (out == null || !out.isArray()) {
                        throw new IllegalArgumentException("expand_from " + from + ": its output must be a JSON array, got "
                                + (outJson == null ? "no output" : abbreviate(outJson)));
                    }
                    if (out.size() > MAX_MAP_ITEMS) {
                        throw new IllegalArgumentException("expand_from " + from + ": " + out.size()
                                + " items is more than the limit of " + MAX_MAP_ITEMS);
                    }
                    for (JsonNode n : out) {
                        items.add(Json.write(n));
                    }
                }
            }
            if (items.size() > MAX_MAP_ITEMS) {
                throw new IllegalArgumentException(spec.taskId() + ": " + items.size()
                        + " items is more than the limit of " + MAX_MAP_ITEMS);
            }
            return items;
        }

        // ---- admission: limits and pools ----

        private void admit() {
            if (run.state() != RunState.RUNNING) {
                return;
            }
            int capacity = dag.maxActiveTasks() - run.activeTasks() - dActive;
            if (capacity <= 0) {
                return;
            }
            boolean capped = capacity > maxDispatchesPerDecision;
            capacity = Math.min(capacity, maxDispatchesPerDecision);
            List<TaskInstance> claim = new ArrayList<>();
            Map<String, Integer> taking = new HashMap<>();
            int blocked = 0;
            Iterator<TaskInstance> it = scheduled();
            while (it.hasNext() && capacity > 0 && blocked < MAX_BLOCKED_SCAN) {
                TaskInstance ti = it.next();
                TaskSpec spec = dag.task(ti.taskId());
                if (spec.pool() != null) {
                    int used = view.poolUsed(spec.pool()) + poolDeltas.getOrDefault(spec.pool(), 0)
                            + taking.getOrDefault(spec.pool(), 0);
                    if (dag.poolSize(spec.pool()) - used < spec.poolSlots()) {
                        blocked++;
                        continue;
                    }
                    taking.merge(spec.pool(), spec.poolSlots(), Integer::sum);
                }
                claim.add(ti);
                capacity--;
            }
            for (TaskInstance ti : claim) {
                if (breakerAdmits(ti, dag.task(ti.taskId()))) {
                    dispatch(ti);
                }
            }
            if (capped && capacity == 0 && it.hasNext()) {
                notes.add(new Notification.MoreReady(run.runId()));
            }
        }

        private void dispatch(TaskInstance ti) {
            TaskSpec spec = dag.task(ti.taskId());
            int tryNumber = ti.tryNumber() + 1;
            Instant deadline = spec.executionTimeout() == null ? null : now.plus(spec.executionTimeout());
            put(ti.withState(TaskState.QUEUED).withTry(tryNumber).withResult(null, null).withTimes(now, null, null)
                    .withDeadline(deadline));
            if (spec.pool() != null) {
                poolDeltas.merge(spec.pool(), spec.poolSlots(), Integer::sum);
            }
            dispatches.add(new Dispatch(dag.dagId(), run.runId(), ti.key(), tryNumber, ti.maxTries(), spec.retry(),
                    tryNumber < ti.maxTries() ? RetryDelays.nominal(spec.retry(), tryNumber) : null, deadline,
                    ti.itemJson()));
        }

        /** Waiting instances in admission order: the stored ones merged with those made ready in this decision. */
        private Iterator<TaskInstance> scheduled() {
            List<TaskInstance> fresh = new ArrayList<>();
            for (TaskInstance t : changed.values()) {
                if (t.state() == TaskState.SCHEDULED) {
                    fresh.add(t);
                }
            }
            fresh.sort(admissionOrder);
            // Only instances that were waiting when the decision began can be in the stored list.
            Iterator<TaskInstance> stored = readRun != null && readRun.waiting() > 0
                    ? view.scheduledInPriorityOrder() : java.util.Collections.emptyIterator();
            return new Iterator<>() {
                private int i;
                private TaskInstance nextStored = advance();

                private TaskInstance advance() {
                    while (stored.hasNext()) {
                        TaskInstance s = stored.next();
                        if (!changed.containsKey(s.key())) {
                            if (s.tentative() != null && !originals.containsKey(s.key())) {
                                checkMark(s);
                            }
                            originals.putIfAbsent(s.key(), s);
                            return s;
                        }
                    }
                    return null;
                }

                @Override
                public boolean hasNext() {
                    return i < fresh.size() || nextStored != null;
                }

                @Override
                public TaskInstance next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    if (nextStored == null || (i < fresh.size()
                            && admissionOrder.compare(fresh.get(i), nextStored) <= 0)) {
                        return fresh.get(i++);
                    }
                    TaskInstance s = nextStored;
                    nextStored = advance();
                    return s;
                }
            };
        }

        // ---- clearing ----

        private void clear(Event.ClearTasks c) {
            LinkedHashSet<String> targets = new LinkedHashSet<>();
            for (String id : c.taskIds()) {
                if (dag.hasTask(id)) {
                    targets.add(id);
                } else {
                    dag.group(id).ifPresent(g -> targets.addAll(g.members()));
                }
            }
            if (c.downstream()) {
                ArrayDeque<String> queue = new ArrayDeque<>(targets);
                while (!queue.isEmpty()) {
                    for (String d : dag.downstream(queue.poll())) {
                        if (targets.add(d)) {
                            queue.add(d);
                        }
                    }
                }
            }
            if (targets.isEmpty()) {
                return;
            }
            if (run.state().isTerminal()) {
                setRun(run.withState(RunState.RUNNING).withTimes(run.startedAt(), null));
            }
            List<String> ordered = new ArrayList<>(targets);
            ordered.sort(Comparator.comparingInt(dag::position));
            for (String id : ordered) {
                TaskInstance placeholder = get(id);
                if (placeholder.state() == TaskState.REMOVED) {
                    for (int i = 0; i < placeholder.mapCount(); i++) {
                        TaskInstance child = get(new TaskKey(id, i));
                        if (child != null && child.state() != TaskState.REMOVED) {
                            TaskInstance reset = reset(child);
                            put(reset.withState(TaskState.REMOVED));
                        }
                    }
                }
                put(reset(placeholder).withMapCount(-1));
                toEvaluate.add(id);
            }
        }

        /** Back to NONE, keeping the try count so new tries get new numbers; takes back the old outcome. */
        private TaskInstance reset(TaskInstance ti) {
            TaskState old = ti.state();
            if (old.isActive()) {
                release(ti);
            }
            if (old.isTerminal() && old != TaskState.REMOVED) {
                for (String d : dag.downstream(ti.taskId())) {
                    TaskInstance rec = get(d);
                    put(rec.withUpstream(rec.upstream().plus(old, -1)));
                }
            }
            TaskSpec spec = dag.task(ti.taskId());
            TaskInstance fresh = get(ti.key());
            return new TaskInstance(fresh.runId(), fresh.taskId(), fresh.mapIndex(), old.transitionTo(TaskState.NONE),
                    fresh.tryNumber(), fresh.tryNumber() + spec.maxTries(), fresh.priority(), fresh.upstream(),
                    fresh.mapCount(), fresh.itemJson(), null, null, null, null, null, null, null, fresh.version());
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
