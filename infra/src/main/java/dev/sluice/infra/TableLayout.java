package dev.sluice.infra;

import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbWaiter;

/**
 * The one DynamoDB table of a Sluice deployment. template.yaml declares exactly this layout; {@link #createTable}
 * builds it for tests and {@code sluice dev}.
 *
 * <pre>
 * item                 pk                  sk                              gsi1pk / gsi1sk (sparse)
 * DAG version          DAG#dagId           VER#version                     -
 * running-runs counter DAG#dagId           RUNNING                         -
 * run                  RUN#runId           RUN                             RUNS#dagId / state#logicalDate#runId
 * task instance        RUN#runId           TI#taskId#mapIndex              SCHED#runId / priority#position#mapIndex
 *                                                                          (while scheduled)
 *                                                                          DEADLINES / deadline#runId#task
 *                                                                          (while queued or running with a deadline)
 * timer                RUN#runId           TM#kind#taskId#mapIndex#try#at  TIMERS / fireAt#runId#task#try#kind
 * pool                 POOL#name           POOL                            -
 * circuit breaker      CB#name             CB                              BREAKERS / name
 * event dedupe         EVT#eventId         EVT (ttl set)                   -
 * </pre>
 *
 * <p>Run, task-instance and timer items carry {@value #TTL} too when the store has a run retention (every write sets
 * it to the write's time plus the retention, see DynamoDbStateStore#create); DAG versions, the running-runs counter,
 * pools and circuit breakers never do.
 */
public final class TableLayout {
    public static final String PK = "pk";
    public static final String SK = "sk";
    public static final String GSI1 = "gsi1";
    public static final String GSI1_PK = "gsi1pk";
    public static final String GSI1_SK = "gsi1sk";
    /** Epoch seconds; DynamoDB deletes the item some time after it passes. */
    public static final String TTL = "ttl";
    /** Optimistic-locking version on runs, task instances and circuit breakers. */
    public static final String VERSION = "v";
    /** Content hash of the item, so a replayed write of the identical item is recognised. */
    public static final String HASH = "h";

    public static final String DAG_PREFIX = "DAG#";
    public static final String RUN_PREFIX = "RUN#";
    public static final String RUN_SK = "RUN";
    public static final String INSTANCE_SK_PREFIX = "TI#";
    public static final String TIMER_SK_PREFIX = "TM#";
    /** Effects (callbacks, alerts) of a run: {@code EF#<taskId>|<mapIndex>|<try>|<kind>}, attributes st, body, detail. */
    public static final String EFFECT_SK_PREFIX = "EF#";
    public static final String VERSION_SK_PREFIX = "VER#";
    public static final String RUNNING_SK = "RUNNING";
    public static final String POOL_PREFIX = "POOL#";
    public static final String POOL_SK = "POOL";
    public static final String BREAKER_PREFIX = "CB#";
    public static final String BREAKER_SK = "CB";
    public static final String EVENT_PREFIX = "EVT#";
    public static final String EVENT_SK = "EVT";

    public static final String GSI_RUNS_PREFIX = "RUNS#";
    public static final String GSI_SCHEDULED_PREFIX = "SCHED#";
    public static final String GSI_DEADLINES = "DEADLINES";
    public static final String GSI_TIMERS = "TIMERS";
    public static final String GSI_BREAKERS = "BREAKERS";

    /** Transactions take at most 100 items and 4 MB; we stay below the size with a margin. */
    public static final int MAX_TRANSACTION_ITEMS = 100;
    public static final long MAX_TRANSACTION_BYTES = 3_500_000;

    private static final long EPOCH_OFFSET = -Instant.MIN.getEpochSecond();

    private TableLayout() {
    }

    /**
     * An instant as fixed-width text that sorts like the instant (ISO-8601 does not: ".5Z" sorts before "Z").
     * Covers {@link Instant#MIN} to {@link Instant#MAX}.
     */
    public static String sortableInstant(Instant t) {
        return String.format("%017d.%09d", t.getEpochSecond() + EPOCH_OFFSET, t.getNano());
    }

    /**
     * Creates the table with exactly the layout above (on-demand billing, GSI {@value #GSI1} projecting all
     * attributes, TTL on {@value #TTL}) and waits until it is active. An existing table is left alone.
     */
    public static void createTable(DynamoDbClient dynamo, String tableName) {
        try {
            dynamo.createTable(CreateTableRequest.builder()
                    .tableName(tableName)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(
                            attr(PK), attr(SK), attr(GSI1_PK), attr(GSI1_SK))
                    .keySchema(key(PK, KeyType.HASH), key(SK, KeyType.RANGE))
                    .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                            .indexName(GSI1)
                            .keySchema(key(GSI1_PK, KeyType.HASH), key(GSI1_SK, KeyType.RANGE))
                            .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
                            .build())
                    .build());
        } catch (ResourceInUseException exists) {
            return;
        }
        try (DynamoDbWaiter waiter = DynamoDbWaiter.builder().client(dynamo).build()) {
            waiter.waitUntilTableExists(b -> b.tableName(tableName),
                    o -> o.waitTimeout(Duration.ofMinutes(2)));
        }
        dynamo.updateTimeToLive(b -> b.tableName(tableName).timeToLiveSpecification(
                TimeToLiveSpecification.builder().attributeName(TTL).enabled(true).build()));
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
