package dev.sluice.engine;

import dev.sluice.model.Dag;
import dev.sluice.model.TaskSpec;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The coordinator's decision function: {@code decide(view, event, now, random) -> Decision}. Pure: it reads the
 * given view, the clock value and the random source it is handed, and returns what to write and do. Work per
 * event is proportional to the event's neighbourhood (the task, its direct downstream tasks, and whatever a skip
 * or failure cascades into), never to the size of the run.
 *
 * <p>One decision works on a {@link Working} state; its parts live beside it, one concern each: {@link RunLifecycle},
 * {@link Outcomes} (task events), {@link Readiness} (trigger rules), {@link Expansion} (mapping),
 * {@link BranchChoice}, {@link Admission} (limits, pools, priority), {@link Breakers}, {@link Clearing} and
 * {@link OrderedWrites} (tentative marks, commit-last, fences).
 */
public final class Engine {
    /** Largest expansion of a mapped task; larger ones fail the task with a clear error. */
    public static final int MAX_MAP_ITEMS = 100_000;
    /**
     * Instances in a decision beyond which a store may have to write it in several steps (DynamoDB: 100 items per
     * transaction, one of them the run): such a completion marks its downstream items like an ordered one.
     */
    public static final int LARGE_DECISION = 98;

    private final Dag dag;
    private final Set<String> leaves;
    private final Comparator<TaskInstance> admissionOrder;
    private final EngineOptions options;

    /** An engine with {@link EngineOptions#DEFAULTS}. */
    public Engine(Dag dag) {
        this(dag, EngineOptions.DEFAULTS);
    }

    public Engine(Dag dag, EngineOptions options) {
        this.dag = Objects.requireNonNull(dag, "dag");
        this.options = Objects.requireNonNull(options, "options");
        this.leaves = new HashSet<>(dag.leaves());
        this.admissionOrder = admissionOrder(dag);
    }

    public Dag dag() {
        return dag;
    }

    public EngineOptions options() {
        return options;
    }

    /** Priority descending, then topological position, then map index: the order stores must list waiting tasks. */
    public static Comparator<TaskInstance> admissionOrder(Dag dag) {
        return Comparator.comparingInt((TaskInstance t) -> -t.priority())
                .thenComparingInt(t -> dag.position(t.taskId()))
                .thenComparingInt(TaskInstance::mapIndex);
    }

    Comparator<TaskInstance> admissionOrder() {
        return admissionOrder;
    }

    boolean isLeaf(String taskId) {
        return leaves.contains(taskId);
    }

    public Decision decide(RunView view, Event event, Instant now, RandomGenerator random) {
        if (event instanceof Event.TaskStarted started) {
            return started(view, started, now);
        }
        Working w = new Working(this, view, now, random, event);
        try {
            return decideEvent(w, event);
        } catch (OrderedWrites.OtherOutcomeInFlight other) {
            return Decision.ignored(w.run == null ? null : w.run.runId(), other.getMessage());
        }
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
        List<Effect> effects = spec.callbacks().onExecute() == null ? List.of()
                : List.of(new Effect(ti.runId(), dag.dagId(), ti.key(), ti.tryNumber(), ti.maxTries(),
                        Effect.Kind.EXECUTE, now, null, null, spec.callbacks().onExecute(), List.of(),
                        Effect.State.PENDING, null));
        return new Decision(null, List.of(next), List.of(), List.of(), List.of(), Map.of(), List.of(), null,
                WriteContext.of(dag, null, null), effects);
    }

    /** The event's own change, then what follows from it: readiness, admission, the run's end. */
    private static Decision decideEvent(Working w, Event event) {
        if (event instanceof Event.RunRequested r) {
            if (w.run != null) {
                return Decision.ignored(r.runId(), "run " + r.runId() + " already exists");
            }
            RunLifecycle.create(w, r);
        } else if (w.run == null) {
            return Decision.ignored(null, "no such run");
        } else if (event instanceof Event.Tick) {
            RunLifecycle.tick(w);
        } else if (event instanceof Event.ClearTasks c) {
            Clearing.clear(w, c);
        } else if (event instanceof Event.MarkTasks m) {
            Marking.markTasks(w, m);
        } else if (event instanceof Event.MarkRun m) {
            Marking.markRun(w, m);
        } else if (event instanceof Event.TimerFired f
                && (f.kind() == Timer.Kind.SLA || f.kind() == Timer.Kind.DEADLINE)) {
            // A miss is a miss whatever state the run is in by now; it changes no task.
            Misses.onTimer(w, f);
            return w.toDecision();
        } else if (event instanceof Event.TaskEvent te) {
            if (w.run.state() != RunState.RUNNING) {
                return Decision.ignored(w.run.runId(), "run is " + w.run.state().airflowName() + "; ignored "
                        + te.getClass().getSimpleName() + " for " + te.task());
            }
            String reason = Outcomes.onTaskEvent(w, te);
            if (reason != null) {
                return Decision.ignored(w.run.runId(), reason);
            }
        }
        Readiness.drain(w);
        w.foldCounters();
        Admission.admit(w);
        w.foldCounters();
        RunLifecycle.finishIfDone(w);
        PastGate.nudge(w);
        return w.toDecision();
    }
}
