package dev.sluice.engine;

import dev.sluice.model.CircuitBreakerSpec;
import dev.sluice.model.TaskSpec;
import dev.sluice.state.TaskState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Circuit breakers within one decision: finished tries count against their task's breaker, and a try starts only
 * when its breaker admits it. Breakers are read once and written with their version incremented, like instances.
 */
final class Breakers {
    private final Working w;
    private final Map<String, BreakerState> changed = new LinkedHashMap<>();
    /** Breakers as first read: versions come from here, since a live view may change under us. */
    private final Map<String, BreakerState> read = new HashMap<>();

    Breakers(Working w) {
        this.w = w;
    }

    private BreakerState get(String name) {
        BreakerState b = changed.get(name);
        if (b != null) {
            return b;
        }
        if (!read.containsKey(name)) {
            read.put(name, w.view.breaker(name));
        }
        b = read.get(name);
        return b != null ? b : BreakerState.closed(name);
    }

    private void put(BreakerState b) {
        changed.put(b.name(), b);
    }

    /** The breakers this decision changed, each one version past the one it read. */
    List<BreakerState> changed() {
        List<BreakerState> out = new ArrayList<>(changed.size());
        for (BreakerState b : changed.values()) {
            BreakerState stored = read.get(b.name());
            out.add(b.withVersion(stored == null ? 1 : stored.version() + 1));
        }
        return out;
    }

    /** Counts a finished try against its task's breaker: successes close it, failures may open it. */
    void outcome(TaskInstance ti, boolean success) {
        CircuitBreakerSpec cb = w.dag.task(ti.taskId()).circuitBreaker();
        if (cb == null) {
            return;
        }
        BreakerState b = get(cb.name());
        String probe = BreakerState.probeKey(w.run.runId(), ti.key(), ti.tryNumber());
        if (success) {
            if (b.status() != BreakerState.Status.CLOSED || b.failures() > 0) {
                if (b.status() != BreakerState.Status.HALF_OPEN || probe.equals(b.probe())) {
                    put(b.with(BreakerState.Status.CLOSED, 0, null, null));
                }
            }
        } else if (b.status() == BreakerState.Status.HALF_OPEN) {
            if (probe.equals(b.probe())) {
                put(b.with(BreakerState.Status.OPEN, b.failures() + 1, w.now, null));
            }
        } else if (b.status() == BreakerState.Status.CLOSED) {
            int failures = b.failures() + 1;
            put(failures >= cb.failureThreshold()
                    ? b.with(BreakerState.Status.OPEN, failures, w.now, null)
                    : b.with(BreakerState.Status.CLOSED, failures, null, null));
        }
    }

    /**
     * Whether a try of {@code ti} may start now under its breaker; takes the half-open probe slot when it is the
     * one. When not, the instance is deferred (no try used) with a timer for when to look again.
     */
    boolean admits(TaskInstance ti, TaskSpec spec) {
        CircuitBreakerSpec cb = spec.circuitBreaker();
        if (cb == null) {
            return true;
        }
        BreakerState b = get(cb.name());
        Instant now = w.now;
        String runId = w.run.runId();
        Instant retryAt;
        switch (b.status()) {
            case CLOSED -> {
                return true;
            }
            case OPEN -> {
                Instant reopen = b.openedAt().plus(cb.recoveryTimeout());
                if (!now.isBefore(reopen)) {
                    put(b.with(BreakerState.Status.HALF_OPEN, b.failures(), b.openedAt(),
                            BreakerState.probeKey(runId, ti.key(), ti.tryNumber() + 1)));
                    return true;
                }
                retryAt = reopen;
            }
            default -> {
                if (BreakerState.probeKey(runId, ti.key(), ti.tryNumber() + 1).equals(b.probe())) {
                    return true; // the probe itself, dispatched again after it was cut off
                }
                retryAt = now.plus(cb.recoveryTimeout());
            }
        }
        w.put(ti.withState(TaskState.UP_FOR_RESCHEDULE).withResult(null, "circuit breaker " + cb.name() + " is "
                + b.status().airflowName() + "; next check at " + retryAt).withNextAttemptAt(retryAt));
        w.timers.add(new Timer(runId, ti.key(), ti.tryNumber(), retryAt, Timer.Kind.RESCHEDULE));
        return false;
    }
}
