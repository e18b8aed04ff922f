package dev.sluice.infra;

import dev.sluice.store.ConcurrentUpdateException;
import dev.sluice.store.StoreException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The adapter boundary for AWS errors: every SDK exception leaves infra as a {@link StoreException} (or
 * {@link ConcurrentUpdateException}, or {@link DispatchException}) that says whether trying again may help.
 * Calls are retried by the SDK clients themselves ({@link AwsRetries}); what reaches here has used its attempts.
 */
public final class AwsErrors {
    /** Error codes (and transaction cancellation codes) that mean "slow down and try again". */
    static final Set<String> THROTTLING = Set.of("ThrottlingException", "Throttling", "ThrottlingError",
            "ProvisionedThroughputExceededException", "ProvisionedThroughputExceeded", "RequestLimitExceeded",
            "RequestLimitExceededException",
            "TransactionConflictException", "TransactionConflict", "TransactionInProgressException",
            "TooManyRequestsException", "RequestThrottled", "SlowDown", "LimitExceededException");


    private AwsErrors() {
    }

    /** True when the error means throttling or a transient transaction conflict. */
    public static boolean isThrottling(SdkException e) {
        if (e instanceof TransactionCanceledException tce && tce.hasCancellationReasons()) {
            boolean anyThrottled = false;
            for (CancellationReason r : tce.cancellationReasons()) {
                String code = r.code();
                if ("ConditionalCheckFailed".equals(code)) {
                    return false;
                }
                anyThrottled |= code != null && THROTTLING.contains(code);
            }
            return anyThrottled;
        }
        if (e instanceof AwsServiceException ase) {
            if (ase.isThrottlingException()) {
                return true;
            }
            String code = ase.awsErrorDetails() == null ? null : ase.awsErrorDetails().errorCode();
            if (code != null && THROTTLING.contains(code)) {
                return true;
            }
        }
        // The modelled exception types (ProvisionedThroughputExceededException, ...) even without error details.
        return THROTTLING.contains(e.getClass().getSimpleName());
    }

    /** True when a write failed only because one of its conditions did not hold. */
    public static boolean isConditionFailure(SdkException e) {
        if (e instanceof ConditionalCheckFailedException) {
            return true;
        }
        if (e instanceof TransactionCanceledException tce && tce.hasCancellationReasons()) {
            return tce.cancellationReasons().stream().anyMatch(r -> "ConditionalCheckFailed".equals(r.code()));
        }
        return false;
    }

    /**
     * Translates a store call's failure. {@code what} says what was being done ("applying a decision for run r1"),
     * {@code table} which table, so the message can be acted on.
     */
    public static StoreException translateStore(String what, String table, SdkException e) {
        if (isConditionFailure(e)) {
            return new ConcurrentUpdateException(what + ": a conditional write failed (someone changed the item "
                    + "first)" + reasons(e));
        }
        if (isThrottling(e)) {
            return new StoreException(what + ": DynamoDB table " + table + " is throttling requests (" + code(e)
                    + "); try again later", true, e);
        }
        if (e instanceof ResourceNotFoundException) {
            return new StoreException(what + ": DynamoDB table " + table + " does not exist in this account/region "
                    + "(or at this endpoint); create it (TableLayout.createTable) or set the table name", false, e);
        }
        if (e instanceof SdkClientException) {
            return new StoreException(what + ": cannot reach DynamoDB (" + e.getMessage() + ")", true, e);
        }
        if (e instanceof AwsServiceException ase) {
            boolean serverSide = ase.statusCode() >= 500;
            return new StoreException(what + ": DynamoDB refused the request on table " + table + ": "
                    + code(e) + ": " + message(ase), serverSide, e);
        }
        return new StoreException(what + ": " + e.getMessage(), false, e);
    }

    /** Translates a Lambda, SQS or S3 call's failure. */
    public static DispatchException translateDispatch(String what, SdkException e) {
        if (isThrottling(e)) {
            return new DispatchException(what + ": throttled (" + code(e) + "); try again later", true, e);
        }
        if (e instanceof SdkClientException) {
            return new DispatchException(what + ": cannot reach the service (" + e.getMessage() + ")", true, e);
        }
        if (e instanceof AwsServiceException ase) {
            return new DispatchException(what + ": " + code(e) + ": " + message(ase), ase.statusCode() >= 500, e);
        }
        return new DispatchException(what + ": " + e.getMessage(), false, e);
    }

    /** Backs off before asking again for what DynamoDB left unprocessed (attempt 1, 2, ...): full jitter. */
    public static void pause(int attempt) {
        sleep(backoff(attempt));
    }

    /** Full jitter: uniform in [0, min(max, base * 2^attempt)). */
    static Duration backoff(int attempt) {
        long cap = Math.min(AwsRetries.MAX_DELAY.toMillis(), AwsRetries.BASE_DELAY.toMillis() << Math.min(attempt, 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(Math.max(1, cap)));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while backing off a throttled call", true, ie);
        }
    }

    private static String code(SdkException e) {
        if (e instanceof TransactionCanceledException tce && tce.hasCancellationReasons()) {
            return "TransactionCanceled" + reasons(e);
        }
        if (e instanceof AwsServiceException ase && ase.awsErrorDetails() != null
                && ase.awsErrorDetails().errorCode() != null) {
            return ase.awsErrorDetails().errorCode();
        }
        return e.getClass().getSimpleName();
    }

    private static String message(AwsServiceException e) {
        return e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
                ? e.awsErrorDetails().errorMessage() : e.getMessage();
    }

    private static String reasons(SdkException e) {
        if (e instanceof TransactionCanceledException tce && tce.hasCancellationReasons()) {
            return " " + tce.cancellationReasons().stream().map(r -> r.code() == null ? "None" : r.code()).toList();
        }
        return "";
    }
}
