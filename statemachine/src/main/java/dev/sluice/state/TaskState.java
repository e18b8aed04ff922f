package dev.sluice.state;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Task-instance states, with Airflow's names, and the one explicit transition table.
 *
 * <p>The meaning sits on the state: callers ask {@link #isTerminal()} or {@link #isActive()} and never
 * repeat lists of states. {@link #transitionTo(TaskState)} throws {@link IllegalTransitionException} for
 * any pair that is not in {@link #TRANSITIONS}.
 */
public enum TaskState {
    NONE(false, false),
    SCHEDULED(false, false),
    QUEUED(false, true),
    RUNNING(false, true),
    SUCCESS(true, false),
    FAILED(true, false),
    UP_FOR_RETRY(false, false),
    UP_FOR_RESCHEDULE(false, false),
    SKIPPED(true, false),
    UPSTREAM_FAILED(true, false),
    REMOVED(true, false);

    private final boolean terminal;
    private final boolean active;

    TaskState(boolean terminal, boolean active) {
        this.terminal = terminal;
        this.active = active;
    }

    /** Finished: no further work happens unless the instance is cleared. */
    public boolean isTerminal() {
        return terminal;
    }

    /** Holds a run slot and pool slots: claimed for a try and not yet finished. */
    public boolean isActive() {
        return active;
    }

    /** Counts as a failure for trigger rules and for the run's final state. */
    public boolean isFailure() {
        return this == FAILED || this == UPSTREAM_FAILED;
    }

    /** Airflow's lowercase name, as used in JSON and on the command line. */
    public String airflowName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TaskState fromAirflowName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /**
     * Every legal (from -> to) pair, and nothing the engine never does. Notes on the less obvious rows:
     * NONE -> REMOVED is a mapped task's placeholder being replaced by its expanded instances; NONE -> FAILED is a
     * mapped task whose items could not be read; SCHEDULED -> UP_FOR_RESCHEDULE is a task deferred by an open
     * circuit breaker; QUEUED -> SUCCESS etc. happen when a completion overtakes its
     * "started" report; any -> NONE is clearing; NONE -> SUCCESS (and -> FAILED, SKIPPED) is a task marked by hand,
     * which first goes back to NONE as a cleared one does.
     */
    public static final Map<TaskState, Set<TaskState>> TRANSITIONS;

    static {
        EnumMap<TaskState, Set<TaskState>> t = new EnumMap<>(TaskState.class);
        t.put(NONE, EnumSet.of(SCHEDULED, SKIPPED, UPSTREAM_FAILED, REMOVED, FAILED, SUCCESS));
        t.put(SCHEDULED, EnumSet.of(QUEUED, SKIPPED, UP_FOR_RESCHEDULE, NONE));
        t.put(QUEUED, EnumSet.of(RUNNING, SUCCESS, FAILED, UP_FOR_RETRY, SKIPPED, UP_FOR_RESCHEDULE, NONE));
        t.put(RUNNING, EnumSet.of(SUCCESS, FAILED, UP_FOR_RETRY, SKIPPED, UP_FOR_RESCHEDULE, NONE));
        t.put(UP_FOR_RETRY, EnumSet.of(SCHEDULED, NONE));
        t.put(UP_FOR_RESCHEDULE, EnumSet.of(SCHEDULED, NONE));
        t.put(SUCCESS, EnumSet.of(NONE));
        t.put(FAILED, EnumSet.of(NONE));
        t.put(SKIPPED, EnumSet.of(NONE));
        t.put(UPSTREAM_FAILED, EnumSet.of(NONE));
        t.put(REMOVED, EnumSet.of(NONE));
        for (Map.Entry<TaskState, Set<TaskState>> e : t.entrySet()) {
            e.setValue(Collections.unmodifiableSet(e.getValue()));
        }
        TRANSITIONS = Collections.unmodifiableMap(t);
    }

    public boolean canTransitionTo(TaskState next) {
        return TRANSITIONS.get(this).contains(next);
    }

    /** Returns {@code next} when the move is legal, and throws naming both states otherwise. */
    public TaskState transitionTo(TaskState next) {
        if (!canTransitionTo(next)) {
            throw new IllegalTransitionException("task instance", this.airflowName(), next.airflowName());
        }
        TransitionRecorder.record(this, next);
        return next;
    }
}
