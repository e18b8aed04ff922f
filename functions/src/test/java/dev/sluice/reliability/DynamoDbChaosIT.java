package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.functions.support.SerializedWrites;
import dev.sluice.fuzz.chaos.ChaosFigures;
import dev.sluice.fuzz.chaos.ChaosHarness;
import dev.sluice.infra.TableLayout;
import dev.sluice.infra.store.DynamoDbStateStore;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.store.StateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The chaos harness against the DynamoDB store on the emulator, with throttling injected into the real SDK client
 * ({@link SdkThrottler}) on 5% of API calls. moto answers slowly (its queries scan), so CI runs
 * {@value #DEFAULT_RUNS} runs; {@code -Dchaos.dynamodb.runs=200} runs the full workload, {@code -Dchaos.seed} and
 * {@code -Dchaos.workers} as in the embedded harness.
 */
class DynamoDbChaosIT {
    static final int DEFAULT_RUNS = 12;

    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    @Test
    void everyFaultedRunEndsLikeTheOracle() throws InterruptedException {
        long seed = Long.getLong("chaos.seed", 20_240_101L);
        String table = AWS.tableName();
        TableLayout.createTable(AWS.clients().dynamoDb(), table);
        SdkThrottler throttler = new SdkThrottler(seed, 0.05, 0.01);
        try (DynamoDbClient faulty = DynamoDbClient.builder().region(AwsEndpointExtension.REGION)
                .endpointOverride(AWS.endpoint()).credentialsProvider(credentials())
                .httpClient(UrlConnectionHttpClient.builder().build())
                .overrideConfiguration(c -> c.addExecutionInterceptor(throttler)).build()) {
            StateStore store = SerializedWrites.onMoto().apply(DynamoDbStateStore.create(faulty, table));
            StateStore verify = DynamoDbStateStore.create(AWS.clients().dynamoDb(), table);
            ChaosHarness.Config cfg = new ChaosHarness.Config("DynamoDB (" + AwsEndpointExtension.resolve().source()
                    + ")", seed, Integer.getInteger("chaos.dynamodb.runs", DEFAULT_RUNS),
                    Integer.getInteger("chaos.workers", 8));
            ChaosFigures f = new ChaosHarness(cfg, store, verify).run();
            System.out.print(f.report());
            System.out.println("   store faults: " + throttler.describe());
            assertThat(f.onTarget()).as(f.report()).isTrue();
        }
    }

    private static software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials() {
        String key = System.getenv("AWS_ACCESS_KEY_ID");
        return key != null && !key.isBlank() ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }
}
