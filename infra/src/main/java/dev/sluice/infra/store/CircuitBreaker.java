package dev.sluice.infra.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A circuit breaker's stored state, shared by every coordinator. Written with optimistic locking like runs:
 * {@code version} is the new version, the stored one must be {@code version - 1} (0 = not stored yet).
 *
 * @param state    "closed", "open" or "half_open"
 * @param openUntil while open, when a trial call may be made; else null
 */
public record CircuitBreaker(String name, String state, int consecutiveFailures, Instant openUntil, long version) {
    public CircuitBreaker {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
    }
}
