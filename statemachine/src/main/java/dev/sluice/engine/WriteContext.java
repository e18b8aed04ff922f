package dev.sluice.engine;

import dev.sluice.model.Dag;
import dev.sluice.state.RunState;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * What a store needs to write a {@link Decision} besides the records themselves. The engine fills it from the DAG
 * and the view it decided on, so a store that never served a {@code view()} (another process, a cold Lambda) writes
 * the decision with the same conditions as one that did.
 *
 * @param runBefore     the run as the decision read it; null when the decision creates the run or does not write it
 * @param maxActiveRuns when the decision starts the run (creates it running, or moves it on from queued), the DAG's
 *                      max_active_runs that the start must stay within; null when no such bound applies
 * @param poolSizes     the size of each pool the decision takes slots from or gives back; a pool not listed is
 *                      unbounded above (it still never goes below zero)
 * @param positions     the DAG's topological position of each task the decision writes (for the admission order of
 *                      waiting instances); a task not listed is given position 0
 */
public record WriteContext(DagRun runBefore, Integer maxActiveRuns, Map<String, Integer> poolSizes,
                           Map<String, Integer> positions) {

    /** No context: a decision built by hand (tests, a breaker reset). */
    public static final WriteContext NONE = new WriteContext(null, null, Map.of(), Map.of());

    public WriteContext {
        poolSizes = Map.copyOf(poolSizes);
        positions = Map.copyOf(positions);
    }

    /**
     * The context of a decision for {@code dag}: {@code runBefore} as read, {@code runAfter} the run it writes (or
     * null), the instances it writes and its pool deltas.
     */
    public static WriteContext of(Dag dag, DagRun runBefore, DagRun runAfter, Collection<TaskInstance> instances,
                                  Map<String, Integer> poolDeltas) {
        Integer bound = runAfter != null && runAfter.state() == RunState.RUNNING
                && (runBefore == null || runBefore.state() == RunState.QUEUED) ? dag.maxActiveRuns() : null;
        Map<String, Integer> sizes = new HashMap<>();
        for (String pool : poolDeltas.keySet()) {
            Integer size = dag.pools().get(pool);
            if (size != null) {
                sizes.put(pool, size);
            }
        }
        Map<String, Integer> positions = new HashMap<>();
        for (TaskInstance t : instances) {
            if (dag.hasTask(t.taskId())) {
                positions.putIfAbsent(t.taskId(), dag.position(t.taskId()));
            }
        }
        return new WriteContext(runAfter == null ? null : runBefore, bound, sizes, positions);
    }

    /** The task's topological position, or 0 when the decision does not name it. */
    public int position(String taskId) {
        return positions.getOrDefault(taskId, 0);
    }

    /** Whether the decision names the task's position. */
    public boolean hasPosition(String taskId) {
        return positions.containsKey(taskId);
    }

    /** The pool's size, or null when the pool is unbounded above. */
    public Integer poolSize(String pool) {
        return poolSizes.get(pool);
    }
}
