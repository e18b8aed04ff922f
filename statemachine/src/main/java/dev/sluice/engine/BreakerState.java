package dev.sluice.engine;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * A circuit breaker shared by every task that names it, across runs, processes and Lambda instances; it lives in
 * the store and changes only through decisions (conditional on {@code version}, like task instances).
 *
 * <ul>
 *   <li>{@code closed}: tasks run; consecutive failures are counted, and at {@code failure_threshold} it opens.</li>
 *   <li>{@code open}: tasks that use it are deferred (up_for_reschedule, no try used) until
 *       {@code openedAt + recovery_timeout}.</li>
 *   <li>{@code half_open}: exactly one probe try runs ({@code probe}); its success closes the breaker, its failure
 *       opens it again. Other tasks stay deferred meanwhile.</li>
 * </ul>
 *
 * @param probe the try admitted as the half-open probe: "runId/taskKey/try", or null
 */
public record BreakerState(String name, Status status, int failures, Instant openedAt, String probe, long version) {
    public enum Status {
        CLOSED, OPEN, HALF_OPEN;

        public String airflowName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public BreakerState {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
    }

    public static BreakerState closed(String name) {
        return new BreakerState(name, Status.CLOSED, 0, null, null, 0);
    }

    public BreakerState with(Status s, int fails, Instant opened, String probeKey) {
        return new BreakerState(name, s, fails, opened, probeKey, version);
    }

    public BreakerState withVersion(long v) {
        return new BreakerState(name, status, failures, openedAt, probe, v);
    }

    static String probeKey(String runId, TaskKey key, int tryNumber) {
        return runId + "/" + key + "/" + tryNumber;
    }
}
