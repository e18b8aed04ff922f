package dev.sluice.infra.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.BreakerState;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.PayloadStore;
import dev.sluice.infra.TableLayout;
import dev.sluice.infra.testing.AwsEndpointExtension;
import dev.sluice.model.DagBuilder;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/**
 * Run retention on DynamoDB: every write of a run's items (run, task instances, timers) sets the TTL attribute to
 * the write's clock time plus the retention, a later write moves it on, and DAG versions, the running-runs counter,
 * pools and circuit breakers carry none. moto does not delete expired items, so the values are asserted.
 */
class RunRetentionIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    private static final Duration RETENTION = Duration.ofDays(401);

    /** A clock the test moves. */
    private static final class MovingClock extends Clock {
        Instant now = Instant.parse("2025-03-01T10:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void everyRunItemKindExpiresAfterItsLastWriteAndNothingElseExpires() {
        AwsClients c = AWS.clients();
        String table = AWS.tableName() + "-ttl";
        TableLayout.createTable(c.dynamoDb(), table);
        String bucket = AwsEndpointExtension.uniqueName("sluice-ttl");
        c.s3().createBucket(b -> b.bucket(bucket));
        MovingClock clock = new MovingClock();
        DynamoDbStateStore store = DynamoDbStateStore.create(c.dynamoDb(), table, new PayloadStore(c.s3(), bucket),
                clock, RETENTION);
        assertThat(store.runRetention()).contains(RETENTION);
        assertThat(c.dynamoDb().describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription())
                .satisfies(d -> {
                    assertThat(d.attributeName()).isEqualTo(TableLayout.TTL);
                    assertThat(d.timeToLiveStatus()).isEqualTo(TimeToLiveStatus.ENABLED);
                });

        store.putDagVersion("d", "v1", "dag_id: d");
        store.setPool("p", 4, "a pool");
        Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
        DagRun run = new DagRun("d", "r1", RunType.MANUAL, t0, t0, t0, RunState.RUNNING, "{}", "v1", t0, t0, null,
                2, 0, 0, 0, 1);
        TaskInstance a = TaskInstance.initial("r1", "a", 3, 1).withState(TaskState.SCHEDULED).withVersion(1);
        TaskInstance b = TaskInstance.initial("r1", "b", 3, 1).withVersion(1);
        Timer retry = new Timer("r1", TaskKey.of("a"), 1, t0.plusSeconds(300), Timer.Kind.RETRY);
        store.apply(new Decision(run, List.of(a, b), List.of(), List.of(retry), List.of(), Map.of(),
                List.of(BreakerState.closed("cb").withVersion(1))));
        long first = clock.now.plus(RETENTION).getEpochSecond();
        assertThat(ttl(table, Items.runKey("r1"))).isEqualTo(first);
        assertThat(ttl(table, Items.instanceKey("r1", TaskKey.of("a")))).isEqualTo(first);
        assertThat(ttl(table, Items.instanceKey("r1", TaskKey.of("b")))).isEqualTo(first);
        assertThat(ttl(table, Items.key(Items.runPk("r1"), Items.timerSk(retry)))).isEqualTo(first);

        // Nothing that outlives runs expires: pinned runs read DAG versions, pools and breakers are shared.
        assertThat(item(table, Items.key(TableLayout.DAG_PREFIX + "d", TableLayout.VERSION_SK_PREFIX + "v1")))
                .isNotNull().doesNotContainKey(TableLayout.TTL);
        assertThat(item(table, Items.key(TableLayout.DAG_PREFIX + "d", TableLayout.RUNNING_SK)))
                .isNotNull().doesNotContainKey(TableLayout.TTL);
        assertThat(item(table, Items.key(TableLayout.POOL_PREFIX + "p", TableLayout.POOL_SK)))
                .isNotNull().doesNotContainKey(TableLayout.TTL);
        assertThat(item(table, Items.key(TableLayout.BREAKER_PREFIX + "cb", TableLayout.BREAKER_SK)))
                .isNotNull().doesNotContainKey(TableLayout.TTL);

        // Ten days later a write of task a and of the run moves their expiry on; b, untouched, keeps its own.
        clock.now = clock.now.plus(Duration.ofDays(10));
        long later = clock.now.plus(RETENTION).getEpochSecond();
        Timer again = new Timer("r1", TaskKey.of("a"), 2, clock.now.plusSeconds(60), Timer.Kind.RETRY);
        store.apply(new Decision(run.withVersion(2), List.of(a.withState(TaskState.QUEUED).withVersion(2)),
                List.of(), List.of(again), List.of(), Map.of(), List.of()));
        assertThat(ttl(table, Items.runKey("r1"))).isEqualTo(later);
        assertThat(ttl(table, Items.instanceKey("r1", TaskKey.of("a")))).isEqualTo(later);
        assertThat(ttl(table, Items.key(Items.runPk("r1"), Items.timerSk(again)))).isEqualTo(later);
        assertThat(ttl(table, Items.instanceKey("r1", TaskKey.of("b")))).isEqualTo(first);
        assertThat(store.run("r1").orElseThrow().version()).isEqualTo(2);

        // The attribute is a few bytes: plain run and instance items stay well inside their first KB (1 WCU).
        for (Map<String, AttributeValue> key : List.of(Items.runKey("r1"), Items.instanceKey("r1", TaskKey.of("a")))) {
            Map<String, AttributeValue> i = item(table, key);
            Map<String, AttributeValue> without = new java.util.HashMap<>(i);
            without.remove(TableLayout.TTL);
            assertThat(Items.size(i) - Items.size(without)).isBetween(3, 12);
            assertThat(Items.size(i)).isLessThan(700);
        }
    }

    @Test
    void aReplayedChunkAtALaterTimeIsStillRecognisedAsTheSameWrite() {
        AwsClients c = AWS.clients();
        String table = AWS.tableName() + "-ttl-replay";
        TableLayout.createTable(c.dynamoDb(), table);
        MovingClock clock = new MovingClock();
        DynamoDbStateStore store = DynamoDbStateStore.create(c.dynamoDb(), table, null, clock, RETENTION);
        Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
        DagRun run = new DagRun("d", "r2", RunType.MANUAL, t0, t0, t0, RunState.RUNNING, "{}", "v1", t0, t0, null,
                101, 0, 0, 0, 1);
        List<TaskInstance> created = new java.util.ArrayList<>();
        List<TaskInstance> updated = new java.util.ArrayList<>();
        for (int i = 0; i < 101; i++) {
            TaskInstance t = TaskInstance.initial("r2", "t" + i, 1, 1).withVersion(1);
            created.add(t);
            updated.add(t.withState(TaskState.SCHEDULED).withVersion(2));
        }
        store.apply(new Decision(run, created, List.of(), List.of(), List.of(), Map.of()));
        // A decision of 102 items is written in two chunks; an attempt that died after the first chunk (the first
        // two instances) ...
        store.apply(new Decision(null, updated.subList(0, 2), List.of(), List.of(), List.of(), Map.of()));
        Map<String, AttributeValue> before = item(table, Items.instanceKey("r2", TaskKey.of("t0")));
        // ... is replayed an hour later: the first chunk's items are recognised by their content hash, which
        // leaves the expiry out, and the replay completes.
        clock.now = clock.now.plusSeconds(3600);
        store.apply(new Decision(run.withVersion(2), updated, List.of(), List.of(), List.of(), Map.of()));
        Map<String, AttributeValue> after = item(table, Items.instanceKey("r2", TaskKey.of("t0")));
        assertThat(after.get(TableLayout.HASH)).isEqualTo(before.get(TableLayout.HASH));
        assertThat(Long.parseLong(after.get(TableLayout.TTL).n()))
                .isEqualTo(clock.now.plus(RETENTION).getEpochSecond());
        assertThat(store.run("r2").orElseThrow().version()).isEqualTo(2);
        assertThat(store.instances("r2")).allSatisfy(t -> assertThat(t.state()).isEqualTo(TaskState.SCHEDULED));
    }

    @Test
    void withoutARetentionRunItemsCarryNoExpiry() {
        AwsClients c = AWS.clients();
        String table = AWS.tableName() + "-nottl";
        TableLayout.createTable(c.dynamoDb(), table);
        DynamoDbStateStore store = DynamoDbStateStore.create(c.dynamoDb(), table);
        store.view(DagBuilder.dag("d").task("a", t -> t.command("x")).build(), "r3");
        Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
        DagRun run = new DagRun("d", "r3", RunType.MANUAL, t0, t0, t0, RunState.RUNNING, "{}", "v1", t0, t0, null,
                1, 0, 0, 0, 1);
        store.apply(new Decision(run, List.of(TaskInstance.initial("r3", "a", 1, 1).withVersion(1)), List.of(),
                List.of(), List.of(), Map.of()));
        assertThat(store.runRetention()).isEmpty();
        assertThat(item(table, Items.runKey("r3"))).doesNotContainKey(TableLayout.TTL);
        assertThat(item(table, Items.instanceKey("r3", TaskKey.of("a")))).doesNotContainKey(TableLayout.TTL);
    }

    private static Map<String, AttributeValue> item(String table, Map<String, AttributeValue> key) {
        Map<String, AttributeValue> i = AWS.clients().dynamoDb().getItem(b -> b.tableName(table).key(key)
                .consistentRead(true)).item();
        return i == null || i.isEmpty() ? null : i;
    }

    private static long ttl(String table, Map<String, AttributeValue> key) {
        Map<String, AttributeValue> i = item(table, key);
        assertThat(i).as("item %s", key).isNotNull().containsKey(TableLayout.TTL);
        return Long.parseLong(i.get(TableLayout.TTL).n());
    }
}
