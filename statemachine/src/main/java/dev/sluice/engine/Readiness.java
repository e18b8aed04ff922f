package dev.sluice.engine;

import dev.sluice.model.TaskSpec;
import dev.sluice.state.TaskState;

/**
 * Readiness: the trigger rule of each task queued for evaluation decides whether it waits, becomes scheduled (or
 * expands, when mapped), is skipped, or fails upstream. Skips and failures cascade through the same queue.
 */
final class Readiness {
    private Readiness() {
    }

    static void drain(Working w) {
        while (!w.toEvaluate.isEmpty()) {
            evaluate(w, w.toEvaluate.poll());
        }
    }

    private static void evaluate(Working w, String taskId) {
        TaskInstance rec = w.get(taskId);
        if (rec == null || rec.state() != TaskState.NONE) {
            return;
        }
        TaskSpec spec = w.dag.task(taskId);
        switch (TriggerRules.evaluate(spec.triggerRule(), rec.upstream(), expectedUpstreams(w, taskId))) {
            case WAIT -> {
            }
            case RUN -> {
                if (spec.isMapped()) {
                    Expansion.expand(w, rec, spec);
                } else {
                    w.put(rec.withState(TaskState.SCHEDULED));
                }
            }
            case SKIP -> Outcomes.end(w, rec.withState(TaskState.SKIPPED));
            case UPSTREAM_FAILED -> Outcomes.end(w, rec.withState(TaskState.UPSTREAM_FAILED));
        }
    }

    /** Upstream instances to wait for, or -1 while a mapped upstream is not yet expanded. */
    private static int expectedUpstreams(Working w, String taskId) {
        int total = w.dag.unmappedUpstreamCount(taskId);
        for (String m : w.dag.mappedUpstreams(taskId)) {
            TaskInstance p = w.get(m);
            if (p.state() == TaskState.REMOVED) {
                total += p.mapCount();
            } else if (p.state().isTerminal()) {
                total += 1;
            } else {
                return -1;
            }
        }
        return total;
    }
}
