package dev.sluice.infra;

import java.time.Duration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;

/**
 * The one place where AWS calls are retried: the SDK's retry strategy, set on every client when it is built
 * ({@link AwsClients}). Nothing above the clients repeats a call, except code that resends the items a batch call
 * left unprocessed ({@link AwsErrors#pause}).
 *
 * <p>{@link #standard()} is the SDK's standard mode ({@code RetryMode.STANDARD}: throttling, 5xx and connection
 * errors) plus the codes {@link AwsErrors#isThrottling} knows (a transaction cancelled only by a conflict), with
 * {@link #MAX_ATTEMPTS} attempts in all, capped exponential backoff with full jitter, and no client-wide circuit
 * breaker, so that every call gets its attempts however many others were throttled.
 */
public final class AwsRetries {
    /** How often a call is sent in all, the first attempt included. */
    public static final int MAX_ATTEMPTS = 6;
    static final Duration BASE_DELAY = Duration.ofMillis(25);
    static final Duration MAX_DELAY = Duration.ofSeconds(2);

    private AwsRetries() {
    }

    /** For every client: standard mode, {@link #MAX_ATTEMPTS} attempts. */
    public static RetryStrategy standard() {
        BackoffStrategy backoff = BackoffStrategy.exponentialDelay(BASE_DELAY, MAX_DELAY);
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(MAX_ATTEMPTS)
                .backoffStrategy(backoff)
                .throttlingBackoffStrategy(backoff)
                .retryOnException(AwsRetries::throttled)
                .treatAsThrottling(AwsRetries::throttled)
                .circuitBreakerEnabled(false)
                .build();
    }

    /**
     * For calls that must not be repeated once they may have done their work (a synchronous Lambda invoke could run
     * the function twice): only throttling, which means the call was refused, is retried.
     */
    public static RetryStrategy throttlingOnly() {
        BackoffStrategy backoff = BackoffStrategy.exponentialDelay(BASE_DELAY, MAX_DELAY);
        return StandardRetryStrategy.builder()
                .maxAttempts(MAX_ATTEMPTS)
                .backoffStrategy(backoff)
                .throttlingBackoffStrategy(backoff)
                .retryOnException(AwsRetries::throttled)
                .treatAsThrottling(AwsRetries::throttled)
                .circuitBreakerEnabled(false)
                .build();
    }

    private static boolean throttled(Throwable t) {
        return t instanceof SdkException e && AwsErrors.isThrottling(e);
    }
}
