package dev.sluice.reliability;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.ThrottlingException;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * Faults injected into the real DynamoDB client, below the store adapter: a share of API call attempts fail before
 * they are sent with the SDK's own ThrottlingException or ProvisionedThroughputExceededException (what DynamoDB returns
 * when it throttles), and a share of writes succeed and then lose their response (the caller sees an
 * SdkClientException and cannot tell whether the write happened). No mock: the adapter sees what the SDK throws.
 */
final class SdkThrottler implements ExecutionInterceptor {
    private final long seed;
    private final double throttleRate;
    private final double lostResponseRate;
    private final AtomicLong calls = new AtomicLong();
    final AtomicInteger throttled = new AtomicInteger();
    final AtomicInteger lostResponses = new AtomicInteger();
    private final ThreadLocal<SplittableRandom> rolls = new ThreadLocal<>();

    SdkThrottler(long seed, double throttleRate, double lostResponseRate) {
        this.seed = seed;
        this.throttleRate = throttleRate;
        this.lostResponseRate = lostResponseRate;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        rolls.set(new SplittableRandom(seed + calls.incrementAndGet() * 0x9E3779B97F4A7C15L));
    }

    /** Per attempt, inside the SDK's retry loop: the client's retry strategy (AwsRetries) sees the throttle. */
    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        SplittableRandom r = rolls.get();
        if (r != null && r.nextDouble() < throttleRate) {
            int n = throttled.incrementAndGet();
            String op = context.request().getClass().getSimpleName().replace("Request", "");
            if (n % 2 == 0) {
                throw ThrottlingException.builder().message(op + ": rate exceeded (injected)").statusCode(400)
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ThrottlingException")
                                .serviceName("DynamoDb").errorMessage("Rate exceeded (injected)").build())
                        .build();
            }
            throw ProvisionedThroughputExceededException.builder().message(op + ": throughput exceeded (injected)")
                    .statusCode(400).awsErrorDetails(AwsErrorDetails.builder()
                            .errorCode("ProvisionedThroughputExceededException").serviceName("DynamoDb")
                            .errorMessage("The level of configured provisioned throughput for the table was "
                                    + "exceeded (injected)").build())
                    .build();
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        SdkRequest req = context.request();
        boolean write = req instanceof TransactWriteItemsRequest || req instanceof UpdateItemRequest
                || req instanceof PutItemRequest;
        SplittableRandom r = rolls.get();
        if (write && r != null && r.nextDouble() < lostResponseRate) {
            lostResponses.incrementAndGet();
            throw SdkClientException.create("the response to a committed write was lost (injected)");
        }
    }

    long calls() {
        return calls.get();
    }

    String describe() {
        return calls.get() + " DynamoDB API calls, " + throttled.get() + " throttled by the SDK interceptor ("
                + String.format("%.1f%%", 100.0 * throttled.get() / Math.max(1, calls.get())) + "), "
                + lostResponses.get() + " writes whose response was lost";
    }
}
