package dev.sluice.engine;

import dev.sluice.model.Dag;
import dev.sluice.model.TaskSpec;
import dev.sluice.state.TaskState;
import dev.sluice.store.ConcurrentUpdateException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ordered-write protocol of one decision (see {@link Decision#commitLast()}): a completion whose decision may be
 * written as several writes marks every item but its own with a {@link TaskInstance.Tentative} naming itself, and
 * its own item is written last. Here: reading the downstream items first, recognising marks (this event's own, left
 * by an interrupted attempt, or another's still uncommitted), choosing the commit-last instance, and fencing.
 */
final class OrderedWrites {
    private final Working w;
    private final Dag dag;
    private final boolean enabled;
    /** The event's instance and try, and the source its marks carry; source null if the event has none. */
    private TaskKey subject;
    private int subjectTry;
    private boolean subjectRan;
    private MarkSource eventSource;
    /** Instances that already carry this event's tentative mark: written by an earlier, interrupted attempt. */
    private final Map<TaskKey, TaskInstance.Tentative> ownMarks = new LinkedHashMap<>();

    OrderedWrites(Working w, Event event) {
        this.w = w;
        this.dag = w.dag;
        this.enabled = w.engine.options().orderedWrites();
        if (event instanceof Event.TaskEvent te && !(event instanceof Event.TimerFired)) {
            subject = te.task();
            subjectTry = te.tryNumber();
            // Every report but a timeout comes from the try's own runtime: it was dispatched.
            subjectRan = !(event instanceof Event.TaskTimedOut);
            eventSource = MarkSource.of(te);
        }
    }

    /** Thrown when an outcome of the event's own try is already half-written by another kind of report. */
    static final class OtherOutcomeInFlight extends RuntimeException {
        OtherOutcomeInFlight(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Downstream first, the event's own instance after: if that one is still at the reported try now, no decision
     * had committed this try when the downstream items were read, so what they show of it is either nothing or a
     * mark of its own (never a committed change overwritten by a later mark, which a late duplicate would count a
     * second time).
     */
    void readDownstreamFirst(Event.TaskEvent e) {
        if (!enabled || e instanceof Event.TimerFired) {
            return;
        }
        List<String> downstream = dag.downstream(e.task().taskId());
        if (!w.freshRun && downstream.size() > 1) {
            w.view.prefetch(downstream.stream().map(TaskKey::of).toList());
        }
        for (String d : downstream) {
            w.get(d);
        }
    }

    /** Whether {@code key} carries this event's own mark (its change already landed). */
    boolean isOwn(TaskKey key) {
        return ownMarks.containsKey(key);
    }

    /**
     * An item written ahead of the completion that changed it. Ours (this very event, an earlier attempt that was
     * cut off): its change is already in the item, so count it once and do not apply it again. On the event's
     * own instance: it was dispatched, so the claiming decision was written. Otherwise the source try must have
     * been written since, or this decision waits (ConcurrentUpdateException: the caller retries).
     */
    void check(TaskInstance t) {
        TaskInstance.Tentative mark = t.tentative();
        MarkSource source = mark.source();
        if (source.equals(eventSource)) {
            adoptOwn(t, mark);
            return;
        }
        if (t.key().equals(subject) && subjectRan) {
            return;
        }
        if (source.task().equals(subject) && source.tryNumber() == subjectTry) {
            throw new OtherOutcomeInFlight("another report of " + subject + " try " + subjectTry + " ("
                    + source.eventKind() + ") is being written; it wins");
        }
        TaskInstance sourceNow = w.view.instance(source.task());
        if (sourceNow != null && sourceNow.state().isActive() && sourceNow.tryNumber() == source.tryNumber()) {
            throw new ConcurrentUpdateException("task " + t.key() + " waits for the completion of "
                    + source.task() + " try " + source.tryNumber() + " to be written");
        }
    }

    private void adoptOwn(TaskInstance t, TaskInstance.Tentative mark) {
        ownMarks.put(t.key(), mark);
        w.count(t.taskId(), mark.before(), -1);
        w.count(t.taskId(), t.state(), 1);
        TaskSpec spec = dag.task(t.taskId());
        int held = (t.state().isActive() ? 1 : 0) - (mark.before().isActive() ? 1 : 0);
        if (spec.pool() != null && held != 0) { // a slot the earlier attempt took with the claim
            w.poolDeltas.merge(spec.pool(), held * spec.poolSlots(), Integer::sum);
        }
        if (!mark.before().isTerminal() && t.state().isTerminal() && t.state() != TaskState.REMOVED) {
            // The earlier attempt ended this one (skipped, upstream_failed): what that did to its own
            // downstream instances landed only where they carry our mark too. Those without it get it now.
            for (String d : dag.downstream(t.taskId())) {
                TaskInstance rec = w.get(d);
                if (!ownMarks.containsKey(rec.key())) {
                    w.put(rec.withUpstream(rec.upstream().plus(t.state(), 1)));
                }
                w.toEvaluate.add(d);
            }
        }
    }

    /**
     * An interrupted earlier attempt of this event claimed these instances, but their dispatch never happened
     * (dispatch follows the writes): dispatch them now, with the try they were claimed for.
     */
    void redispatchOwnClaims() {
        for (Map.Entry<TaskKey, TaskInstance.Tentative> e : ownMarks.entrySet()) {
            TaskInstance t = w.get(e.getKey());
            if (t.state() == TaskState.QUEUED && e.getValue().before() != TaskState.QUEUED
                    && !w.changed.containsKey(e.getKey())) {
                w.dispatches.add(Admission.dispatchOf(w, t, t.tryNumber(), t.deadline()));
            }
        }
    }

    /**
     * The instance to write last, or null for an atomic decision. Small (nothing but instances changed): written as
     * ordered single writes. Large (a fan-out wider than one DynamoDB transaction): written in chunks, the completed
     * instance, the run and the claims in the last one. Either way a replay after a crash in between must recognise
     * what already landed: the marks.
     */
    TaskKey commitLast(boolean small) {
        Map<TaskKey, TaskInstance> changed = w.changed;
        boolean ordered = enabled && eventSource != null && (small || changed.size() > Engine.LARGE_DECISION)
                && changed.containsKey(subject) && changed.size() > 1 && onlySubjectAndItsDownstream();
        return ordered ? subject : null;
    }

    /** The changed instances for an ordered write: each but the commit-last one carries this event's mark. */
    List<TaskInstance> markedForOrderedWrite() {
        List<TaskInstance> out = new ArrayList<>(w.changed.size());
        for (TaskInstance t : w.changed.values()) {
            if (t.key().equals(subject)) {
                out.add(t);
            } else {
                TaskInstance.Tentative own = ownMarks.get(t.key());
                TaskInstance before = w.originals.get(t.key());
                out.add(t.withTentative(own != null ? own : new TaskInstance.Tentative(eventSource,
                        before == null ? TaskState.NONE : before.state())));
            }
        }
        return out;
    }

    /** The changed instances for an atomic write, with the downstream fence when {@link #fencesDownstream} holds. */
    List<TaskInstance> fencedInstances() {
        fencesDownstream();
        return new ArrayList<>(w.changed.values());
    }

    /**
     * A decision that ends or moves the event's try in one transaction (a failure, a retry, a timeout) also
     * rewrites the direct downstream instances it read, unchanged: an ordered success of that same try whose
     * marks land there between this decision's reads and its write then makes this write fail (it is decided
     * again, finds the mark and yields), instead of leaving behind marks of a success that never committed.
     */
    private void fencesDownstream() {
        if (!enabled || eventSource == null || !w.changed.containsKey(subject)) {
            return;
        }
        TaskInstance before = w.originals.get(subject);
        if (before == null || !before.state().isActive() || before.tryNumber() != subjectTry) {
            return;
        }
        for (String d : dag.downstream(subject.taskId())) {
            TaskKey k = TaskKey.of(d);
            if (!w.changed.containsKey(k) && w.originals.get(k) != null) {
                w.put(w.originals.get(k));
            }
        }
    }

    /**
     * Whether every changed instance is the event's own or one of its direct downstream tasks: a replay of the
     * event reads exactly those again (end() visits each), so it finds every tentative mark it left.
     */
    private boolean onlySubjectAndItsDownstream() {
        List<String> downstream = dag.downstream(subject.taskId());
        for (TaskKey k : w.changed.keySet()) {
            if (!k.equals(subject) && (k.mapIndex() >= 0 || !downstream.contains(k.taskId()))) {
                return false;
            }
        }
        return true;
    }
}
