package dev.sluice.engine;

import dev.sluice.model.RetryPolicy;
import java.time.Duration;
import java.util.random.RandomGenerator;

/** Delays between tries. Jitter comes from the caller's random source, so a decision can be replayed exactly. */
public final class RetryDelays {
    /** No computed delay exceeds this, whatever the exponent (Airflow caps to avoid overflow too). */
    public static final long MAX_SECONDS = 366L * 24 * 3600;

    private RetryDelays() {
    }

    /**
     * The delay after try {@code failedTry} (1-based) failed.
     * Airflow with exponential backoff: {@code base = ceil(retry_delay * 2^(failedTry-1))} seconds (at least 1),
     * then a uniform delay in [base, 2 * base), like Airflow's hash-based jitter; capped by max_retry_delay.
     * Step Functions: {@code interval * backoffRate^(failedTry-1)}, capped by max_delay, then with full jitter a
     * uniform delay in [0, that].
     */
    public static Duration delay(RetryPolicy policy, int failedTry, RandomGenerator random) {
        if (failedTry < 1) {
            throw new IllegalArgumentException("failedTry must be >= 1");
        }
        if (policy instanceof RetryPolicy.Airflow a) {
            return airflow(a, failedTry, random);
        }
        return stepFunctions((RetryPolicy.StepFunctions) policy, failedTry, random);
    }

    /** The delay without jitter, for the retry metadata sent with a dispatch. */
    public static Duration nominal(RetryPolicy policy, int failedTry) {
        if (policy instanceof RetryPolicy.Airflow a) {
            return a.exponentialBackoff() ? cap(Duration.ofSeconds(airflowBase(a, failedTry)), a.maxRetryDelay())
                    : cap(a.retryDelay(), a.maxRetryDelay());
        }
        return Duration.ofMillis(stepBaseMillis((RetryPolicy.StepFunctions) policy, failedTry));
    }

    private static Duration airflow(RetryPolicy.Airflow a, int failedTry, RandomGenerator random) {
        if (!a.exponentialBackoff()) {
            return cap(a.retryDelay(), a.maxRetryDelay());
        }
        long base = airflowBase(a, failedTry);
        long jittered = Math.min(MAX_SECONDS, base + random.nextLong(base));
        return cap(Duration.ofSeconds(jittered), a.maxRetryDelay());
    }

    private static long airflowBase(RetryPolicy.Airflow a, int failedTry) {
        double seconds = a.retryDelay().toMillis() / 1000.0 * Math.pow(2, failedTry - 1);
        long base = (long) Math.ceil(Math.min(seconds, MAX_SECONDS));
        return Math.max(1, base);
    }

    private static Duration stepFunctions(RetryPolicy.StepFunctions s, int failedTry, RandomGenerator random) {
        long millis = stepBaseMillis(s, failedTry);
        if (s.fullJitter()) {
            millis = millis == 0 ? 0 : random.nextLong(millis + 1);
        }
        return Duration.ofMillis(millis);
    }

    private static long stepBaseMillis(RetryPolicy.StepFunctions s, int failedTry) {
        double millis = s.interval().toMillis() * Math.pow(s.backoffRate(), failedTry - 1);
        millis = Math.min(millis, MAX_SECONDS * 1000.0);
        if (s.maxDelay() != null) {
            millis = Math.min(millis, s.maxDelay().toMillis());
        }
        return (long) millis;
    }

    private static Duration cap(Duration d, Duration max) {
        return max != null && d.compareTo(max) > 0 ? max : d;
    }
}
