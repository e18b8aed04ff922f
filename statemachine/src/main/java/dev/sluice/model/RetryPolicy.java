package dev.sluice.model;

import java.time.Duration;
import java.util.Objects;

/**
 * How often and how long to wait before trying again. The delay itself is computed by
 * {@code dev.sluice.engine.RetryDelays}, with jitter from an injected random source.
 */
public sealed interface RetryPolicy {

    /** Number of retries after the first try; max tries = retries + 1. */
    int retries();

    default int maxTries() {
        return retries() + 1;
    }

    /**
     * Airflow's policy: {@code retry_delay}, doubled per try when {@code retry_exponential_backoff} is on
     * (with Airflow's jitter: a delay in [base * 2^(try-1), 2 * base * 2^(try-1))), capped by {@code max_retry_delay}.
     */
    record Airflow(int retries, Duration retryDelay, boolean exponentialBackoff, Duration maxRetryDelay)
            implements RetryPolicy {
        public Airflow {
            if (retries < 0) {
                throw new IllegalArgumentException("retries must be >= 0, got " + retries);
            }
            Objects.requireNonNull(retryDelay, "retryDelay");
            if (retryDelay.isNegative()) {
                throw new IllegalArgumentException("retry_delay must not be negative");
            }
            if (maxRetryDelay != null && maxRetryDelay.isNegative()) {
                throw new IllegalArgumentException("max_retry_delay must not be negative");
            }
        }

        public Airflow withRetries(int newRetries) {
            return new Airflow(newRetries, retryDelay, exponentialBackoff, maxRetryDelay);
        }
    }

    /**
     * Step Functions' policy: {@code interval * backoffRate^(try-1)}, capped by {@code maxDelay}, and with full
     * jitter a uniform delay in [0, that].
     */
    record StepFunctions(int retries, Duration interval, double backoffRate, Duration maxDelay, boolean fullJitter)
            implements RetryPolicy {
        public StepFunctions {
            if (retries < 0) {
                throw new IllegalArgumentException("retries must be >= 0, got " + retries);
            }
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("interval must not be negative");
            }
            if (!(backoffRate >= 1.0) || Double.isInfinite(backoffRate)) {
                throw new IllegalArgumentException("backoff_rate must be a finite number >= 1.0, got " + backoffRate);
            }
            if (maxDelay != null && maxDelay.isNegative()) {
                throw new IllegalArgumentException("max_delay must not be negative");
            }
        }
    }

    /** Airflow's default: no retries, 5 minutes between tries. */
    static RetryPolicy none() {
        return new Airflow(0, Duration.ofMinutes(5), false, null);
    }
}
