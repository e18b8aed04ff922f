package dev.sluice.infra.store;

import static dev.sluice.infra.TableLayout.SK;
import static dev.sluice.infra.store.Items.n;
import static dev.sluice.infra.store.Items.s;

import dev.sluice.engine.Pool;
import dev.sluice.infra.AwsErrors;
import dev.sluice.infra.TableLayout;
import dev.sluice.store.StateStore.PoolDeletion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Pool items ({@code POOL#name / POOL}: {@code u} slots in use, {@code s} size, {@code by} the DAG whose declaration
 * gave the size, absent when set by hand, {@code desc}): reads, and the operator's set, delete and list. Takes and
 * releases are written with each decision ({@link DecisionWriter}).
 */
final class DynamoDbPools {
    private final DynamoDbStateStore store;

    DynamoDbPools(DynamoDbStateStore store) {
        this.store = store;
    }

    private static Map<String, AttributeValue> key(String name) {
        return Items.key(TableLayout.POOL_PREFIX + name, TableLayout.POOL_SK);
    }

    Pool pool(String name) {
        Map<String, AttributeValue> item = store.getItem("reading pool " + name, key(name));
        return item == null ? Pool.absent(name) : toPool(name, item);
    }

    /** Every pool: an operator's listing, a paginated scan for pool items (not a coordinator path). */
    List<Pool> all() {
        List<Pool> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse r = store.call("listing pools", () -> store.ddb.scan(b -> b.tableName(store.table)
                    .consistentRead(true).filterExpression("#sk = :pool").expressionAttributeNames(Map.of("#sk", SK))
                    .expressionAttributeValues(Map.of(":pool", s(TableLayout.POOL_SK))).exclusiveStartKey(from)
                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)));
            store.meter.reportedRead(r.consumedCapacity());
            for (Map<String, AttributeValue> item : r.items()) {
                out.add(toPool(item.get(TableLayout.PK).s().substring(TableLayout.POOL_PREFIX.length()), item));
            }
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        out.sort(Comparator.comparing(Pool::name));
        return out;
    }

    void set(String name, int size, String description) {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":zero", n(0), ":s", n(size)));
        Map<String, String> names = new HashMap<>(Map.of("#u", "u", "#s", "s", "#by", "by", "#desc", "desc"));
        String update = "SET #u = if_not_exists(#u, :zero), #s = :s";
        if (description != null) {
            update += ", #desc = :desc REMOVE #by";
            values.put(":desc", s(description));
        } else {
            update += " REMOVE #by, #desc";
        }
        String expression = update;
        store.call("setting pool " + name, () -> store.ddb.updateItem(b -> b.tableName(store.table).key(key(name))
                .updateExpression(expression).expressionAttributeNames(names).expressionAttributeValues(values)));
    }

    PoolDeletion delete(String name) {
        try {
            store.ddb.deleteItem(b -> b.tableName(store.table).key(key(name))
                    .conditionExpression("attribute_exists(#pk) AND (attribute_not_exists(#u) OR #u = :zero)")
                    .expressionAttributeNames(Map.of("#pk", TableLayout.PK, "#u", "u"))
                    .expressionAttributeValues(Map.of(":zero", n(0))));
            return PoolDeletion.DELETED;
        } catch (SdkException e) {
            if (AwsErrors.isConditionFailure(e)) {
                return store.getItem("reading pool " + name, key(name)) == null ? PoolDeletion.NOT_FOUND
                        : PoolDeletion.IN_USE;
            }
            throw AwsErrors.translateStore("deleting pool " + name, store.table, e);
        }
    }

    private static Pool toPool(String name, Map<String, AttributeValue> item) {
        AttributeValue u = item.get("u");
        AttributeValue size = item.get("s");
        AttributeValue by = item.get("by");
        AttributeValue desc = item.get("desc");
        return new Pool(name, size == null ? null : Integer.valueOf(size.n()),
                u == null ? 0 : Math.max(0, Integer.parseInt(u.n())), by == null ? null : by.s(),
                desc == null ? null : desc.s());
    }
}
