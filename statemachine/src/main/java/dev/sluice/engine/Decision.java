package dev.sluice.engine;

import java.util.List;
import java.util.Map;

/**
 * What the engine decided for one event. Adapters apply {@code run} and {@code instances} (atomically, or in the
 * order {@code commitLast} allows), each write conditional on the version that was read (version 0 = must not exist
 * yet), then dispatch, set timers and notify. If a conditional write fails, nothing is dispatched and the event is
 * decided again against fresh state ({@link dev.sluice.kernel.DecisionLoop}).
 *
 * @param run        the new run record, or null when the run did not change
 * @param instances  changed or created task instances, each with its version already incremented
 * @param poolDeltas slots taken (+) or released (-) per pool, applied with the writes
 * @param breakers   changed circuit breakers, each with its version already incremented (conditional like instances)
 * @param commitLast when not null, the decision need not be applied in one atomic write:
 *                   every other instance carries a {@link TaskInstance.Tentative} mark naming this instance's try,
 *                   and this instance is written last. A decision that changes nothing but instances (no run,
 *                   pools, breakers or timers) may then be applied as ordered single writes; a larger one (more than
 *                   {@link Engine#LARGE_DECISION} instances, which may change the run too) may be applied in several
 *                   atomic steps, this instance with the run and everything else in the last. Stores that write a
 *                   decision atomically may ignore it.
 * @param context    what a store needs to write it besides the records: the run as read, max_active_runs for a run
 *                   it starts, pool sizes and positions; {@link WriteContext#NONE} for a decision built by hand
 * @param effects    callbacks and alerts to record with the writes (each {@link Effect.State#PENDING}); a store
 *                   writes each one only if no effect with its {@link Effect#key()} exists, and leaves an existing
 *                   one as it is. A decision with effects never has {@code commitLast} unless it is large: the
 *                   effects are then written with the {@code commitLast} instance.
 */
public record Decision(DagRun run, List<TaskInstance> instances, List<Dispatch> dispatches, List<Timer> timers,
                       List<Notification> notifications, Map<String, Integer> poolDeltas,
                       List<BreakerState> breakers, TaskKey commitLast, WriteContext context, List<Effect> effects) {

    public Decision {
        instances = List.copyOf(instances);
        dispatches = List.copyOf(dispatches);
        timers = List.copyOf(timers);
        notifications = List.copyOf(notifications);
        poolDeltas = Map.copyOf(poolDeltas);
        breakers = breakers == null ? List.of() : List.copyOf(breakers);
        context = context == null ? WriteContext.NONE : context;
        effects = effects == null ? List.of() : List.copyOf(effects);
    }

    /** A decision that records no effect. */
    public Decision(DagRun run, List<TaskInstance> instances, List<Dispatch> dispatches, List<Timer> timers,
                    List<Notification> notifications, Map<String, Integer> poolDeltas,
                    List<BreakerState> breakers, TaskKey commitLast, WriteContext context) {
        this(run, instances, dispatches, timers, notifications, poolDeltas, breakers, commitLast, context, List.of());
    }

    /** A decision with no write context (built by hand). */
    public Decision(DagRun run, List<TaskInstance> instances, List<Dispatch> dispatches, List<Timer> timers,
                    List<Notification> notifications, Map<String, Integer> poolDeltas,
                    List<BreakerState> breakers, TaskKey commitLast) {
        this(run, instances, dispatches, timers, notifications, poolDeltas, breakers, commitLast, WriteContext.NONE);
    }

    /** The same decision with {@code context}. */
    public Decision withContext(WriteContext context) {
        return new Decision(run, instances, dispatches, timers, notifications, poolDeltas, breakers, commitLast,
                context, effects);
    }

    /** The same decision writing only {@code only} (and no run, timers, pools or breakers), with the same context. */
    public Decision withOnly(List<TaskInstance> only) {
        return new Decision(null, only, List.of(), List.of(), List.of(), Map.of(), List.of(), null, context);
    }

    /** A decision applied atomically. */
    public Decision(DagRun run, List<TaskInstance> instances, List<Dispatch> dispatches, List<Timer> timers,
                    List<Notification> notifications, Map<String, Integer> poolDeltas,
                    List<BreakerState> breakers) {
        this(run, instances, dispatches, timers, notifications, poolDeltas, breakers, null);
    }

    /** A decision that changes no circuit breaker. */
    public Decision(DagRun run, List<TaskInstance> instances, List<Dispatch> dispatches, List<Timer> timers,
                    List<Notification> notifications, Map<String, Integer> poolDeltas) {
        this(run, instances, dispatches, timers, notifications, poolDeltas, List.of());
    }

    public static Decision ignored(String runId, String reason) {
        return new Decision(null, List.of(), List.of(), List.of(), List.of(new Notification.Ignored(runId, reason)),
                Map.of());
    }

    /** True when applying this decision writes nothing. */
    public boolean isNoop() {
        return run == null && instances.isEmpty() && breakers.isEmpty() && effects.isEmpty();
    }
}
