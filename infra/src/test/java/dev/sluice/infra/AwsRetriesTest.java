package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.AcquireInitialTokenRequest;
import software.amazon.awssdk.retries.api.RefreshRetryTokenRequest;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.retries.api.RetryToken;
import software.amazon.awssdk.retries.api.TokenAcquisitionFailedException;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The retry policy of every client, driven through the SDK's own retry-token protocol (what the client does per
 * attempt), without a network and without sleeping: how many attempts each kind of failure gets.
 */
class AwsRetriesTest {

    /** Attempts the strategy allows for a call that fails with {@code failure} every time. */
    private static int attempts(RetryStrategy strategy, Throwable failure) {
        RetryToken token = strategy.acquireInitialToken(AcquireInitialTokenRequest.create("test")).token();
        int attempts = 1;
        while (attempts < 100) {
            try {
                token = strategy.refreshRetryToken(RefreshRetryTokenRequest.builder().token(token).failure(failure)
                        .build()).token();
                attempts++;
            } catch (TokenAcquisitionFailedException e) {
                return attempts;
            }
        }
        return attempts;
    }

    private static DynamoDbException withStatus(String code, int status) {
        return (DynamoDbException) DynamoDbException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("msg").build()).build();
    }

    private static final Throwable THROTTLED = ProvisionedThroughputExceededException.builder().message("slow")
            .statusCode(400).awsErrorDetails(AwsErrorDetails.builder()
                    .errorCode("ProvisionedThroughputExceededException").build()).build();
    private static final Throwable CONFLICT = TransactionCanceledException.builder().message("cancelled")
            .statusCode(400).awsErrorDetails(AwsErrorDetails.builder().errorCode("TransactionCanceledException")
                    .build()).cancellationReasons(List.of(CancellationReason.builder().code("None").build(),
                    CancellationReason.builder().code("TransactionConflict").build())).build();
    private static final Throwable CONDITION = ConditionalCheckFailedException.builder().message("no")
            .statusCode(400).awsErrorDetails(AwsErrorDetails.builder().errorCode("ConditionalCheckFailedException")
                    .build()).build();

    @Test
    void standardRetriesThrottlingConflictsAndServerErrorsSixTimesInAll() {
        RetryStrategy s = AwsRetries.standard();
        assertThat(attempts(s, THROTTLED)).isEqualTo(AwsRetries.MAX_ATTEMPTS);
        assertThat(attempts(s, CONFLICT)).isEqualTo(AwsRetries.MAX_ATTEMPTS);
        assertThat(attempts(s, withStatus("InternalServerError", 500))).isEqualTo(AwsRetries.MAX_ATTEMPTS);
        assertThat(attempts(s, SdkClientException.create("connection reset", new java.io.IOException("reset"))))
                .isEqualTo(AwsRetries.MAX_ATTEMPTS);
    }

    @Test
    void standardNeverRepeatsWhatCannotSucceed() {
        RetryStrategy s = AwsRetries.standard();
        assertThat(attempts(s, CONDITION)).isEqualTo(1);
        assertThat(attempts(s, withStatus("ValidationException", 400))).isEqualTo(1);
    }

    @Test
    void throttlingOnlyRepeatsNothingThatMayHaveRun() {
        RetryStrategy s = AwsRetries.throttlingOnly();
        assertThat(attempts(s, THROTTLED)).isEqualTo(AwsRetries.MAX_ATTEMPTS);
        assertThat(attempts(s, withStatus("ServiceException", 500))).isEqualTo(1);
        assertThat(attempts(s, SdkClientException.create("read timed out"))).isEqualTo(1);
    }

    @Test
    void everySharedClientCarriesTheStrategy() {
        try (AwsClients clients = AwsClients.create(Region.US_EAST_1, URI.create("http://127.0.0.1:1"),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))) {
            for (SdkClient c : List.<SdkClient>of(clients.dynamoDb(), clients.s3(), clients.sqs(), clients.lambda(),
                    clients.sns())) {
                RetryStrategy s = c.serviceClientConfiguration().overrideConfiguration().retryStrategy()
                        .orElseThrow();
                assertThat(attempts(s, THROTTLED)).as(c.serviceName()).isEqualTo(AwsRetries.MAX_ATTEMPTS);
                assertThat(attempts(s, CONFLICT)).as(c.serviceName()).isEqualTo(AwsRetries.MAX_ATTEMPTS);
            }
        }
    }
}
