package dev.sluice.engine;

import dev.sluice.model.RetryPolicy;
import java.time.Duration;
import java.time.Instant;

/**
 * Start one try of one task instance. The engine emits it only together with the claiming write
 * (scheduled -> queued for this try), so an adapter that dispatches after a successful write never runs a try twice.
 *
 * @param nextRetryDelay the nominal delay before the next try if this one fails (no jitter), or null on the last try
 * @param deadline       when this try times out (execution_timeout from now), or null
 */
public record Dispatch(String dagId, String runId, TaskKey task, int tryNumber, int maxTries, RetryPolicy retryPolicy,
                       Duration nextRetryDelay, Instant deadline, String itemJson) {
}
