package dev.sluice.kernel;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How {@link DecisionLoop} retries a lost race: at most {@code maxAttempts} decisions per event, with a backoff
 * between them that doubles from {@code baseBackoff} up to {@code maxBackoff} and is jittered (uniform in its upper
 * half). Immutable; validated when built.
 *
 * <pre>{@code
 * RetryOptions retry = RetryOptions.builder().maxAttempts(10).baseBackoff(Duration.ofMillis(5)).build();
 * }</pre>
 */
public record RetryOptions(int maxAttempts, Duration baseBackoff, Duration maxBackoff) {

    public RetryOptions {
        Objects.requireNonNull(baseBackoff, "baseBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
        if (baseBackoff.isNegative() || maxBackoff.isNegative()) {
            throw new IllegalArgumentException("backoff must not be negative");
        }
        if (maxBackoff.compareTo(baseBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is below baseBackoff " + baseBackoff);
        }
    }

    /** 20 attempts, 5 ms doubling to at most 200 ms. */
    public static RetryOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This retry policy with another attempt budget. */
    public RetryOptions withMaxAttempts(int attempts) {
        return new RetryOptions(attempts, baseBackoff, maxBackoff);
    }

    /** The pause after failed attempt {@code attempt} (1 = the first): jittered in [d/2, d], d = base * 2^attempt. */
    public Duration backoff(int attempt, RandomGenerator random) {
        long base = baseBackoff.toNanos();
        long max = maxBackoff.toNanos();
        if (max == 0) {
            return Duration.ZERO;
        }
        int shift = Math.min(Math.max(attempt, 0), 30);
        long d = base > (max >> shift) ? max : Math.min(max, base << shift);
        return Duration.ofNanos(d <= 1 ? d : random.nextLong(d / 2, d + 1));
    }

    /** Builds {@link RetryOptions} by name; unset values keep {@link #defaults()}. */
    public static final class Builder {
        private int maxAttempts = 20;
        private Duration baseBackoff = Duration.ofMillis(5);
        private Duration maxBackoff = Duration.ofMillis(200);

        private Builder() {
        }

        public Builder maxAttempts(int n) {
            this.maxAttempts = n;
            return this;
        }

        public Builder baseBackoff(Duration d) {
            this.baseBackoff = d;
            return this;
        }

        public Builder maxBackoff(Duration d) {
            this.maxBackoff = d;
            return this;
        }

        /** No pause between attempts. */
        public Builder noBackoff() {
            this.baseBackoff = Duration.ZERO;
            this.maxBackoff = Duration.ZERO;
            return this;
        }

        public RetryOptions build() {
            return new RetryOptions(maxAttempts, baseBackoff, maxBackoff);
        }
    }
}
