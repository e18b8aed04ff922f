package dev.sluice.infra.store;

import static dev.sluice.infra.TableLayout.GSI1;
import static dev.sluice.infra.TableLayout.GSI1_PK;
import static dev.sluice.infra.TableLayout.GSI1_SK;
import static dev.sluice.infra.TableLayout.PK;
import static dev.sluice.infra.TableLayout.SK;
import static dev.sluice.infra.store.Items.n;
import static dev.sluice.infra.store.Items.s;

import dev.sluice.engine.BreakerState;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Pool;
import dev.sluice.engine.RunView;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.Timer;
import dev.sluice.infra.AwsErrors;
import dev.sluice.infra.PayloadStore;
import dev.sluice.infra.TableLayout;
import dev.sluice.model.Dag;
import dev.sluice.state.RunState;
import dev.sluice.store.CachingRunView;
import dev.sluice.store.ConcurrentUpdateException;
import dev.sluice.store.StateStore;
import dev.sluice.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * The engine's store on one DynamoDB table ({@link TableLayout}). Passes {@code StateStoreContract}.
 *
 * <ul>
 *   <li>Every read the engine makes is a strongly consistent point read of one item (run, instance, pool, running
 *       counter), except the waiting list, which pages through the sparse GSI entries of the run's SCHEDULED
 *       instances in admission order. Nothing reads a whole run per event.</li>
 *   <li>{@link #apply} writes a decision with conditions on the versions read; see {@link DecisionWriter} for
 *       transactions, chunking of decisions above 100 items and their order.</li>
 *   <li>Circuit breakers are items too, written in the decision that changes them (conditional on version).</li>
 *   <li>Texts above the {@link PayloadStore}'s threshold (outputs, mapped items, errors, run conf, DAG specs) go to S3;
 *       the item holds the reference and reads load it back.</li>
 *   <li>Throttling is retried with backoff, then surfaces as a retryable {@link StoreException}; every other AWS error
 *       is translated by {@link AwsErrors}.</li>
 * </ul>
 *
 * <p>It remembers nothing between calls: pool sizes, max_active_runs, topological positions and the run as read come
 * with each decision ({@link dev.sluice.engine.WriteContext}), so any instance of the store can apply it.
 */
public final class DynamoDbStateStore implements StateStore {
    /** Without a payload store, texts above this fail clearly instead of hitting DynamoDB's 400 KB limit. */
    static final int INLINE_LIMIT_WITHOUT_S3 = 300 * 1024;

    final DynamoDbClient ddb;
    final String table;
    final PayloadStore payloads;
    final Clock clock;
    /** How long a run's items live after their last write (DynamoDB TTL), or null for ever. */
    final Duration runRetention;
    final CapacityMeter meter = new CapacityMeter();
    private final DynamoDbPools pools = new DynamoDbPools(this);
    private final DecisionWriter writer;
    private final DynamoDbReads reads = new DynamoDbReads(this);

    private DynamoDbStateStore(DynamoDbClient ddb, String table, PayloadStore payloads, Clock clock,
                               Duration runRetention) {
        this.ddb = Objects.requireNonNull(ddb, "ddb");
        this.table = Objects.requireNonNull(table, "table");
        this.payloads = payloads;
        this.clock = Objects.requireNonNull(clock, "clock");
        if (runRetention != null && (runRetention.isNegative() || runRetention.isZero())) {
            throw new IllegalArgumentException("run retention must be positive, got " + runRetention);
        }
        this.runRetention = runRetention;
        this.writer = new DecisionWriter(this);
    }

    /** A store on {@code tableName}; large texts are refused (no S3 bucket for offload). */
    public static DynamoDbStateStore create(DynamoDbClient ddb, String tableName) {
        return new DynamoDbStateStore(ddb, tableName, null, Clock.systemUTC(), null);
    }

    /** A store on {@code tableName} that offloads large texts through {@code payloads}. */
    public static DynamoDbStateStore create(DynamoDbClient ddb, String tableName, PayloadStore payloads) {
        return new DynamoDbStateStore(ddb, tableName, payloads, Clock.systemUTC(), null);
    }

    /** As above, with the clock used for event-dedupe expiry. */
    public static DynamoDbStateStore create(DynamoDbClient ddb, String tableName, PayloadStore payloads,
                                            Clock clock) {
        return new DynamoDbStateStore(ddb, tableName, payloads, clock, null);
    }

    /**
     * As above; every write of a run's items (the run, its task instances, its timers) also sets their
     * {@value TableLayout#TTL} attribute to the write's clock time plus {@code runRetention}, so DynamoDB deletes a
     * run some time after it was last touched. DAG versions, the running-runs counters, pools and circuit breakers
     * never expire. Null {@code runRetention}: run items are kept for ever.
     */
    public static DynamoDbStateStore create(DynamoDbClient ddb, String tableName, PayloadStore payloads,
                                            Clock clock, Duration runRetention) {
        return new DynamoDbStateStore(ddb, tableName, payloads, clock, runRetention);
    }

    /** The retention of run items, or empty when they are kept for ever. */
    public java.util.Optional<Duration> runRetention() {
        return java.util.Optional.ofNullable(runRetention);
    }

    /** Sets the run-item expiry on {@code item} (after its content hash, which leaves the expiry out). */
    Map<String, AttributeValue> expiring(Map<String, AttributeValue> item) {
        if (runRetention != null) {
            item.put(TableLayout.TTL, n(clock.instant().plus(runRetention).getEpochSecond()));
        }
        return item;
    }

    public String tableName() {
        return table;
    }

    /** Request units used by this store so far (reported by the endpoint, and computed from item sizes). */
    public CapacityMeter meter() {
        return meter;
    }

    // ---------------------------------------------------------------- calls

    /** Runs an SDK call (the client retries it, see AwsRetries), translating failures. */
    <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw AwsErrors.translateStore(what, table, e);
        }
    }

    Map<String, AttributeValue> getItem(String what, Map<String, AttributeValue> key) {
        GetItemResponse r = call(what, () -> ddb.getItem(b -> b.tableName(table).key(key).consistentRead(true)
                .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)));
        meter.reportedRead(r.consumedCapacity());
        meter.billedRead(r.hasItem() ? Items.size(r.item()) : 0, true);
        return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
    }

    /**
     * Reads items by key with BatchGetItem, strongly consistent, retrying the keys DynamoDB leaves unprocessed (it
     * does so under load) with backoff. Items that do not exist are simply not in the result.
     */
    List<Map<String, AttributeValue>> batchGet(String what, List<Map<String, AttributeValue>> keys) {
        List<Map<String, AttributeValue>> out = new ArrayList<>();
        List<Map<String, AttributeValue>> pending = keys;
        for (int round = 0; !pending.isEmpty(); round++) {
            if (round > 0) {
                AwsErrors.pause(round);
            }
            if (round > 8) {
                throw new dev.sluice.store.StoreException(what + ": DynamoDB left " + pending.size()
                        + " keys unprocessed after " + round + " requests", true, null);
            }
            KeysAndAttributes request = KeysAndAttributes.builder().keys(pending).consistentRead(true).build();
            BatchGetItemResponse r = call(what, () -> ddb.batchGetItem(b -> b.requestItems(Map.of(table, request))
                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)));
            meter.reportedRead(r.hasConsumedCapacity() && !r.consumedCapacity().isEmpty()
                    ? r.consumedCapacity().get(0) : null);
            List<Map<String, AttributeValue>> items = r.responses().getOrDefault(table, List.of());
            KeysAndAttributes left = r.unprocessedKeys().get(table);
            List<Map<String, AttributeValue>> unprocessed = left == null ? List.of() : left.keys();
            for (Map<String, AttributeValue> item : items) {
                meter.billedRead(Items.size(item), true);
            }
            // A key asked for and neither returned nor left unprocessed does not exist: billed like a GetItem miss.
            for (int i = items.size() + unprocessed.size(); i < pending.size(); i++) {
                meter.billedRead(0, true);
            }
            out.addAll(items);
            pending = unprocessed;
        }
        return out;
    }

    /** Pages through a query lazily; each page is one request, sized by {@code pageSize} (growing). */
    Iterator<Map<String, AttributeValue>> query(String what, QueryRequest base, int firstPage, int maxPage) {
        return new Iterator<>() {
            private List<Map<String, AttributeValue>> page = List.of();
            private int i;
            private Map<String, AttributeValue> startKey;
            private boolean done;
            private int size = firstPage;

            @Override
            public boolean hasNext() {
                while (i >= page.size() && !done) {
                    QueryRequest.Builder b = base.toBuilder().limit(size)
                            .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL);
                    if (startKey != null) {
                        b.exclusiveStartKey(startKey);
                    }
                    QueryRequest req = b.build();
                    QueryResponse r = call(what, () -> ddb.query(req));
                    meter.reportedRead(r.consumedCapacity());
                    int bytes = 0;
                    for (Map<String, AttributeValue> item : r.items()) {
                        bytes += Items.size(item);
                    }
                    meter.billedRead(bytes, !Boolean.FALSE.equals(req.consistentRead()) && req.indexName() == null);
                    page = r.items();
                    i = 0;
                    startKey = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
                    done = startKey == null;
                    size = Math.min(maxPage, size * 2);
                }
                return i < page.size();
            }

            @Override
            public Map<String, AttributeValue> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.get(i++);
            }
        };
    }

    // ---------------------------------------------------------------- payloads

    /** Replaces a too-large text attribute by an S3 reference ("name@"). */
    void offload(Map<String, AttributeValue> item, String name, String s3Key) {
        AttributeValue v = item.get(name);
        if (v == null || v.s() == null) {
            return;
        }
        if (payloads == null) {
            if (Sizes.utf8(v.s()) > INLINE_LIMIT_WITHOUT_S3) {
                throw new StoreException("a " + Sizes.utf8(v.s()) + "-byte text (" + s3Key + ") does not fit in a "
                        + "DynamoDB item; configure a payload bucket (PayloadStore) for the store", false);
            }
            return;
        }
        if (payloads.exceeds(v.s())) {
            item.remove(name);
            item.put(name + Items.REF_SUFFIX, s(payloads.put(s3Key, v.s())));
        }
    }

    /** Loads texts that were offloaded back into the item, in place. */
    Map<String, AttributeValue> loadOffloaded(Map<String, AttributeValue> item) {
        for (String name : List.of(Items.OUTPUT_JSON, Items.ITEM_JSON, Items.ERROR, Items.CONF_JSON, "spec")) {
            AttributeValue ref = item.get(name + Items.REF_SUFFIX);
            if (ref != null) {
                if (payloads == null) {
                    throw new StoreException("item " + item.get(PK).s() + " / " + item.get(SK).s() + " refers to "
                            + ref.s() + " but this store has no payload bucket configured", false);
                }
                Map<String, AttributeValue> copy = new HashMap<>(item);
                copy.put(name, s(payloads.get(ref.s())));
                item = copy;
            }
        }
        return item;
    }

    TaskInstance toInstance(Map<String, AttributeValue> item) {
        return Items.INSTANCE.mapToItem(loadOffloaded(item));
    }

    DagRun toRun(Map<String, AttributeValue> item) {
        return Items.RUN.mapToItem(loadOffloaded(item));
    }

    // ---------------------------------------------------------------- DAG versions

    @Override
    public void putDagVersion(String dagId, String version, String specText) {
        Map<String, AttributeValue> item = Items.key(TableLayout.DAG_PREFIX + dagId,
                TableLayout.VERSION_SK_PREFIX + version);
        item.put("spec", s(specText));
        offload(item, "spec", PayloadStore.DAG_VERSIONS_PREFIX + dagId + "/" + version + ".txt");
        try {
            call("storing DAG " + dagId + " version " + version, () -> ddb.putItem(b -> b.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(#pk)").expressionAttributeNames(Map.of("#pk", PK))));
        } catch (ConcurrentUpdateException exists) {
            // Idempotent: the first text stays.
        }
    }

    @Override
    public Optional<String> dagVersion(String dagId, String version) {
        Map<String, AttributeValue> item = getItem("reading DAG " + dagId + " version " + version,
                Items.key(TableLayout.DAG_PREFIX + dagId, TableLayout.VERSION_SK_PREFIX + version));
        return item == null ? Optional.empty() : Optional.of(loadOffloaded(item).get("spec").s());
    }

    // ---------------------------------------------------------------- runs

    @Override
    public Optional<DagRun> run(String runId) {
        Map<String, AttributeValue> item = getItem("reading run " + runId, Items.runKey(runId));
        return item == null ? Optional.empty() : Optional.of(toRun(item));
    }

    private static final Comparator<DagRun> NEWEST_FIRST = Comparator.comparing(DagRun::logicalDate).reversed()
            .thenComparing(DagRun::runId);
    private static final Comparator<DagRun> OLDEST_FIRST = Comparator.comparing(DagRun::logicalDate)
            .thenComparing(DagRun::runId);

    private QueryRequest runsOfDagInState(String dagId, RunState state, boolean forward) {
        return QueryRequest.builder().tableName(table).indexName(GSI1)
                .keyConditionExpression("#p = :p AND begins_with(#s, :s)")
                .expressionAttributeNames(Map.of("#p", GSI1_PK, "#s", GSI1_SK))
                .expressionAttributeValues(Map.of(":p", s(TableLayout.GSI_RUNS_PREFIX + dagId),
                        ":s", s(state.name() + "#")))
                .scanIndexForward(forward).build();
    }

    @Override
    public List<DagRun> runs(String dagId, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        List<DagRun> all = new ArrayList<>();
        if (dagId == null) {
            // Every DAG: an operator's listing, not a coordinator path; a paginated scan of run items.
            Map<String, AttributeValue> start = null;
            do {
                Map<String, AttributeValue> from = start;
                ScanResponse r = call("listing runs", () -> ddb.scan(b -> b.tableName(table).consistentRead(true)
                        .filterExpression("#sk = :run").expressionAttributeNames(Map.of("#sk", SK))
                        .expressionAttributeValues(Map.of(":run", s(TableLayout.RUN_SK))).exclusiveStartKey(from)
                        .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)));
                meter.reportedRead(r.consumedCapacity());
                r.items().forEach(i -> all.add(toRun(i)));
                start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
            } while (start != null);
        } else {
            for (RunState state : RunState.values()) {
                // Newest first per state; keep reading past the limit only while logical dates tie.
                Iterator<Map<String, AttributeValue>> it = query("listing runs of " + dagId,
                        runsOfDagInState(dagId, state, false), Math.min(limit + 1, 100), 100);
                int taken = 0;
                Instant last = null;
                while (it.hasNext()) {
                    DagRun r = toRun(it.next());
                    if (taken >= limit && !r.logicalDate().equals(last)) {
                        break;
                    }
                    all.add(r);
                    taken++;
                    last = r.logicalDate();
                }
            }
        }
        all.sort(NEWEST_FIRST);
        return List.copyOf(all.subList(0, Math.min(limit, all.size())));
    }

    @Override
    public List<DagRun> runs(String dagId, RunState state, int limit) {
        List<DagRun> out = new ArrayList<>();
        if (limit <= 0) {
            return out;
        }
        Iterator<Map<String, AttributeValue>> it = query("listing " + state.airflowName() + " runs of " + dagId,
                runsOfDagInState(dagId, state, true), Math.min(limit, 100), 100);
        while (out.size() < limit && it.hasNext()) {
            out.add(toRun(it.next()));
        }
        out.sort(OLDEST_FIRST);
        return out;
    }

    @Override
    public Optional<Instant> latestLogicalDate(String dagId, String runIdPrefix) {
        Instant best = null;
        for (RunState state : RunState.values()) {
            QueryRequest q = runsOfDagInState(dagId, state, false).toBuilder()
                    .filterExpression("begins_with(#r, :prefix)")
                    .expressionAttributeNames(Map.of("#p", GSI1_PK, "#s", GSI1_SK, "#r", "r"))
                    .expressionAttributeValues(Map.of(":p", s(TableLayout.GSI_RUNS_PREFIX + dagId),
                            ":s", s(state.name() + "#"), ":prefix", s(runIdPrefix)))
                    .build();
            Iterator<Map<String, AttributeValue>> it = query("finding the latest " + runIdPrefix + " run of "
                    + dagId, q, 25, 100);
            if (it.hasNext()) {
                Instant t = Items.RUN.mapToItem(it.next()).logicalDate();
                best = best == null || t.isAfter(best) ? t : best;
            }
        }
        return Optional.ofNullable(best);
    }

    @Override
    public Optional<DagRun> previousRun(String dagId, Instant logicalDate, boolean skipManual) {
        return adjacentRun(dagId, logicalDate, skipManual, true);
    }

    @Override
    public Optional<DagRun> nextRun(String dagId, Instant logicalDate, boolean skipManual) {
        return adjacentRun(dagId, logicalDate, skipManual, false);
    }

    /**
     * The run just before (or after) {@code logicalDate}: the runs index is sorted by state, then logical date, so
     * one query per run state, each reading the one item nearest to {@code logicalDate} (more only past manual runs
     * when {@code skipManual}); never the run's instances.
     */
    private Optional<DagRun> adjacentRun(String dagId, Instant logicalDate, boolean skipManual, boolean before) {
        DagRun best = null;
        String at = TableLayout.sortableInstant(logicalDate);
        for (RunState state : RunState.values()) {
            String st = state.name();
            // Keys are STATE#<logical date>#<run id>: "#" sorts below "$", so these bounds exclude logicalDate.
            String lo = before ? st + "#" : st + "#" + at + "$";
            String hi = before ? st + "#" + at : st + "$";
            QueryRequest.Builder q = QueryRequest.builder().tableName(table).indexName(GSI1)
                    .keyConditionExpression("#p = :p AND #s BETWEEN :lo AND :hi").scanIndexForward(!before);
            Map<String, String> names = new HashMap<>(Map.of("#p", GSI1_PK, "#s", GSI1_SK));
            Map<String, AttributeValue> values = new HashMap<>(Map.of(":p", s(TableLayout.GSI_RUNS_PREFIX + dagId),
                    ":lo", s(lo), ":hi", s(hi)));
            if (skipManual) {
                q.filterExpression("#ty <> :manual");
                names.put("#ty", "ty");
                values.put(":manual", s(RunType.MANUAL.name()));
            }
            Iterator<Map<String, AttributeValue>> it = query("finding the run " + (before ? "before " : "after ")
                    + logicalDate + " of " + dagId, q.expressionAttributeNames(names)
                    .expressionAttributeValues(values).build(), 1, 25);
            if (it.hasNext()) {
                DagRun r = toRun(it.next());
                boolean nearer = best == null || (before ? r.logicalDate().isAfter(best.logicalDate())
                        : r.logicalDate().isBefore(best.logicalDate()));
                best = nearer ? r : best;
            }
        }
        return Optional.ofNullable(best);
    }

    // ---------------------------------------------------------------- instances and views

    @Override
    public List<TaskInstance> instances(String runId) {
        QueryRequest q = QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("#pk = :pk AND begins_with(#sk, :ti)")
                .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                .expressionAttributeValues(Map.of(":pk", s(Items.runPk(runId)),
                        ":ti", s(TableLayout.INSTANCE_SK_PREFIX)))
                .build();
        List<TaskInstance> out = new ArrayList<>();
        query("listing the tasks of run " + runId, q, 500, 1000).forEachRemaining(i -> out.add(toInstance(i)));
        out.sort(Comparator.comparing(TaskInstance::key));
        return out;
    }

    @Override
    public List<dev.sluice.engine.Effect> effects(String runId) {
        QueryRequest q = QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("#pk = :pk AND begins_with(#sk, :ef)")
                .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                .expressionAttributeValues(Map.of(":pk", s(Items.runPk(runId)),
                        ":ef", s(TableLayout.EFFECT_SK_PREFIX)))
                .build();
        List<dev.sluice.engine.Effect> out = new ArrayList<>();
        query("listing the effects of run " + runId, q, 100, 1000).forEachRemaining(i -> out.add(
                dev.sluice.engine.EffectJson.read(i.get("body").s()).withState(
                        dev.sluice.engine.Effect.State.fromWire(i.get("st").s()),
                        i.containsKey("detail") ? i.get("detail").s() : null)));
        out.sort(Comparator.comparing(dev.sluice.engine.Effect::createdAt,
                Comparator.nullsFirst(Comparator.naturalOrder())).thenComparing(dev.sluice.engine.Effect::key));
        return out;
    }

    @Override
    public boolean claimEffect(dev.sluice.engine.Effect e) {
        try {
            call("claiming effect " + e.key(), () -> ddb.updateItem(b -> b.tableName(table).key(Items.effectKey(e))
                    .updateExpression("SET #st = :running").conditionExpression("#st = :pending")
                    .expressionAttributeNames(Map.of("#st", "st"))
                    .expressionAttributeValues(Map.of(":running", s("running"), ":pending", s("pending")))));
            return true;
        } catch (ConcurrentUpdateException taken) {
            return false;
        }
    }

    @Override
    public void finishEffect(dev.sluice.engine.Effect e, dev.sluice.engine.Effect.State state, String detail) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":s", s(state.wireName()));
        values.put(":running", s("running"));
        values.put(":d", detail == null ? AttributeValue.builder().nul(true).build() : s(detail));
        try {
            call("recording the end of effect " + e.key(), () -> ddb.updateItem(b -> b.tableName(table)
                    .key(Items.effectKey(e)).updateExpression("SET #st = :s, #d = :d").conditionExpression("#st = :running")
                    .expressionAttributeNames(Map.of("#st", "st", "#d", "detail")).expressionAttributeValues(values)));
        } catch (ConcurrentUpdateException notRunning) {
            // not claimed (or already recorded): nothing to record
        }
    }

    @Override
    public RunView view(Dag dag, String runId) {
        return new CachingRunView(reads, dag.dagId(), runId);
    }

    /** Runs of the DAG in state RUNNING: one counter item, kept in the same transaction as the run's state. */
    public int runningRuns(String dagId) {
        Map<String, AttributeValue> item = getItem("counting running runs of " + dagId,
                Items.key(TableLayout.DAG_PREFIX + dagId, TableLayout.RUNNING_SK));
        return item == null || item.get("n") == null ? 0 : Math.max(0, Integer.parseInt(item.get("n").n()));
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void apply(Decision decision) throws ConcurrentUpdateException {
        writer.apply(decision);
    }

    // ---------------------------------------------------------------- timers, pools, overdue

    private QueryRequest dueQuery(String gsiPk, Instant now) {
        // Entries due at `now` start with its sortable form and "#", and '#' < '$'.
        return QueryRequest.builder().tableName(table).indexName(GSI1)
                .keyConditionExpression("#p = :p AND #s < :upper")
                .expressionAttributeNames(Map.of("#p", GSI1_PK, "#s", GSI1_SK))
                .expressionAttributeValues(Map.of(":p", s(gsiPk), ":upper",
                        s(TableLayout.sortableInstant(now) + "$")))
                .build();
    }

    @Override
    public List<Timer> dueTimers(Instant now, int limit) {
        List<Timer> out = new ArrayList<>();
        if (limit <= 0) {
            return out;
        }
        Iterator<Map<String, AttributeValue>> it = query("reading due timers", dueQuery(TableLayout.GSI_TIMERS, now),
                Math.min(limit, 100), 100);
        while (out.size() < limit && it.hasNext()) {
            out.add(Items.TIMER.mapToItem(it.next()));
        }
        return out;
    }

    @Override
    public void deleteTimer(Timer timer) {
        call("deleting timer " + timer, () -> ddb.deleteItem(b -> b.tableName(table)
                .key(Items.key(Items.runPk(timer.runId()), Items.timerSk(timer)))));
    }

    /**
     * Task instances queued or running whose current try's deadline is at or before {@code now}, oldest deadline
     * first: the tick fails them (timed out, retryable). From the sparse GSI, so possibly a moment stale; the engine
     * ignores a timeout for a try that has moved on.
     */
    public List<TaskInstance> overdue(Instant now, int limit) {
        List<TaskInstance> out = new ArrayList<>();
        if (limit <= 0) {
            return out;
        }
        Iterator<Map<String, AttributeValue>> it = query("reading overdue tasks",
                dueQuery(TableLayout.GSI_DEADLINES, now), Math.min(limit, 100), 100);
        while (out.size() < limit && it.hasNext()) {
            out.add(toInstance(it.next()));
        }
        return out;
    }

    @Override
    public int poolUsed(String pool) {
        return pools.pool(pool).used();
    }

    /** The pool as stored, or {@link Pool#absent}. */
    Pool pool(String name) {
        return pools.pool(name);
    }

    @Override
    public List<Pool> pools() {
        return pools.all();
    }

    @Override
    public void setPool(String name, int size, String description) {
        pools.set(name, size, description);
    }

    @Override
    public PoolDeletion deletePool(String name) {
        return pools.delete(name);
    }

    // ---------------------------------------------------------------- event dedupe, circuit breakers

    /**
     * Records that an event (an S3 object event, an SQS message) was handled; false when it was already seen within
     * its time to live, i.e. this delivery is a duplicate. The item expires through DynamoDB TTL after {@code ttl}.
     */
    public boolean markEventSeen(String eventId, Duration ttl) {
        Instant now = clock.instant();
        Map<String, AttributeValue> item = Items.key(TableLayout.EVENT_PREFIX + eventId, TableLayout.EVENT_SK);
        item.put(TableLayout.TTL, n(now.plus(ttl).getEpochSecond()));
        try {
            ddb.putItem(b -> b.tableName(table).item(item)
                    // TTL deletion lags; an expired item counts as absent.
                    .conditionExpression("attribute_not_exists(#pk) OR #ttl < :now")
                    .expressionAttributeNames(Map.of("#pk", PK, "#ttl", TableLayout.TTL))
                    .expressionAttributeValues(Map.of(":now", n(now.getEpochSecond()))));
            return true;
        } catch (SdkException e) {
            if (AwsErrors.isConditionFailure(e)) {
                return false;
            }
            throw AwsErrors.translateStore("recording event " + eventId, table, e);
        }
    }

    @Override
    public List<BreakerState> breakers() {
        QueryRequest q = QueryRequest.builder().tableName(table).indexName(GSI1)
                .keyConditionExpression("#p = :p").expressionAttributeNames(Map.of("#p", GSI1_PK))
                .expressionAttributeValues(Map.of(":p", s(TableLayout.GSI_BREAKERS))).build();
        List<BreakerState> out = new ArrayList<>();
        query("listing circuit breakers", q, 100, 1000).forEachRemaining(i -> out.add(Items.BREAKER.mapToItem(i)));
        return out;
    }

    /** The stored breaker, or null when it was never written (closed). */
    public BreakerState breaker(String name) {
        Map<String, AttributeValue> item = getItem("reading circuit breaker " + name,
                Items.key(TableLayout.BREAKER_PREFIX + name, TableLayout.BREAKER_SK));
        return item == null ? null : Items.BREAKER.mapToItem(item);
    }

    @Override
    public boolean resetBreaker(String name) {
        for (int attempt = 0; attempt < 10; attempt++) {
            BreakerState b = breaker(name);
            if (b == null) {
                return false;
            }
            try {
                apply(new Decision(null, List.of(), List.of(), List.of(), List.of(), Map.of(),
                        List.of(BreakerState.closed(name).withVersion(b.version() + 1))));
                return true;
            } catch (ConcurrentUpdateException raced) {
                // a coordinator changed it meanwhile: read again
            }
        }
        throw new ConcurrentUpdateException("circuit breaker " + name + " keeps changing; try again");
    }
}
