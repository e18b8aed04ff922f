package dev.sluice.infra.store;

import static dev.sluice.infra.TableLayout.GSI1_PK;
import static dev.sluice.infra.TableLayout.GSI1_SK;
import static dev.sluice.infra.TableLayout.HASH;
import static dev.sluice.infra.TableLayout.PK;
import static dev.sluice.infra.TableLayout.SK;
import static dev.sluice.infra.TableLayout.sortableInstant;

import dev.sluice.engine.BreakerState;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.MarkSource;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import dev.sluice.engine.UpstreamCounts;
import dev.sluice.infra.TableLayout;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticImmutableTableSchema;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The item shapes: Enhanced Client table schemas (built once) that map the engine's records to attributes with
 * short names (an item's size is what DynamoDB bills), plus the key and index attributes the store adds.
 */
final class Items {
    private Items() {
    }

    /** Attribute names of the texts that may be offloaded to S3; "{name}@" holds the s3:// reference instead. */
    static final String ITEM_JSON = "it";
    static final String OUTPUT_JSON = "o";
    static final String ERROR = "e";
    static final String CONF_JSON = "c";
    static final String REF_SUFFIX = "@";

    /** Builder slots for the immutable records: the schema's setters fill them, the build function reads them. */
    static final class Slots {
        final Object[] v;

        Slots(int n) {
            v = new Object[n];
        }

        String s(int i) {
            return (String) v[i];
        }

        int i(int i, int absent) {
            return v[i] == null ? absent : (Integer) v[i];
        }

        long l(int i) {
            return v[i] == null ? 0 : (Long) v[i];
        }

        Instant t(int i) {
            return (Instant) v[i];
        }
    }

    /** Adds attributes in slot order, so a record's fields and its build function stay side by side. */
    private static final class Attrs<T> {
        private final StaticImmutableTableSchema.Builder<T, Slots> b;
        private int next;

        Attrs(Class<T> type, int slots, Function<Slots, T> build) {
            b = StaticImmutableTableSchema.builder(type, Slots.class).newItemBuilder(() -> new Slots(slots), build);
        }

        <R> Attrs<T> add(Class<R> type, String name, Function<T, R> getter) {
            int slot = next++;
            b.addAttribute(type, a -> a.name(name).getter(getter).setter((s, v) -> s.v[slot] = v));
            return this;
        }

        TableSchema<T> build() {
            return b.build();
        }
    }

    static final TableSchema<BreakerState> BREAKER = new Attrs<>(BreakerState.class, 6, s -> new BreakerState(
            s.s(0), BreakerState.Status.valueOf(s.s(1)), s.i(2, 0), s.t(3), s.s(4), s.l(5)))
            .add(String.class, "name", BreakerState::name)
            .add(String.class, "s", b -> b.status().name())
            .add(Integer.class, "f", BreakerState::failures)
            .add(Instant.class, "oa", BreakerState::openedAt)
            .add(String.class, "pr", BreakerState::probe)
            .add(Long.class, TableLayout.VERSION, BreakerState::version)
            .build();

    static Map<String, AttributeValue> breakerItem(BreakerState b) {
        Map<String, AttributeValue> m = new HashMap<>(BREAKER.itemToMap(b, true));
        m.putAll(key(TableLayout.BREAKER_PREFIX + b.name(), TableLayout.BREAKER_SK));
        m.put(GSI1_PK, s(TableLayout.GSI_BREAKERS));
        m.put(GSI1_SK, s(b.name()));
        return m;
    }

    static final TableSchema<TaskInstance> INSTANCE = new Attrs<>(TaskInstance.class, 24, s -> TaskInstance
            .builder(s.s(0), s.s(1)).mapIndex(s.i(2, -1)).state(TaskState.valueOf(s.s(3))).tryNumber(s.i(4, 0))
            .maxTries(s.i(5, 1)).priority(s.i(6, 1))
            .upstream(new UpstreamCounts(s.i(7, 0), s.i(8, 0), s.i(9, 0), s.i(10, 0), s.i(11, 0)))
            .mapCount(s.i(12, -1)).itemJson(s.s(13)).outputJson(s.s(14)).error(s.s(15)).queuedAt(s.t(16))
            .startedAt(s.t(17)).endedAt(s.t(18)).deadline(s.t(19)).nextAttemptAt(s.t(20)).version(s.l(21))
            .tentative(s.s(22) == null ? null
                    : new TaskInstance.Tentative(MarkSource.decode(s.s(22)), TaskState.valueOf(s.s(23))))
            .build())
            .add(String.class, "r", TaskInstance::runId)
            .add(String.class, "t", TaskInstance::taskId)
            .add(Integer.class, "m", TaskInstance::mapIndex)
            .add(String.class, "s", t -> t.state().name())
            .add(Integer.class, "n", TaskInstance::tryNumber)
            .add(Integer.class, "x", TaskInstance::maxTries)
            .add(Integer.class, "p", TaskInstance::priority)
            .add(Integer.class, "us", t -> nonZero(t.upstream().success()))
            .add(Integer.class, "uk", t -> nonZero(t.upstream().skipped()))
            .add(Integer.class, "uf", t -> nonZero(t.upstream().failed()))
            .add(Integer.class, "uu", t -> nonZero(t.upstream().upstreamFailed()))
            .add(Integer.class, "ur", t -> nonZero(t.upstream().removed()))
            .add(Integer.class, "mc", t -> t.mapCount() == -1 ? null : t.mapCount())
            .add(String.class, ITEM_JSON, TaskInstance::itemJson)
            .add(String.class, OUTPUT_JSON, TaskInstance::outputJson)
            .add(String.class, ERROR, TaskInstance::error)
            .add(Instant.class, "qa", TaskInstance::queuedAt)
            .add(Instant.class, "sa", TaskInstance::startedAt)
            .add(Instant.class, "ea", TaskInstance::endedAt)
            .add(Instant.class, "dl", TaskInstance::deadline)
            .add(Instant.class, "na", TaskInstance::nextAttemptAt)
            .add(Long.class, TableLayout.VERSION, TaskInstance::version)
            .add(String.class, "tg", t -> t.tentative() == null ? null : t.tentative().source().encode())
            .add(String.class, "tb", t -> t.tentative() == null ? null : t.tentative().before().name())
            .build();

    static final TableSchema<DagRun> RUN = new Attrs<>(DagRun.class, 18, s -> new DagRun(
            s.s(0), s.s(1), RunType.valueOf(s.s(2)), s.t(3), s.t(4), s.t(5), RunState.valueOf(s.s(6)), s.s(7),
            s.s(8), s.t(9), s.t(10), s.t(11), s.i(12, 0), s.i(13, 0), s.i(14, 0), s.i(15, 0), s.l(16),
            DagRun.VersionChange.decode(s.s(17))))
            .add(String.class, "d", DagRun::dagId)
            .add(String.class, "r", DagRun::runId)
            .add(String.class, "ty", r -> r.type().name())
            .add(Instant.class, "ld", DagRun::logicalDate)
            .add(Instant.class, "ds", DagRun::dataIntervalStart)
            .add(Instant.class, "de", DagRun::dataIntervalEnd)
            .add(String.class, "s", r -> r.state().name())
            .add(String.class, CONF_JSON, DagRun::confJson)
            .add(String.class, "dv", DagRun::dagVersion)
            .add(Instant.class, "qa", DagRun::queuedAt)
            .add(Instant.class, "sa", DagRun::startedAt)
            .add(Instant.class, "ea", DagRun::endedAt)
            .add(Integer.class, "pn", DagRun::pending)
            .add(Integer.class, "at", DagRun::activeTasks)
            .add(Integer.class, "wt", DagRun::waiting)
            .add(Integer.class, "fl", DagRun::failedLeaves)
            .add(Long.class, TableLayout.VERSION, DagRun::version)
            .add(String.class, "ev", r -> DagRun.VersionChange.encode(r.earlierVersions()))
            .build();

    static final TableSchema<Timer> TIMER = new Attrs<>(Timer.class, 6, s -> new Timer(
            s.s(0), new TaskKey(s.s(1), s.i(2, -1)), s.i(3, 0), s.t(4), Timer.Kind.valueOf(s.s(5))))
            .add(String.class, "r", Timer::runId)
            .add(String.class, "t", t -> t.task().taskId())
            .add(Integer.class, "m", t -> t.task().mapIndex())
            .add(Integer.class, "n", Timer::tryNumber)
            .add(Instant.class, "f", Timer::fireAt)
            .add(String.class, "k", t -> t.kind().name())
            .build();

    private static Integer nonZero(int v) {
        return v == 0 ? null : v;
    }

    // ---- keys ----

    static String runPk(String runId) {
        return TableLayout.RUN_PREFIX + runId;
    }

    static String instanceSk(TaskKey key) {
        return TableLayout.INSTANCE_SK_PREFIX + key.taskId() + "#" + key.mapIndex();
    }

    static Map<String, AttributeValue> key(String pk, String sk) {
        Map<String, AttributeValue> k = new HashMap<>(2);
        k.put(PK, s(pk));
        k.put(SK, s(sk));
        return k;
    }

    static Map<String, AttributeValue> runKey(String runId) {
        return key(runPk(runId), TableLayout.RUN_SK);
    }

    static Map<String, AttributeValue> instanceKey(String runId, TaskKey key) {
        return key(runPk(runId), instanceSk(key));
    }

    static Map<String, AttributeValue> effectKey(dev.sluice.engine.Effect e) {
        String k = e.key();
        return key(runPk(e.runId()), TableLayout.EFFECT_SK_PREFIX + k.substring(e.runId().length() + 1));
    }

    static String timerSk(Timer t) {
        return TableLayout.TIMER_SK_PREFIX + t.kind() + "#" + t.task().taskId() + "#" + t.task().mapIndex() + "#"
                + t.tryNumber() + "#" + sortableInstant(t.fireAt());
    }

    static String runsGsiSk(DagRun r) {
        return r.state().name() + "#" + sortableInstant(r.logicalDate()) + "#" + r.runId();
    }

    /** Admission order as text: priority descending, then topological position, then map index. */
    static String scheduledGsiSk(TaskInstance t, int position) {
        return String.format("%010d#%08d#%08d", 2147483647L - t.priority(), position, t.mapIndex() + 1L);
    }

    static String deadlineGsiSk(TaskInstance t) {
        return sortableInstant(t.deadline()) + "#" + t.runId() + "#" + t.key();
    }

    static String timerGsiSk(Timer t) {
        return sortableInstant(t.fireAt()) + "#" + t.runId() + "#" + t.task().taskId() + "#"
                + String.format("%08d", t.task().mapIndex() + 1L) + "#" + String.format("%08d", t.tryNumber())
                + "#" + t.kind();
    }

    // ---- whole items ----

    static Map<String, AttributeValue> runItem(DagRun r) {
        Map<String, AttributeValue> m = new HashMap<>(RUN.itemToMap(r, true));
        m.putAll(runKey(r.runId()));
        m.put(GSI1_PK, s(TableLayout.GSI_RUNS_PREFIX + r.dagId()));
        m.put(GSI1_SK, s(runsGsiSk(r)));
        return m;
    }

    /** The instance's item; {@code position} is its task's topological position (for the waiting index). */
    static Map<String, AttributeValue> instanceItem(TaskInstance t, int position) {
        Map<String, AttributeValue> m = new HashMap<>(INSTANCE.itemToMap(t, true));
        m.putAll(instanceKey(t.runId(), t.key()));
        if (t.state() == TaskState.SCHEDULED) {
            m.put(GSI1_PK, s(TableLayout.GSI_SCHEDULED_PREFIX + t.runId()));
            m.put(GSI1_SK, s(scheduledGsiSk(t, position)));
        } else if (t.state().isActive() && t.deadline() != null) {
            m.put(GSI1_PK, s(TableLayout.GSI_DEADLINES));
            m.put(GSI1_SK, s(deadlineGsiSk(t)));
        }
        return m;
    }

    static Map<String, AttributeValue> timerItem(Timer t) {
        Map<String, AttributeValue> m = new HashMap<>(TIMER.itemToMap(t, true));
        m.putAll(key(runPk(t.runId()), timerSk(t)));
        m.put(GSI1_PK, s(TableLayout.GSI_TIMERS));
        m.put(GSI1_SK, s(timerGsiSk(t)));
        return m;
    }

    /**
     * Adds {@value TableLayout#HASH}: a digest of every other attribute but the expiry {@value TableLayout#TTL} (a
     * replay at a later clock time is still the identical write), to recognise a replayed identical write.
     */
    static Map<String, AttributeValue> withHash(Map<String, AttributeValue> item) {
        item.remove(HASH);
        item.put(HASH, s(hash(item)));
        return item;
    }

    static String hash(Map<String, AttributeValue> item) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, AttributeValue> e : new TreeMap<>(item).entrySet()) {
                if (e.getKey().equals(HASH) || e.getKey().equals(TableLayout.TTL)) {
                    continue;
                }
                AttributeValue v = e.getValue();
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                String text = v.s() != null ? "S" + v.s() : v.n() != null ? "N" + v.n() : v.toString();
                md.update(text.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 1);
            }
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** DynamoDB's item size: attribute names plus values (strings as UTF-8, numbers about 1 byte per 2 digits). */
    static int size(Map<String, AttributeValue> item) {
        int n = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            n += e.getKey().length();
            AttributeValue v = e.getValue();
            if (v.s() != null) {
                n += dev.sluice.infra.store.Sizes.utf8(v.s());
            } else if (v.n() != null) {
                n += (v.n().length() + 1) / 2 + 1;
            } else {
                n += 1;
            }
        }
        return n;
    }

    static AttributeValue s(String v) {
        return AttributeValue.builder().s(v).build();
    }

    static AttributeValue n(long v) {
        return AttributeValue.builder().n(Long.toString(v)).build();
    }
}
