package dev.sluice.infra.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.PayloadStore;
import dev.sluice.infra.TableLayout;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** A 5 MB task output goes to S3; the DynamoDB item keeps a reference and stays small; reads load it back. */
class PayloadOffloadIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    @Test
    void fiveMegabyteOutputRoundTripsThroughS3() {
        AwsClients c = AWS.clients();
        TableLayout.createTable(c.dynamoDb(), AWS.tableName());
        String bucket = AwsEndpointExtension.uniqueName("sluice-payloads");
        c.s3().createBucket(b -> b.bucket(bucket));
        DynamoDbStateStore store = DynamoDbStateStore.create(c.dynamoDb(), AWS.tableName(),
                new PayloadStore(c.s3(), bucket));
        store.view(DagBuilder.dag("d").task("a", t -> t.command("x")).build(), "r1");
        Instant t0 = Instant.parse("2024-01-01T00:00:00Z");
        String big = "{\"rows\":\"" + "\u00e9abc".repeat(5 * 1024 * 1024 / 5) + "\"}";
        String conf = "{\"c\":\"" + "y".repeat(100_000) + "\"}";
        DagRun run = new DagRun("d", "r1", RunType.MANUAL, t0, t0, t0, RunState.RUNNING, conf, "v1", t0, t0, null,
                1, 0, 0, 0, 1);
        TaskInstance a = TaskInstance.initial("r1", "a", 3, 1).withState(TaskState.SCHEDULED).withTry(2)
                .withResult(big, null).withVersion(1);
        store.apply(new Decision(run, List.of(a), List.of(), List.of(), List.of(), Map.of()));

        Map<String, AttributeValue> item = c.dynamoDb().getItem(b -> b.tableName(AWS.tableName())
                .key(Items.instanceKey("r1", TaskKey.of("a"))).consistentRead(true)).item();
        assertThat(Items.size(item)).isLessThan(2048);
        assertThat(item).doesNotContainKey("o").containsKey("o@");
        assertThat(item.get("o@").s()).isEqualTo("s3://" + bucket + "/payloads/runs/r1/a/2.json");
        Map<String, AttributeValue> runItem = c.dynamoDb().getItem(b -> b.tableName(AWS.tableName())
                .key(Items.runKey("r1")).consistentRead(true)).item();
        assertThat(Items.size(runItem)).isLessThan(2048);

        assertThat(store.instances("r1").get(0).outputJson()).isEqualTo(big);
        assertThat(store.view(DagBuilder.dag("d").task("a", t -> t.command("x")).build(), "r1")
                .instance(TaskKey.of("a"))).isEqualTo(a);
        assertThat(store.run("r1").orElseThrow().confJson()).isEqualTo(conf);
        // Small outputs stay inline.
        TaskInstance small = a.withResult("{\"n\":1}", null).withVersion(2);
        store.apply(new Decision(null, List.of(small), List.of(), List.of(), List.of(), Map.of()));
        Map<String, AttributeValue> after = c.dynamoDb().getItem(b -> b.tableName(AWS.tableName())
                .key(Items.instanceKey("r1", TaskKey.of("a"))).consistentRead(true)).item();
        assertThat(after.get("o").s()).isEqualTo("{\"n\":1}");
        assertThat(after).doesNotContainKey("o@");
    }

    @Test
    void anExpiredRunPayloadFailsItsReadByNameWhileDagVersionsStayOutsideTheExpiringPrefix() {
        AwsClients c = AWS.clients();
        String table = AWS.tableName() + "-exp";
        TableLayout.createTable(c.dynamoDb(), table);
        String bucket = AwsEndpointExtension.uniqueName("sluice-expiry");
        c.s3().createBucket(b -> b.bucket(bucket));
        DynamoDbStateStore store = DynamoDbStateStore.create(c.dynamoDb(), table, new PayloadStore(c.s3(), bucket));
        store.view(DagBuilder.dag("d").task("a", t -> t.command("x")).build(), "r2");
        Instant t0 = Instant.parse("2024-01-01T00:00:00Z");
        DagRun run = new DagRun("d", "r2", RunType.MANUAL, t0, t0, t0, RunState.RUNNING, "{}", "v1", t0, t0, null,
                1, 0, 0, 0, 1);
        TaskInstance a = TaskInstance.initial("r2", "a", 3, 1).withState(TaskState.SCHEDULED).withTry(1)
                .withResult("{\"rows\":\"" + "z".repeat(100_000) + "\"}", null).withVersion(1);
        store.apply(new Decision(run, List.of(a), List.of(), List.of(), List.of(), Map.of()));
        String key = PayloadStore.key("r2", TaskKey.of("a"), 1, ".json");
        assertThat(key).startsWith(PayloadStore.RUNS_PREFIX);

        // What the lifecycle rule expire-run-payloads does after PayloadRetentionDays.
        c.s3().deleteObject(b -> b.bucket(bucket).key(key));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.instances("r2"))
                .hasMessageContaining("s3://" + bucket + "/" + key)
                .hasMessageContaining("no longer exists")
                .hasMessageContaining("PayloadRetentionDays");

        // A DAG version's text (read by every run pinned to it) is offloaded outside the expiring prefix.
        store.putDagVersion("d", "v9", "dag_id: d\n# " + "x".repeat(100_000));
        List<String> keys = c.s3().listObjectsV2(b -> b.bucket(bucket)).contents().stream()
                .map(o -> o.key()).toList();
        assertThat(keys).contains(PayloadStore.DAG_VERSIONS_PREFIX + "d/v9.txt");
        assertThat(PayloadStore.DAG_VERSIONS_PREFIX).doesNotStartWith(PayloadStore.RUNS_PREFIX);
        assertThat(store.dagVersion("d", "v9").orElseThrow()).endsWith("x".repeat(10));
    }

    @Test
    void eventsAreSeenOnceWithinTheirTimeToLive() {
        AwsClients c = AWS.clients();
        String table = AWS.tableName() + "-evt";
        TableLayout.createTable(c.dynamoDb(), table);
        DynamoDbStateStore store = DynamoDbStateStore.create(c.dynamoDb(), table);
        assertThat(store.markEventSeen("s3:bucket/key/seq1", java.time.Duration.ofDays(1))).isTrue();
        assertThat(store.markEventSeen("s3:bucket/key/seq1", java.time.Duration.ofDays(1))).isFalse();
        assertThat(store.markEventSeen("s3:bucket/key/seq2", java.time.Duration.ofDays(1))).isTrue();
        // An expired item that TTL has not yet deleted counts as absent.
        assertThat(store.markEventSeen("old", java.time.Duration.ofSeconds(-10))).isTrue();
        assertThat(store.markEventSeen("old", java.time.Duration.ofDays(1))).isTrue();
        String ttlAttr = c.dynamoDb().describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription()
                .attributeName();
        assertThat(ttlAttr).isEqualTo(TableLayout.TTL);
    }
}
