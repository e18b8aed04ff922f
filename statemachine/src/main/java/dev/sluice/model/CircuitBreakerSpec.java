package dev.sluice.model;

import java.time.Duration;
import java.util.Objects;

/** {@code circuit_breaker: {name, failure_threshold, recovery_timeout}}, shared by every task that names it. */
public record CircuitBreakerSpec(String name, int failureThreshold, Duration recoveryTimeout) {
    public CircuitBreakerSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(recoveryTimeout, "recoveryTimeout");
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failure_threshold must be >= 1");
        }
    }
}
