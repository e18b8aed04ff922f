package dev.sluice.state;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** DAG-run states with Airflow's names and their transition table. */
public enum RunState {
    QUEUED(false),
    RUNNING(false),
    SUCCESS(true),
    FAILED(true);

    private final boolean terminal;

    RunState(boolean terminal) {
        this.terminal = terminal;
    }

    public boolean isTerminal() {
        return terminal;
    }

    public String airflowName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RunState fromAirflowName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Every legal (from -> to) pair. A finished run goes back to RUNNING when one of its tasks is cleared. */
    public static final Map<RunState, Set<RunState>> TRANSITIONS;

    static {
        EnumMap<RunState, Set<RunState>> t = new EnumMap<>(RunState.class);
        t.put(QUEUED, Collections.unmodifiableSet(EnumSet.of(RUNNING)));
        t.put(RUNNING, Collections.unmodifiableSet(EnumSet.of(SUCCESS, FAILED)));
        t.put(SUCCESS, Collections.unmodifiableSet(EnumSet.of(RUNNING)));
        t.put(FAILED, Collections.unmodifiableSet(EnumSet.of(RUNNING)));
        TRANSITIONS = Collections.unmodifiableMap(t);
    }

    public boolean canTransitionTo(RunState next) {
        return TRANSITIONS.get(this).contains(next);
    }

    public RunState transitionTo(RunState next) {
        if (!canTransitionTo(next)) {
            throw new IllegalTransitionException("run", this.airflowName(), next.airflowName());
        }
        TransitionRecorder.record(this, next);
        return next;
    }
}
