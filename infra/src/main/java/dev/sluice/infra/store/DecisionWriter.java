package dev.sluice.infra.store;

import static dev.sluice.infra.TableLayout.GSI1_PK;
import static dev.sluice.infra.TableLayout.GSI1_SK;
import static dev.sluice.infra.TableLayout.HASH;
import static dev.sluice.infra.TableLayout.PK;
import static dev.sluice.infra.TableLayout.SK;
import static dev.sluice.infra.TableLayout.VERSION;
import static dev.sluice.infra.store.Items.n;
import static dev.sluice.infra.store.Items.s;

import dev.sluice.engine.BreakerState;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.PoolBound;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.Timer;
import dev.sluice.engine.WriteContext;
import dev.sluice.infra.PayloadStore;
import dev.sluice.infra.TableLayout;
import dev.sluice.state.RunState;
import dev.sluice.store.ConcurrentUpdateException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * Writes one {@link Decision}: every item conditional on the version the engine read.
 *
 * <p><b>Sizes.</b> One item is a single conditional PutItem/UpdateItem (half the cost of a transaction). Up to 100
 * items (and 3.5 MB) are one TransactWriteItems: all or nothing, as the port asks.
 *
 * <p><b>Ordered writes.</b> A decision with {@link Decision#commitLast()} (a completion that changes nothing but the
 * completed instance and its direct downstream instances) is written as single conditional writes, the completed
 * instance last; see {@link #ordered}.
 *
 * <p><b>A new run's instances</b> are written first, one conditional PutItem each (1 WCU per KB instead of 2 inside
 * a transaction), and the run item with the rest of the decision after them: nothing reads a run's instances
 * before its run item exists, and a replay writes the same items again (see the replay condition below).
 *
 * <p><b>Larger decisions</b> (a run of more than ~99 tasks being created, a fan-out of more than ~99 downstream
 * tasks being updated) cannot be one transaction, so they are written in chunks, in this order:
 * <ol>
 *   <li>instances being created (version 1) that are not dispatched by this decision;</li>
 *   <li>other instance updates that are not dispatched;</li>
 *   <li>last, in the final chunk: the instances this decision claims for dispatch, timers, circuit breakers,
 *       pool deltas, the
 *       running-runs counter and the run item.</li>
 * </ol>
 * Only the final chunk uses strict conditions. The earlier chunks also accept an item that already holds exactly
 * the target content (same content hash {@value TableLayout#HASH}), so replaying the same decision after a crash
 * between chunks completes it, and identical version-1 creates are idempotent. Because the run item and every claim
 * come last, a crash between chunks never dispatches anything and never moves the run's counters: for a run being
 * created, the redelivered RunRequested finds no run and re-creates the same instances (idempotently).
 * A completion with a fan-out wider than a transaction comes with {@link Decision#commitLast()}: its downstream
 * items carry the engine's tentative marks and the completed instance goes in the final chunk, so a redelivered
 * completion after a crash between chunks recognises what landed and counts nothing twice (see
 * {@link dev.sluice.engine.TaskInstance.Tentative}).
 * <b>Known gap:</b> other decisions large enough to be chunked (a tick or a clear that changes more than ~99
 * instances at once) carry no marks: a crash between their chunks leaves the earlier chunks' items written and the
 * run item not, which the redelivered event does not reconcile.
 */
final class DecisionWriter {
    private static final int MAX_ITEMS = TableLayout.MAX_TRANSACTION_ITEMS;
    private static final long MAX_BYTES = TableLayout.MAX_TRANSACTION_BYTES;
    private static final int METER_KEYS = 1_000_000;

    private final DynamoDbStateStore store;
    /** For metering only: the GSI key each item was last written with by this store. */
    private final Map<String, String> lastIndexKey = new ConcurrentHashMap<>();

    DecisionWriter(DynamoDbStateStore store) {
        this.store = store;
    }

    /** One write of a decision. {@code put} is a whole item (Put); otherwise {@code update} is an update expression. */
    private record Op(String what, Map<String, AttributeValue> key, Map<String, AttributeValue> put, String update,
                      String condition, String replayCondition, Map<String, String> names,
                      Map<String, AttributeValue> values, int bytes) {

        String id() {
            return key.get(PK).s() + "|" + key.get(SK).s();
        }

        /** A create whose replay also overwrites an item nobody has changed since it was created (version 1). */
        Op orphanReplay() {
            Map<String, String> withVersion = new HashMap<>(names);
            withVersion.put("#v", VERSION);
            Map<String, AttributeValue> withOne = new HashMap<>(values);
            withOne.put(":one", n(1));
            return new Op(what, key, put, update, condition, replayCondition + " OR #v = :one", withVersion, withOne,
                    bytes);
        }

        String indexKey() {
            if (put == null || !put.containsKey(GSI1_PK)) {
                return null;
            }
            return put.get(GSI1_PK).s() + "|" + put.get(GSI1_SK).s();
        }

        TransactWriteItem transactItem(String table, boolean replayable) {
            String cond = replayable && replayCondition != null ? replayCondition : condition;
            if (put != null) {
                Put.Builder b = Put.builder().tableName(table).item(put);
                if (cond != null) {
                    b.conditionExpression(cond).expressionAttributeNames(usedNames(cond));
                    if (!values.isEmpty() && cond.contains(":")) {
                        b.expressionAttributeValues(usedValues(cond));
                    }
                }
                return TransactWriteItem.builder().put(b.build()).build();
            }
            Update.Builder b = Update.builder().tableName(table).key(key).updateExpression(update)
                    .expressionAttributeNames(names).expressionAttributeValues(values);
            if (cond != null) {
                b.conditionExpression(cond);
            }
            return TransactWriteItem.builder().update(b.build()).build();
        }

        Map<String, String> usedNames(String cond) {
            Map<String, String> used = new HashMap<>();
            names.forEach((k, v) -> {
                if (cond.contains(k)) {
                    used.put(k, v);
                }
            });
            return used;
        }

        /** Only the values the condition names: DynamoDB rejects unused expression values. */
        Map<String, AttributeValue> usedValues(String cond) {
            Map<String, AttributeValue> used = new HashMap<>();
            values.forEach((k, v) -> {
                if (cond.contains(k)) {
                    used.put(k, v);
                }
            });
            return used;
        }
    }

    void apply(Decision d) {
        try {
            apply(d, Map.of());
        } catch (ConcurrentUpdateException e) {
            // Giving slots back never fails: a pool holding fewer than are given back is set to zero instead.
            Map<String, Integer> shortPools = new HashMap<>();
            d.poolDeltas().forEach((pool, delta) -> {
                int used = delta < 0 ? store.poolUsed(pool) : 0;
                if (delta < 0 && used < -delta) {
                    shortPools.put(pool, used);
                }
            });
            if (shortPools.isEmpty()) {
                throw e;
            }
            apply(d, shortPools);
        }
    }

    /** Writes {@code d}; a pool in {@code shortPools} (name -> slots seen in use) is released to zero from there. */
    private void apply(Decision d, Map<String, Integer> shortPools) {
        if (d.isNoop() && d.timers().isEmpty() && d.poolDeltas().isEmpty()) {
            return;
        }
        String runId = d.run() != null ? d.run().runId()
                : !d.instances().isEmpty() ? d.instances().get(0).runId()
                : !d.timers().isEmpty() ? d.timers().get(0).runId() : "(none)";
        String what = "applying a decision for run " + runId;
        if (d.commitLast() != null && d.run() == null && d.timers().isEmpty() && d.breakers().isEmpty()
                && d.effects().isEmpty() && d.poolDeltas().values().stream().allMatch(v -> v == 0)) {
            ordered(what, d);
            return;
        }

        Set<String> claimed = new HashSet<>();
        for (Dispatch x : d.dispatches()) {
            claimed.add(x.runId() + "|" + x.task());
        }
        List<Op> creates = new ArrayList<>();
        List<Op> updates = new ArrayList<>();
        List<Op> last = new ArrayList<>();
        WriteContext ctx = d.context();
        for (TaskInstance t : d.instances()) {
            Op op = instanceOp(t, ctx);
            if (claimed.contains(t.runId() + "|" + t.key()) || t.key().equals(d.commitLast())) {
                last.add(op);
            } else if (t.version() == 1) {
                creates.add(op);
            } else {
                updates.add(op);
            }
        }
        Map<String, Timer> timers = new LinkedHashMap<>();
        for (Timer t : d.timers()) {
            timers.putIfAbsent(t.runId() + "|" + Items.timerSk(t), t);
        }
        for (Timer t : timers.values()) {
            Map<String, AttributeValue> item = store.expiring(Items.timerItem(t));
            last.add(new Op("timer " + t, Items.key(item.get(PK).s(), item.get(SK).s()), item, null, null, null,
                    Map.of(), Map.of(), Items.size(item)));
        }
        for (dev.sluice.engine.Effect e : d.effects()) {
            last.add(effectOp(e));
        }
        for (BreakerState b : d.breakers()) {
            last.add(versioned("circuit breaker " + b.name(), Items.withHash(Items.breakerItem(b)), b.version()));
        }
        d.poolDeltas().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .filter(e -> e.getValue() != 0 && !Integer.valueOf(0).equals(shortPools.get(e.getKey())))
                .forEach(e -> last.add(e.getValue() < 0
                        ? releaseOp(e.getKey(), e.getValue(), shortPools.get(e.getKey()))
                        : takeOp(e.getKey(), e.getValue(), ctx.poolBound(e.getKey()))));
        if (d.run() != null) {
            Op counter = runningCounterOp(d.run(), ctx);
            if (counter != null) {
                last.add(counter);
            }
            last.add(runOp(d.run()));
        }
        List<Op> all = new ArrayList<>(creates);
        all.addAll(updates);
        all.addAll(last);
        boolean newRun = d.run() != null && d.run().version() == 1;
        if (newRun && (all.size() > MAX_ITEMS || bytes(all) > MAX_BYTES)) {
            // A run too big for one transaction (more than 100 tasks start at once): its first instances go ahead
            // as plain puts. They are invisible until the run item exists (written last), so an attempt that died
            // after some of them is completed by the redelivered RunRequested, whose items differ in their times:
            // an instance still at version 1 under a run that does not exist yet is that attempt's orphan.
            for (Op op : creates) {
                single(what + " (new instance)", op.orphanReplay(), true);
            }
            all.subList(0, creates.size()).clear();
        }

        if (all.isEmpty()) {
            return; // only slots given back to pools that hold none
        }
        if (all.size() == 1) {
            single(what, all.get(0), false);
        } else if (all.size() <= MAX_ITEMS && bytes(all) <= MAX_BYTES) {
            transact(what, all, false);
        } else {
            chunked(what, all);
        }
    }

    /**
     * A completion that changes only instances, as single conditional writes: the downstream items first (each
     * carries the engine's tentative mark naming the completed try), the completed instance last. A crash in between
     * leaves marks that the redelivered completion recognises as its own, and that other decisions wait on; see
     * {@link dev.sluice.engine.TaskInstance.Tentative}. Half the write units of a transaction of the same items.
     */
    private void ordered(String what, Decision d) {
        TaskInstance last = null;
        for (TaskInstance t : d.instances()) {
            if (t.key().equals(d.commitLast())) {
                last = t;
            } else {
                single(what + " (ahead of " + d.commitLast() + ")", instanceOp(t, d.context()), false);
            }
        }
        if (last != null) {
            single(what + " (" + d.commitLast() + ", last)", instanceOp(last, d.context()), false);
        }
    }

    private static long bytes(List<Op> ops) {
        long n = 0;
        for (Op op : ops) {
            n += op.bytes();
        }
        return n;
    }

    private void chunked(String what, List<Op> all) {
        // The final chunk is the tail: as much as fits, so the run item and the claims land together, last.
        int start = all.size();
        long bytes = 0;
        while (start > 0 && all.size() - start < MAX_ITEMS && bytes + all.get(start - 1).bytes() <= MAX_BYTES) {
            bytes += all.get(--start).bytes();
        }
        List<List<Op>> chunks = new ArrayList<>();
        List<Op> current = new ArrayList<>();
        long currentBytes = 0;
        for (Op op : all.subList(0, start)) {
            if (current.size() == MAX_ITEMS || currentBytes + op.bytes() > MAX_BYTES) {
                chunks.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(op);
            currentBytes += op.bytes();
        }
        if (!current.isEmpty()) {
            chunks.add(current);
        }
        for (int i = 0; i < chunks.size(); i++) {
            try {
                transact(what + " (chunk " + (i + 1) + " of " + (chunks.size() + 1) + ")", chunks.get(i), true);
            } catch (ConcurrentUpdateException e) {
                throw new ConcurrentUpdateException(e.getMessage() + "; " + i + " earlier chunk(s) of this decision "
                        + "were written and are completed by replaying the same decision");
            }
        }
        List<Op> tail = all.subList(start, all.size());
        if (tail.size() == 1) {
            single(what + " (final write)", tail.get(0), false);
        } else {
            transact(what + " (final chunk)", tail, false);
        }
    }

    private void single(String what, Op op, boolean replayable) {
        String table = store.table;
        String cond = replayable && op.replayCondition() != null ? op.replayCondition() : op.condition();
        if (op.put() != null) {
            PutItemResponse r = store.call(what, () -> store.ddb.putItem(b -> {
                b.tableName(table).item(op.put()).returnConsumedCapacity(ReturnConsumedCapacity.TOTAL);
                if (cond != null) {
                    b.conditionExpression(cond).expressionAttributeNames(op.usedNames(cond));
                    if (cond.contains(":")) {
                        b.expressionAttributeValues(op.usedValues(cond));
                    }
                }
            }));
            store.meter.reportedWrite(r.consumedCapacity() == null ? List.of() : List.of(r.consumedCapacity()));
        } else {
            UpdateItemResponse r = store.call(what, () -> store.ddb.updateItem(b -> {
                b.tableName(table).key(op.key()).updateExpression(op.update()).expressionAttributeNames(op.names())
                        .expressionAttributeValues(op.values()).returnConsumedCapacity(ReturnConsumedCapacity.TOTAL);
                if (op.condition() != null) {
                    b.conditionExpression(op.condition());
                }
            }));
            store.meter.reportedWrite(r.consumedCapacity() == null ? List.of() : List.of(r.consumedCapacity()));
        }
        metered(List.of(op), false);
    }

    private void transact(String what, List<Op> ops, boolean replayable) {
        List<TransactWriteItem> items = new ArrayList<>(ops.size());
        for (Op op : ops) {
            items.add(op.transactItem(store.table, replayable));
        }
        TransactWriteItemsResponse r = store.call(what, () -> store.ddb.transactWriteItems(b -> b
                .transactItems(items).returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)));
        store.meter.reportedWrite(r.consumedCapacity());
        metered(ops, true);
    }

    private void metered(List<Op> ops, boolean transactional) {
        if (lastIndexKey.size() > METER_KEYS) {
            lastIndexKey.clear();
        }
        for (Op op : ops) {
            store.meter.billedItemWrite(op.bytes(), transactional);
            String now = op.indexKey();
            String before = now == null ? lastIndexKey.remove(op.id()) : lastIndexKey.put(op.id(), now);
            if (now != null) {
                store.meter.billedIndexWrite(op.bytes());
            }
            if (before != null && !before.equals(now)) {
                store.meter.billedIndexDelete();
            }
        }
    }

    // ---------------------------------------------------------------- ops

    private Op instanceOp(TaskInstance t, WriteContext ctx) {
        Map<String, AttributeValue> item = Items.instanceItem(t, ctx.position(t.taskId()));
        store.offload(item, Items.OUTPUT_JSON, PayloadStore.key(t.runId(), t.key(), t.tryNumber(), ".json"));
        store.offload(item, Items.ITEM_JSON, PayloadStore.runPrefix(t.runId()) + t.key() + "/item.json");
        store.offload(item, Items.ERROR, PayloadStore.key(t.runId(), t.key(), t.tryNumber(), ".error.txt"));
        return versioned("task " + t.key() + " of run " + t.runId(), store.expiring(Items.withHash(item)),
                t.version());
    }

    private Op runOp(DagRun r) {
        Map<String, AttributeValue> item = Items.runItem(r);
        store.offload(item, Items.CONF_JSON, PayloadStore.runPrefix(r.runId()) + "conf.json");
        return versioned("run " + r.runId(), store.expiring(Items.withHash(item)), r.version());
    }

    /** A whole-item Put: create (version 1) must find no item, update must find {@code version - 1}. */
    private static Op versioned(String what, Map<String, AttributeValue> item, long version) {
        Map<String, AttributeValue> key = Items.key(item.get(PK).s(), item.get(SK).s());
        String strict = version == 1 ? "attribute_not_exists(#pk)" : "#v = :expected";
        Map<String, String> names = version == 1 ? Map.of("#pk", PK, "#h", HASH) : Map.of("#v", VERSION, "#h", HASH);
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":h", item.get(HASH));
        if (version != 1) {
            values.put(":expected", n(version - 1));
        }
        return new Op(what, key, item, null, strict, strict + " OR #h = :h", names, values, Items.size(item));
    }

    /** Slots given back: the count goes down by {@code -delta}, or to zero from {@code seen} when it holds fewer. */
    /** Creates an effect unless one with its key exists, which it then leaves as it is (whatever its state). */
    private static Op effectOp(dev.sluice.engine.Effect e) {
        String body = dev.sluice.engine.EffectJson.write(e);
        Map<String, AttributeValue> key = Items.effectKey(e);
        return new Op("effect " + e.key(), key, null,
                "SET #st = if_not_exists(#st, :st), #body = if_not_exists(#body, :body)", null, null,
                Map.of("#st", "st", "#body", "body"), Map.of(":st", s(e.state().wireName()), ":body", s(body)),
                body.length() + 100);
    }

    private static Op releaseOp(String pool, int delta, Integer seen) {
        Map<String, AttributeValue> values = new HashMap<>();
        String update;
        String condition;
        if (seen == null) {
            update = "SET #u = #u + :d";
            condition = "#u >= :neg";
            values.put(":d", n(delta));
            values.put(":neg", n(-delta));
        } else {
            update = "SET #u = :zero";
            condition = "#u = :seen";
            values.put(":zero", n(0));
            values.put(":seen", n(seen));
        }
        return new Op("pool " + pool, poolKey(pool), null, update, condition, null, Map.of("#u", "u"), values, 60);
    }

    /** Slots taken within {@code bound}, which the stored pool must still give (see {@link PoolBound}). */
    private static Op takeOp(String pool, int delta, PoolBound bound) {
        if (!bound.isUnbounded() && delta > bound.size()) {
            throw new ConcurrentUpdateException("pool " + pool + " cannot take " + delta + " (size " + bound.size()
                    + ")");
        }
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":zero", n(0), ":d", n(delta)));
        Map<String, String> names = new HashMap<>(Map.of("#u", "u", "#s", "s"));
        String update = "SET #u = if_not_exists(#u, :zero) + :d";
        String fits = " AND (attribute_not_exists(#u) OR #u <= :lim)";
        String condition;
        if (bound.isUnbounded()) {
            condition = "attribute_not_exists(#s)";
        } else {
            values.put(":s", n(bound.size()));
            values.put(":lim", n(bound.size() - delta));
            names.put("#by", "by");
            if (bound.isSet()) {
                condition = "#s = :s AND attribute_not_exists(#by)" + fits;
            } else {
                update += ", #s = :s, #by = :by";
                values.put(":by", s(bound.declaredBy()));
                condition = "(attribute_not_exists(#s) OR (attribute_exists(#by) AND (#s = :s OR #u = :zero)))" + fits;
            }
        }
        return new Op("pool " + pool, poolKey(pool), null, update, condition, null, names, values, 80);
    }

    private static Map<String, AttributeValue> poolKey(String pool) {
        return Items.key(TableLayout.POOL_PREFIX + pool, TableLayout.POOL_SK);
    }

    /**
     * Keeps the per-DAG count of RUNNING runs exact, in the same transaction as the run's state change. Starting a
     * run is conditional on the count staying below max_active_runs, so two coordinators cannot both start one. The
     * run's state before comes with the decision; a decision built by hand without it costs a read.
     */
    private Op runningCounterOp(DagRun next, WriteContext ctx) {
        boolean wasRunning = false;
        if (next.version() != 1) {
            DagRun before = ctx.runBefore();
            if (before == null || !before.runId().equals(next.runId()) || before.version() != next.version() - 1) {
                before = store.run(next.runId()).orElse(null);
            }
            if (before == null || before.version() != next.version() - 1) {
                throw new ConcurrentUpdateException("run " + next.runId() + " changed (expected version "
                        + (next.version() - 1) + ", found " + (before == null ? "none" : before.version()) + ")");
            }
            wasRunning = before.state() == RunState.RUNNING;
        }
        boolean running = next.state() == RunState.RUNNING;
        if (running == wasRunning) {
            return null;
        }
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":d", n(running ? 1 : -1)));
        String condition = null;
        if (running && ctx.maxActiveRuns() != null) {
            condition = "attribute_not_exists(#n) OR #n < :max";
            values.put(":max", n(ctx.maxActiveRuns()));
        }
        return new Op("running runs of " + next.dagId(),
                Items.key(TableLayout.DAG_PREFIX + next.dagId(), TableLayout.RUNNING_SK), null, "ADD #n :d",
                condition, null, Map.of("#n", "n"), values, 60);
    }
}
