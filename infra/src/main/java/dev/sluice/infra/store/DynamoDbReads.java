package dev.sluice.infra.store;

import static dev.sluice.infra.TableLayout.GSI1;
import static dev.sluice.infra.TableLayout.GSI1_PK;
import static dev.sluice.infra.store.Items.s;

import dev.sluice.engine.BreakerState;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.infra.TableLayout;
import dev.sluice.store.CachingRunView;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * The reads the engine's view makes on the table: strongly consistent point reads, BatchGetItem for prefetches, and
 * the run's sparse waiting index in pages (4 items first, doubling to 256). The caching is {@link CachingRunView}'s.
 */
final class DynamoDbReads implements CachingRunView.Loads {
    private static final int FIRST_PAGE = 4;
    private static final int MAX_PAGE = 256;
    /** BatchGetItem's limit of keys per request. */
    private static final int BATCH_GET = 100;

    private final DynamoDbStateStore store;

    DynamoDbReads(DynamoDbStateStore store) {
        this.store = store;
    }

    @Override
    public DagRun run(String runId) {
        return store.run(runId).orElse(null);
    }

    @Override
    public DagRun previousRun(String dagId, java.time.Instant logicalDate, boolean skipManual) {
        return store.previousRun(dagId, logicalDate, skipManual).orElse(null);
    }

    @Override
    public TaskInstance instance(String runId, TaskKey key) {
        Map<String, AttributeValue> item = store.getItem("reading task " + key + " of run " + runId,
                Items.instanceKey(runId, key));
        return item == null ? null : store.toInstance(item);
    }

    /** Strongly consistent, up to 100 keys a request. */
    @Override
    public List<TaskInstance> instances(String runId, List<TaskKey> keys) {
        List<TaskInstance> out = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += BATCH_GET) {
            List<TaskKey> chunk = keys.subList(from, Math.min(keys.size(), from + BATCH_GET));
            store.batchGet("reading " + chunk.size() + " tasks of run " + runId,
                    chunk.stream().map(k -> Items.instanceKey(runId, k)).toList())
                    .forEach(item -> out.add(store.toInstance(item)));
        }
        return out;
    }

    @Override
    public Iterator<TaskInstance> scheduled(String runId) {
        QueryRequest q = QueryRequest.builder().tableName(store.table).indexName(GSI1)
                .keyConditionExpression("#p = :p")
                .expressionAttributeNames(Map.of("#p", GSI1_PK))
                .expressionAttributeValues(Map.of(":p", s(TableLayout.GSI_SCHEDULED_PREFIX + runId)))
                .build();
        Iterator<Map<String, AttributeValue>> items = store.query("reading waiting tasks of run " + runId, q,
                FIRST_PAGE, MAX_PAGE);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return items.hasNext();
            }

            @Override
            public TaskInstance next() {
                return store.toInstance(items.next());
            }
        };
    }

    @Override
    public dev.sluice.engine.Pool pool(String name) {
        return store.pool(name);
    }

    @Override
    public int runningRuns(String dagId) {
        return store.runningRuns(dagId);
    }

    @Override
    public BreakerState breaker(String name) {
        return store.breaker(name);
    }
}
