package dev.sluice.infra.store;

import dev.sluice.infra.AwsClients;
import dev.sluice.infra.PayloadStore;
import dev.sluice.infra.TableLayout;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.store.StateStore;
import dev.sluice.store.StateStoreContract;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract against DynamoDB (moto, LocalStack or AWS_ENDPOINT_URL): a fresh table per test. */
class DynamoDbStateStoreIT extends StateStoreContract {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    private static String bucket;
    private static int tables;

    @BeforeAll
    static void createBucket() {
        bucket = AwsEndpointExtension.uniqueName("sluice-payloads");
        AWS.clients().s3().createBucket(b -> b.bucket(bucket));
    }

    /** The contract's concurrent DAG driven by one thread: the same engine flow, without concurrent requests. */
    @Test
    void oneThreadDrivesTheConcurrentDag() throws InterruptedException {
        java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> dispatchCount =
                new java.util.concurrent.ConcurrentHashMap<>();
        driveConcurrently(java.util.List.of(store), 1, concurrentDag(), "r1", concurrentOutcomes(), dispatchCount);
        assertConcurrentRunComplete(store, "r1", dispatchCount);
    }

    @Override
    protected StateStore newStore() {
        AwsClients c = AWS.clients();
        String table = AWS.tableName() + "-" + (++tables);
        TableLayout.createTable(c.dynamoDb(), table);
        return DynamoDbStateStore.create(c.dynamoDb(), table, new PayloadStore(c.s3(), bucket));
    }
}
