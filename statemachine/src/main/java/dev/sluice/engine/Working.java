package dev.sluice.engine;

import dev.sluice.model.Dag;
import dev.sluice.model.TaskSpec;
import dev.sluice.state.TaskState;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The mutable working state of one decision, thrown away afterwards: an overlay of changed instances over the view,
 * the run's counter deltas, and what the decision will do (dispatches, timers, notifications, pool deltas).
 * {@link #toDecision()} turns it into the {@link Decision}.
 */
final class Working {
    final Engine engine;
    final Dag dag;
    final RunView view;
    final Instant now;
    final RandomGenerator random;
    DagRun run;
    /** The run as read: whether any instance was waiting when this decision began. */
    final DagRun readRun;
    private boolean runChanged;
    /** A run created by this decision has nothing stored yet: no need to read its instances. */
    boolean freshRun;
    final Map<TaskKey, TaskInstance> changed = new LinkedHashMap<>();
    /** Each instance as first read from the view (null: not stored), so counter deltas start from it. */
    final Map<TaskKey, TaskInstance> originals = new HashMap<>();
    /** Changes to the run's counters not yet folded into {@link #run}: pending, active, waiting, failed leaves. */
    private int dPending;
    int dActive;
    private int dWaiting;
    private int dFailedLeaves;
    final List<Dispatch> dispatches = new ArrayList<>();
    final List<Timer> timers = new ArrayList<>();
    final List<Notification> notes = new ArrayList<>();
    /** Effects to record, by key: one per key even when two parts of a decision ask for it. */
    final Map<String, Effect> effects = new LinkedHashMap<>();
    final Map<String, Integer> poolDeltas = new HashMap<>();
    /** The bound each pool admission looked at is admitted within, as the decision read it. */
    final Map<String, PoolBound> poolBounds = new HashMap<>();
    /** Tasks whose trigger rule is to be evaluated (see {@link Readiness#drain}). */
    final ArrayDeque<String> toEvaluate = new ArrayDeque<>();
    final Breakers breakers;
    final OrderedWrites marks;

    Working(Engine engine, RunView view, Instant now, RandomGenerator random, Event event) {
        this.engine = engine;
        this.dag = engine.dag();
        this.view = view;
        this.now = now;
        this.random = random;
        this.run = view.run();
        this.readRun = run;
        this.breakers = new Breakers(this);
        this.marks = new OrderedWrites(this, event);
    }

    /** The instance as this decision sees it: changed here, else as first read, else read from the view now. */
    TaskInstance get(TaskKey key) {
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
            marks.check(t);
        }
        originals.put(key, t);
        return t;
    }

    TaskInstance get(String taskId) {
        return get(TaskKey.of(taskId));
    }

    /** Takes in an instance listed by the view (not read through {@link #get}), unless this decision has it. */
    void adoptListed(TaskInstance s) {
        if (s.tentative() != null && !originals.containsKey(s.key())) {
            marks.check(s);
        }
        originals.putIfAbsent(s.key(), s);
    }

    /**
     * Records a changed instance. Its version is one more than the version it was read with (carried by the
     * record itself), never re-read from the view: a live view may already show someone else's write, and the
     * conditional write must fail then.
     */
    void put(TaskInstance t) {
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
    void count(String taskId, TaskState s, int sign) {
        if (s != TaskState.NONE && !s.isTerminal()) {
            dPending += sign;
        }
        if (s.isActive()) {
            dActive += sign;
        }
        if (s == TaskState.SCHEDULED) {
            dWaiting += sign;
        }
        if (s.isFailure() && engine.isLeaf(taskId)) {
            dFailedLeaves += sign;
        }
    }

    /**
     * Folds the counter changes made so far into the run. The run is rewritten only if its counters end the
     * decision different from how they were read (see {@link #countersMoved}), or something else on it changed.
     */
    void foldCounters() {
        if (dPending != 0 || dActive != 0 || dWaiting != 0 || dFailedLeaves != 0) {
            run = run.withCounters(run.pending() + dPending, run.activeTasks() + dActive,
                    run.waiting() + dWaiting, run.failedLeaves() + dFailedLeaves);
            dPending = 0;
            dActive = 0;
            dWaiting = 0;
            dFailedLeaves = 0;
        }
    }

    private boolean countersMoved() {
        return readRun == null || run.pending() != readRun.pending() || run.activeTasks() != readRun.activeTasks()
                || run.waiting() != readRun.waiting() || run.failedLeaves() != readRun.failedLeaves();
    }

    /** The size {@code pool} admits within, read once per decision; a conflicting declaration is reported once. */
    PoolBound poolBound(String pool) {
        PoolBound known = poolBounds.get(pool);
        if (known != null) {
            return known;
        }
        PoolBound b = PoolBound.of(view.pool(pool), dag, pool);
        if (b.conflictsWith(dag, pool)) {
            notes.add(new Notification.PoolSizeConflict(run.runId(), pool, dag.pools().get(pool), b.size(),
                    b.isSet() ? "set with sluice pools set" : "declared by DAG " + b.declaredBy()));
        }
        poolBounds.put(pool, b);
        return b;
    }

    /** Replaces the run with a changed one (state or times), which the decision then writes. */
    void setRun(DagRun r) {
        run = r;
        runChanged = true;
    }

    /** The decision: what this working state writes and does. The one place a {@link Decision} is built from it. */
    Decision toDecision() {
        List<BreakerState> changedBreakers = breakers.changed();
        boolean write = runChanged || countersMoved();
        marks.redispatchOwnClaims();
        boolean small = !write && timers.isEmpty() && changedBreakers.isEmpty() && effects.isEmpty()
                && poolDeltas.values().stream().allMatch(v -> v == 0);
        TaskKey commitLast = marks.commitLast(small);
        List<TaskInstance> out = commitLast != null ? marks.markedForOrderedWrite() : marks.fencedInstances();
        DagRun written = write ? run.withVersion(run.version() + 1) : null;
        return new Decision(written, out, dispatches, timers, notes, poolDeltas, changedBreakers, commitLast,
                WriteContext.of(dag, readRun, written).withPools(poolBounds), List.copyOf(effects.values()));
    }
}
