package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.store.ConcurrentUpdateException;
import dev.sluice.store.StoreException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

/** Error translation with the SDK's real exception builders (no client mocks). */
class AwsErrorsTest {

    private static TransactionCanceledException cancelled(String... codes) {
        return TransactionCanceledException.builder().message("Transaction cancelled")
                .cancellationReasons(java.util.Arrays.stream(codes)
                        .map(c -> CancellationReason.builder().code(c).build()).toList())
                .build();
    }

    private static DynamoDbException withCode(String code, int status) {
        return (DynamoDbException) DynamoDbException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("msg " + code).build())
                .build();
    }

    @Test
    void conditionalFailuresBecomeConcurrentUpdates() {
        StoreException e = AwsErrors.translateStore("applying", "t",
                ConditionalCheckFailedException.builder().message("failed").build());
        assertThat(e).isInstanceOf(ConcurrentUpdateException.class);
        assertThat(e.isRetryable()).isTrue();
        StoreException tx = AwsErrors.translateStore("applying", "t", cancelled("None", "ConditionalCheckFailed"));
        assertThat(tx).isInstanceOf(ConcurrentUpdateException.class).hasMessageContaining("ConditionalCheckFailed");
    }

    @Test
    void throttlingIsRetryableAndNotAConflict() {
        for (SdkException t : new SdkException[] {
                ProvisionedThroughputExceededException.builder().message("slow").build(),
                RequestLimitExceededException.builder().message("limit").build(),
                withCode("ThrottlingException", 400),
                cancelled("None", "TransactionConflict"),
                cancelled("ThrottlingError")}) {
            assertThat(AwsErrors.isThrottling(t)).as(t.toString()).isTrue();
            StoreException e = AwsErrors.translateStore("applying", "t", t);
            assertThat(e).isNotInstanceOf(ConcurrentUpdateException.class);
            assertThat(e.isRetryable()).isTrue();
            assertThat(e.getMessage()).contains("throttling");
        }
        assertThat(AwsErrors.isThrottling(cancelled("TransactionConflict", "ConditionalCheckFailed"))).isFalse();
    }

    @Test
    void otherErrorsSayWhatAndWhetherToRetry() {
        StoreException missing = AwsErrors.translateStore("reading run r1", "sluice",
                ResourceNotFoundException.builder().message("no table").build());
        assertThat(missing.isRetryable()).isFalse();
        assertThat(missing.getMessage()).contains("reading run r1", "sluice", "does not exist");
        StoreException validation = AwsErrors.translateStore("applying", "t", withCode("ValidationException", 400));
        assertThat(validation.isRetryable()).isFalse();
        assertThat(validation.getMessage()).contains("ValidationException", "msg ValidationException");
        assertThat(AwsErrors.translateStore("x", "t", withCode("InternalServerError", 500)).isRetryable()).isTrue();
        assertThat(AwsErrors.translateStore("x", "t", SdkClientException.create("connection refused")).isRetryable())
                .isTrue();
    }

    @Test
    void dispatchErrorsTranslateToo() {
        DispatchException t = AwsErrors.translateDispatch("invoking f",
                TooManyRequestsException.builder().statusCode(429).message("rate").build());
        assertThat(t.isRetryable()).isTrue();
        DispatchException bad = AwsErrors.translateDispatch("invoking f",
                software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.builder().statusCode(404)
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ResourceNotFoundException")
                                .errorMessage("Function not found").build()).build());
        assertThat(bad.isRetryable()).isFalse();
        assertThat(bad.getMessage()).contains("invoking f", "Function not found");
    }
}
