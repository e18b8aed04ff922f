package dev.sluice.engine;

import dev.sluice.model.Dag;
import dev.sluice.model.TaskSpec;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Admission: which waiting (scheduled) instances start now. It walks them in {@link Engine#admissionOrder} within
 * max_active_tasks, the decision's dispatch bound and pool sizes, lets the circuit breakers veto, and claims each
 * admitted instance (scheduled -> queued for its next try) with a {@link Dispatch}.
 */
final class Admission {
    /** Waiting instances skipped because their pool is full, before admission gives up for this event. */
    static final int MAX_BLOCKED_SCAN = 64;

    private Admission() {
    }

    static void admit(Working w) {
        if (w.run.state() != RunState.RUNNING) {
            return;
        }
        Dag dag = w.dag;
        int capacity = dag.maxActiveTasks() - w.run.activeTasks() - w.dActive;
        if (capacity <= 0) {
            return;
        }
        int maxDispatches = w.engine.options().maxDispatchesPerDecision();
        boolean capped = capacity > maxDispatches;
        capacity = Math.min(capacity, maxDispatches);
        List<TaskInstance> claim = new ArrayList<>();
        Map<String, Integer> taking = new HashMap<>();
        int blocked = 0;
        Iterator<TaskInstance> it = scheduled(w);
        while (it.hasNext() && capacity > 0 && blocked < MAX_BLOCKED_SCAN) {
            TaskInstance ti = it.next();
            TaskSpec spec = dag.task(ti.taskId());
            if (spec.past().any() && PastGate.blocks(w, ti, spec)) {
                blocked++;
                continue;
            }
            if (spec.pool() != null) {
                PoolBound bound = w.poolBound(spec.pool());
                int used = w.view.poolUsed(spec.pool()) + w.poolDeltas.getOrDefault(spec.pool(), 0)
                        + taking.getOrDefault(spec.pool(), 0);
                if (!bound.isUnbounded() && bound.size() - used < spec.poolSlots()) {
                    blocked++;
                    continue;
                }
                taking.merge(spec.pool(), spec.poolSlots(), Integer::sum);
            }
            claim.add(ti);
            capacity--;
        }
        for (TaskInstance ti : claim) {
            if (w.breakers.admits(ti, dag.task(ti.taskId()))) {
                dispatch(w, ti);
            }
        }
        if (capped && capacity == 0 && it.hasNext()) {
            w.notes.add(new Notification.MoreReady(w.run.runId()));
        }
    }

    /** Claims the next try of {@code ti}: queued, a pool slot taken, and dispatched once the decision is written. */
    private static void dispatch(Working w, TaskInstance ti) {
        TaskSpec spec = w.dag.task(ti.taskId());
        int tryNumber = ti.tryNumber() + 1;
        Instant deadline = spec.executionTimeout() == null ? null : w.now.plus(spec.executionTimeout());
        w.put(ti.withState(TaskState.QUEUED).withTry(tryNumber).withResult(null, null).withTimes(w.now, null, null)
                .withDeadline(deadline));
        if (spec.pool() != null) {
            w.poolDeltas.merge(spec.pool(), spec.poolSlots(), Integer::sum);
        }
        w.dispatches.add(dispatchOf(w, ti, tryNumber, deadline));
    }

    /** The dispatch of try {@code tryNumber} of {@code t}, with its retry metadata. */
    static Dispatch dispatchOf(Working w, TaskInstance t, int tryNumber, Instant deadline) {
        TaskSpec spec = w.dag.task(t.taskId());
        return new Dispatch(w.dag.dagId(), w.run.runId(), t.key(), tryNumber, t.maxTries(), spec.retry(),
                tryNumber < t.maxTries() ? RetryDelays.nominal(spec.retry(), tryNumber) : null, deadline,
                t.itemJson());
    }

    /** Waiting instances in admission order: the stored ones merged with those made ready in this decision. */
    private static Iterator<TaskInstance> scheduled(Working w) {
        Comparator<TaskInstance> order = w.engine.admissionOrder();
        List<TaskInstance> fresh = new ArrayList<>();
        for (TaskInstance t : w.changed.values()) {
            if (t.state() == TaskState.SCHEDULED) {
                fresh.add(t);
            }
        }
        fresh.sort(order);
        // Only instances that were waiting when the decision began can be in the stored list.
        Iterator<TaskInstance> stored = w.readRun != null && w.readRun.waiting() > 0
                ? w.view.scheduledInPriorityOrder() : Collections.emptyIterator();
        return new Iterator<>() {
            private int i;
            private TaskInstance nextStored = advance();

            private TaskInstance advance() {
                while (stored.hasNext()) {
                    TaskInstance s = stored.next();
                    if (!w.changed.containsKey(s.key())) {
                        w.adoptListed(s);
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
                if (nextStored == null || (i < fresh.size() && order.compare(fresh.get(i), nextStored) <= 0)) {
                    return fresh.get(i++);
                }
                TaskInstance s = nextStored;
                nextStored = advance();
                return s;
            }
        };
    }
}
