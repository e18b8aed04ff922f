package dev.sluice.engine;

import dev.sluice.model.Dag;
import dev.sluice.state.RunState;
import java.util.Map;
import java.util.Objects;

/**
 * What a store needs to write a {@link Decision} besides the records themselves. The engine fills it from the DAG
 * and the view it decided on, so a store that never served a {@code view()} (another process, a cold Lambda) writes
 * the decision with the same conditions as one that did.
 *
 * <p>It holds the decision's (immutable) DAG rather than copies of the sizes and positions a writer may look up: a
 * decision is built per event, and copying them would cost more than the rest of a small decision.
 *
 * @param runBefore     the run as the decision read it; null when the decision creates the run or does not write it
 * @param maxActiveRuns when the decision starts the run (creates it running, or moves it on from queued), the DAG's
 *                      max_active_runs that the start must stay within; null when no such bound applies
 * @param dag           the DAG the decision was made for: pool sizes ({@link #poolSize}) and topological positions
 *                      ({@link #position}); null for a decision built by hand
 * @param pools         for each pool the decision takes slots in, the bound admission used ({@link PoolBound}); a
 *                      pool missing here gets the DAG's declaration ({@link PoolBound#declared})
 */
public record WriteContext(DagRun runBefore, Integer maxActiveRuns, Dag dag, Map<String, PoolBound> pools) {

    /** No context: a decision built by hand (tests, a breaker reset). */
    public static final WriteContext NONE = new WriteContext(null, null, null, Map.of());

    public WriteContext {
        pools = Map.copyOf(pools);
    }

    /** The context of a decision for {@code dag} that read {@code runBefore} and writes {@code runAfter} (or null). */
    public static WriteContext of(Dag dag, DagRun runBefore, DagRun runAfter) {
        Integer bound = runAfter != null && runAfter.state() == RunState.RUNNING
                && (runBefore == null || runBefore.state() == RunState.QUEUED) ? dag.maxActiveRuns() : null;
        return new WriteContext(runAfter == null ? null : runBefore, bound, dag, Map.of());
    }

    /** This context with the pool bounds admission used. */
    public WriteContext withPools(Map<String, PoolBound> bounds) {
        return new WriteContext(runBefore, maxActiveRuns, dag, bounds);
    }

    /** The task's topological position (the admission order of waiting instances), or 0 when unknown. */
    public int position(String taskId) {
        return hasPosition(taskId) ? dag.position(taskId) : 0;
    }

    /** Whether the context knows the task's position. */
    public boolean hasPosition(String taskId) {
        return dag != null && dag.hasTask(taskId);
    }

    /** The bound a take of slots in {@code pool} is written within. */
    public PoolBound poolBound(String pool) {
        PoolBound b = pools.get(pool);
        return b != null ? b : PoolBound.declared(dag, pool);
    }

    private String dagId() {
        return dag == null ? null : dag.dagId();
    }

    /** Two contexts are equal when they name the same run, bound and DAG id (a DAG has no value equality). */
    @Override
    public boolean equals(Object o) {
        return o instanceof WriteContext w && Objects.equals(runBefore, w.runBefore)
                && Objects.equals(maxActiveRuns, w.maxActiveRuns) && Objects.equals(dagId(), w.dagId())
                && pools.equals(w.pools);
    }

    @Override
    public int hashCode() {
        return Objects.hash(runBefore, maxActiveRuns, dagId(), pools);
    }

    @Override
    public String toString() {
        return "WriteContext[runBefore=" + runBefore + ", maxActiveRuns=" + maxActiveRuns + ", dag=" + dagId() + ", pools=" + pools + "]";
    }
}
