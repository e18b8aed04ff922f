package dev.sluice.store;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Effect;
import dev.sluice.engine.WriteContext;
import dev.sluice.engine.RunView;
import dev.sluice.engine.Pool;
import dev.sluice.engine.PoolBound;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import dev.sluice.model.Dag;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A store in memory, for tests, benchmarks and the reliability oracle. Thread-safe through one lock; indexes
 * waiting instances per run so admission costs O(log n), like a real store's sorted index. Like the other stores it
 * learns nothing from {@link #view}: pool bounds, max_active_runs and positions come with each decision.
 */
public final class InMemoryStateStore implements StateStore {
    private final Map<String, String> dagVersions = new HashMap<>();
    private final Map<String, DagRun> runs = new HashMap<>();
    private final Map<String, HashMap<TaskKey, TaskInstance>> instances = new HashMap<>();
    /** Waiting instances per run in admission order (positions from their decisions' {@link WriteContext}). */
    private final Map<String, TreeMap<WaitKey, TaskInstance>> scheduled = new HashMap<>();
    /** The key each waiting instance is filed under in {@link #scheduled}. */
    private final Map<String, HashMap<TaskKey, WaitKey>> waitKeys = new HashMap<>();
    private final Map<String, Pool> pools = new HashMap<>();
    private final TreeSet<Timer> timers = new TreeSet<>(Comparator.comparing(Timer::fireAt)
            .thenComparing(Timer::runId).thenComparing(Timer::task).thenComparingInt(Timer::tryNumber)
            .thenComparing(Timer::kind));
    private final Map<String, dev.sluice.engine.BreakerState> breakers = new java.util.TreeMap<>();
    /** Effects per run, by key, in the order they were created. */
    private final Map<String, java.util.LinkedHashMap<String, Effect>> effects = new HashMap<>();

    @Override
    public synchronized void putDagVersion(String dagId, String version, String specText) {
        dagVersions.putIfAbsent(dagId + "#" + version, specText);
    }

    @Override
    public synchronized Optional<String> dagVersion(String dagId, String version) {
        return Optional.ofNullable(dagVersions.get(dagId + "#" + version));
    }

    @Override
    public synchronized Optional<DagRun> run(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    @Override
    public synchronized List<DagRun> runs(String dagId, int limit) {
        return runs.values().stream().filter(r -> dagId == null || r.dagId().equals(dagId))
                .sorted(Comparator.comparing(DagRun::logicalDate).reversed().thenComparing(DagRun::runId))
                .limit(limit).toList();
    }

    @Override
    public synchronized List<DagRun> runs(String dagId, RunState state, int limit) {
        return runs.values().stream().filter(r -> r.dagId().equals(dagId) && r.state() == state)
                .sorted(Comparator.comparing(DagRun::logicalDate).thenComparing(DagRun::runId))
                .limit(limit).toList();
    }

    @Override
    public synchronized Optional<Instant> latestLogicalDate(String dagId, String runIdPrefix) {
        return runs.values().stream()
                .filter(r -> r.dagId().equals(dagId) && r.runId().startsWith(runIdPrefix))
                .map(DagRun::logicalDate).max(Comparator.naturalOrder());
    }

    @Override
    public synchronized Optional<DagRun> previousRun(String dagId, Instant logicalDate, boolean skipManual) {
        return runs.values().stream().filter(r -> r.dagId().equals(dagId) && r.logicalDate().isBefore(logicalDate)
                        && !(skipManual && r.type() == dev.sluice.engine.RunType.MANUAL))
                .max(Comparator.comparing(DagRun::logicalDate).thenComparing(DagRun::runId));
    }

    @Override
    public synchronized Optional<DagRun> nextRun(String dagId, Instant logicalDate, boolean skipManual) {
        return runs.values().stream().filter(r -> r.dagId().equals(dagId) && r.logicalDate().isAfter(logicalDate)
                        && !(skipManual && r.type() == dev.sluice.engine.RunType.MANUAL))
                .min(Comparator.comparing(DagRun::logicalDate).thenComparing(DagRun::runId));
    }

    /** Engine admission order: priority descending, then position, then map index (task id breaks ties). */
    private record WaitKey(int priority, int position, int mapIndex, String taskId) implements Comparable<WaitKey> {
        private static final Comparator<WaitKey> ORDER = Comparator.comparingInt((WaitKey k) -> -k.priority)
                .thenComparingInt(WaitKey::position).thenComparingInt(WaitKey::mapIndex)
                .thenComparing(WaitKey::taskId);

        @Override
        public int compareTo(WaitKey o) {
            return ORDER.compare(this, o);
        }
    }

    @Override
    public synchronized RunView view(Dag dag, String runId) {
        DagRun run = runs.get(runId);
        HashMap<TaskKey, TaskInstance> byKey = instances.getOrDefault(runId, new HashMap<>());
        TreeMap<WaitKey, TaskInstance> waiting = scheduled.get(runId);
        List<TaskInstance> waitingCopy = waiting == null ? List.of() : new ArrayList<>(waiting.values());
        long running = runs.values().stream()
                .filter(r -> r.dagId().equals(dag.dagId()) && r.state() == RunState.RUNNING).count();
        Map<String, Pool> poolCopy = new HashMap<>(pools);
        Map<TaskKey, TaskInstance> snapshot = Map.copyOf(byKey);
        Map<String, dev.sluice.engine.BreakerState> breakerCopy = Map.copyOf(breakers);
        return new RunView() {
            @Override
            public DagRun run() {
                return run;
            }

            @Override
            public TaskInstance instance(TaskKey key) {
                return snapshot.get(key);
            }

            @Override
            public Iterator<TaskInstance> scheduledInPriorityOrder() {
                return waitingCopy.iterator();
            }

            @Override
            public int poolUsed(String pool) {
                return pool(pool).used();
            }

            @Override
            public Pool pool(String name) {
                return poolCopy.getOrDefault(name, Pool.absent(name));
            }

            @Override
            public int runningRunsOfDag() {
                return (int) running;
            }

            @Override
            public dev.sluice.engine.BreakerState breaker(String name) {
                return breakerCopy.get(name);
            }

            @Override
            public DagRun previousRun(Instant logicalDate, boolean skipManual) {
                return InMemoryStateStore.this.previousRun(dag.dagId(), logicalDate, skipManual).orElse(null);
            }

            @Override
            public TaskInstance otherRunInstance(String otherRunId, TaskKey key) {
                return otherInstance(otherRunId, key);
            }
        };
    }

    private synchronized TaskInstance otherInstance(String runId, TaskKey key) {
        HashMap<TaskKey, TaskInstance> m = instances.get(runId);
        return m == null ? null : m.get(key);
    }

    /**
     * A live view without copying, for single-threaded drivers and benchmarks: reads see the current state.
     * Only valid while nobody else applies decisions to this run.
     */
    public synchronized RunView liveView(Dag dag, String runId) {
        return new RunView() {
            @Override
            public DagRun run() {
                return runs.get(runId);
            }

            @Override
            public TaskInstance instance(TaskKey key) {
                HashMap<TaskKey, TaskInstance> m = instances.get(runId);
                return m == null ? null : m.get(key);
            }

            @Override
            public Iterator<TaskInstance> scheduledInPriorityOrder() {
                TreeMap<WaitKey, TaskInstance> s = scheduled.get(runId);
                return s == null ? java.util.Collections.emptyIterator() : s.values().iterator();
            }

            @Override
            public int poolUsed(String pool) {
                return pool(pool).used();
            }

            @Override
            public Pool pool(String name) {
                return pools.getOrDefault(name, Pool.absent(name));
            }

            @Override
            public int runningRunsOfDag() {
                return (int) runs.values().stream()
                        .filter(r -> r.dagId().equals(dag.dagId()) && r.state() == RunState.RUNNING).count();
            }

            @Override
            public dev.sluice.engine.BreakerState breaker(String name) {
                synchronized (InMemoryStateStore.this) {
                    return breakers.get(name);
                }
            }

            @Override
            public DagRun previousRun(Instant logicalDate, boolean skipManual) {
                return InMemoryStateStore.this.previousRun(dag.dagId(), logicalDate, skipManual).orElse(null);
            }

            @Override
            public TaskInstance otherRunInstance(String otherRunId, TaskKey key) {
                return otherInstance(otherRunId, key);
            }
        };
    }

    @Override
    public synchronized List<TaskInstance> instances(String runId) {
        List<TaskInstance> out = new ArrayList<>(instances.getOrDefault(runId, new HashMap<>()).values());
        out.sort(Comparator.comparing(TaskInstance::key));
        return out;
    }

    @Override
    public synchronized void apply(Decision d) {
        // Check every condition first, so a failed one changes nothing.
        if (d.run() != null) {
            DagRun stored = runs.get(d.run().runId());
            long expected = d.run().version() - 1;
            if (stored == null ? expected != 0 : stored.version() != expected) {
                throw new ConcurrentUpdateException("run " + d.run().runId() + " changed (expected version "
                        + expected + ", found " + (stored == null ? "none" : stored.version()) + ")");
            }
        }
        for (TaskInstance t : d.instances()) {
            HashMap<TaskKey, TaskInstance> m = instances.get(t.runId());
            TaskInstance stored = m == null ? null : m.get(t.key());
            long expected = t.version() - 1;
            if (stored == null ? expected != 0 : stored.version() != expected) {
                throw new ConcurrentUpdateException("task " + t.key() + " of " + t.runId() + " changed");
            }
        }
        for (dev.sluice.engine.BreakerState b : d.breakers()) {
            dev.sluice.engine.BreakerState stored = breakers.get(b.name());
            long expected = b.version() - 1;
            if (stored == null ? expected != 0 : stored.version() != expected) {
                throw new ConcurrentUpdateException("circuit breaker " + b.name() + " changed");
            }
        }
        WriteContext ctx = d.context();
        Map<String, Pool> poolsAfter = new HashMap<>();
        for (Map.Entry<String, Integer> e : d.poolDeltas().entrySet()) {
            Pool stored = pools.getOrDefault(e.getKey(), Pool.absent(e.getKey()));
            if (e.getValue() < 0) {
                poolsAfter.put(e.getKey(), stored.released(-e.getValue()));
            } else if (e.getValue() > 0) {
                PoolBound bound = ctx.poolBound(e.getKey());
                if (!bound.admits(stored, e.getValue())) {
                    throw new ConcurrentUpdateException("pool " + e.getKey() + " cannot take " + e.getValue()
                            + " more slots (" + stored.used() + " in use, size " + stored.size() + ")");
                }
                poolsAfter.put(e.getKey(), bound.took(stored, e.getValue()));
            }
        }
        if (d.run() != null && ctx.maxActiveRuns() != null && d.run().state() == RunState.RUNNING) {
            long running = runs.values().stream().filter(r -> r.dagId().equals(d.run().dagId())
                    && r.state() == RunState.RUNNING && !r.runId().equals(d.run().runId())).count();
            if (running >= ctx.maxActiveRuns()) {
                throw new ConcurrentUpdateException("run " + d.run().runId() + " cannot start: " + running
                        + " runs of " + d.run().dagId() + " are running (max_active_runs " + ctx.maxActiveRuns() + ")");
            }
        }
        if (d.run() != null) {
            runs.put(d.run().runId(), d.run());
        }
        for (TaskInstance t : d.instances()) {
            HashMap<TaskKey, TaskInstance> m = instances.computeIfAbsent(t.runId(), k -> new HashMap<>());
            TaskInstance old = m.put(t.key(), t);
            boolean wasWaiting = old != null && old.state() == TaskState.SCHEDULED;
            if (wasWaiting || t.state() == TaskState.SCHEDULED) {
                TreeMap<WaitKey, TaskInstance> waiting = scheduled.computeIfAbsent(t.runId(), k -> new TreeMap<>());
                HashMap<TaskKey, WaitKey> keys = waitKeys.computeIfAbsent(t.runId(), k -> new HashMap<>());
                if (wasWaiting) {
                    waiting.remove(keys.remove(t.key()));
                }
                if (t.state() == TaskState.SCHEDULED) {
                    WaitKey k = new WaitKey(t.priority(), ctx.position(t.taskId()), t.mapIndex(), t.taskId());
                    keys.put(t.key(), k);
                    waiting.put(k, t);
                }
            }
        }
        pools.putAll(poolsAfter);
        d.breakers().forEach(b -> breakers.put(b.name(), b));
        timers.addAll(d.timers());
        for (Effect e : d.effects()) {
            effects.computeIfAbsent(e.runId(), k -> new java.util.LinkedHashMap<>()).putIfAbsent(e.key(), e);
        }
    }

    @Override
    public synchronized List<Effect> effects(String runId) {
        return List.copyOf(effects.getOrDefault(runId, new java.util.LinkedHashMap<>()).values());
    }

    @Override
    public synchronized boolean claimEffect(Effect effect) {
        java.util.LinkedHashMap<String, Effect> m = effects.get(effect.runId());
        Effect stored = m == null ? null : m.get(effect.key());
        if (stored == null || stored.state() != Effect.State.PENDING) {
            return false;
        }
        m.put(effect.key(), stored.withState(Effect.State.RUNNING, null));
        return true;
    }

    @Override
    public synchronized void finishEffect(Effect effect, Effect.State state, String detail) {
        java.util.LinkedHashMap<String, Effect> m = effects.get(effect.runId());
        Effect stored = m == null ? null : m.get(effect.key());
        if (stored != null && stored.state() == Effect.State.RUNNING) {
            m.put(effect.key(), stored.withState(state, detail));
        }
    }

    @Override
    public synchronized List<Timer> dueTimers(Instant now, int limit) {
        List<Timer> out = new ArrayList<>();
        for (Timer t : timers) {
            if (t.fireAt().isAfter(now) || out.size() >= limit) {
                break;
            }
            out.add(t);
        }
        return out;
    }

    @Override
    public synchronized void deleteTimer(Timer timer) {
        timers.remove(timer);
    }

    @Override
    public synchronized List<dev.sluice.engine.BreakerState> breakers() {
        return new ArrayList<>(breakers.values());
    }

    @Override
    public synchronized boolean resetBreaker(String name) {
        dev.sluice.engine.BreakerState b = breakers.get(name);
        if (b == null) {
            return false;
        }
        breakers.put(name, dev.sluice.engine.BreakerState.closed(name).withVersion(b.version() + 1));
        return true;
    }

    @Override
    public synchronized int poolUsed(String pool) {
        return pools.getOrDefault(pool, Pool.absent(pool)).used();
    }

    @Override
    public synchronized List<Pool> pools() {
        return pools.values().stream().sorted(java.util.Comparator.comparing(Pool::name)).toList();
    }

    @Override
    public synchronized void setPool(String name, int size, String description) {
        Pool p = pools.getOrDefault(name, Pool.absent(name));
        pools.put(name, new Pool(name, size, p.used(), null, description));
    }

    @Override
    public synchronized PoolDeletion deletePool(String name) {
        Pool p = pools.get(name);
        if (p == null) {
            return PoolDeletion.NOT_FOUND;
        }
        if (p.used() > 0) {
            return PoolDeletion.IN_USE;
        }
        pools.remove(name);
        return PoolDeletion.DELETED;
    }
}
