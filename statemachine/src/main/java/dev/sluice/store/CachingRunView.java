package dev.sluice.store;

import dev.sluice.engine.BreakerState;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Pool;
import dev.sluice.engine.RunView;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The view a store hands the engine: reads on demand through the store's {@link Loads} and remembers what it read,
 * so the engine sees one value per key within a decision. Versions guard against anything that changed meanwhile:
 * a decision built on a stale read fails its conditional write. One instance per decision; not thread-safe.
 */
public final class CachingRunView implements RunView {

    /** The store's reads. Each is plain I/O: nothing here is remembered by the store. */
    public interface Loads {
        /** The run, or null. */
        DagRun run(String runId);

        /** The stored instance, or null. */
        TaskInstance instance(String runId, TaskKey key);

        /** The stored ones among {@code keys} (missing ones are left out); by default one read each. */
        default List<TaskInstance> instances(String runId, List<TaskKey> keys) {
            return keys.stream().map(k -> instance(runId, k)).filter(t -> t != null).toList();
        }

        /** The run's SCHEDULED instances in admission order, read lazily (a page at a time). */
        Iterator<TaskInstance> scheduled(String runId);

        /** The pool as stored, or {@link Pool#absent}. */
        Pool pool(String name);

        /** Runs of the DAG in state RUNNING. */
        int runningRuns(String dagId);

        /** The breaker, or null when it was never written. */
        BreakerState breaker(String name);

        /** See {@link RunView#previousRun}. */
        default DagRun previousRun(String dagId, Instant logicalDate, boolean skipManual) {
            throw new UnsupportedOperationException("this store cannot read other runs (depends_on_past)");
        }

        /** See {@link RunView#loadOutput}. */
        default String loadOutput(String outputJson) {
            return outputJson;
        }
    }

    private final Loads loads;
    private final String dagId;
    private final String runId;
    private boolean runRead;
    private DagRun run;
    private final Map<TaskKey, TaskInstance> instances = new HashMap<>();
    private final Map<String, Pool> pools = new HashMap<>();
    private int running = -1;
    private final Map<String, Optional<BreakerState>> breakers = new HashMap<>();
    private final Map<String, Optional<DagRun>> previousRuns = new HashMap<>();
    private final Map<String, Optional<TaskInstance>> otherRuns = new HashMap<>();

    public CachingRunView(Loads loads, String dagId, String runId) {
        this.loads = loads;
        this.dagId = dagId;
        this.runId = runId;
    }

    @Override
    public DagRun run() {
        if (!runRead) {
            run = loads.run(runId);
            runRead = true;
        }
        return run;
    }

    @Override
    public TaskInstance instance(TaskKey key) {
        if (instances.containsKey(key)) {
            return instances.get(key);
        }
        TaskInstance t = loads.instance(runId, key);
        instances.put(key, t);
        return t;
    }

    @Override
    public void prefetch(Collection<TaskKey> keys) {
        List<TaskKey> todo = keys.stream().filter(k -> !instances.containsKey(k)).distinct().toList();
        if (todo.isEmpty()) {
            return;
        }
        List<TaskInstance> found = loads.instances(runId, todo);
        for (TaskKey k : todo) {
            instances.put(k, null);
        }
        for (TaskInstance t : found) {
            instances.put(t.key(), t);
        }
    }

    @Override
    public Iterator<TaskInstance> scheduledInPriorityOrder() {
        Iterator<TaskInstance> rows = loads.scheduled(runId);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public TaskInstance next() {
                TaskInstance t = rows.next();
                instances.putIfAbsent(t.key(), t);
                return t;
            }
        };
    }

    @Override
    public int poolUsed(String pool) {
        return pool(pool).used();
    }

    @Override
    public Pool pool(String name) {
        return pools.computeIfAbsent(name, loads::pool);
    }

    @Override
    public int runningRunsOfDag() {
        if (running < 0) {
            running = loads.runningRuns(dagId);
        }
        return running;
    }

    @Override
    public BreakerState breaker(String name) {
        return breakers.computeIfAbsent(name, n -> Optional.ofNullable(loads.breaker(n))).orElse(null);
    }

    @Override
    public DagRun previousRun(Instant logicalDate, boolean skipManual) {
        return previousRuns.computeIfAbsent(logicalDate + "|" + skipManual,
                k -> Optional.ofNullable(loads.previousRun(dagId, logicalDate, skipManual))).orElse(null);
    }

    @Override
    public TaskInstance otherRunInstance(String otherRunId, TaskKey key) {
        if (otherRunId.equals(runId)) {
            return instance(key);
        }
        return otherRuns.computeIfAbsent(otherRunId + "|" + key,
                k -> Optional.ofNullable(loads.instance(otherRunId, key))).orElse(null);
    }

    @Override
    public String loadOutput(String outputJson) {
        return loads.loadOutput(outputJson);
    }
}
