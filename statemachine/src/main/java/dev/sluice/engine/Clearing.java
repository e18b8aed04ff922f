package dev.sluice.engine;

import dev.sluice.model.Dag;
import dev.sluice.model.TaskSpec;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Clearing tasks so they run again: the named tasks (or groups' members), optionally everything downstream of them,
 * go back to none with fresh tries, their old outcomes are taken back from their downstream counts, and a finished
 * run is running again.
 */
final class Clearing {
    private Clearing() {
    }

    static void clear(Working w, Event.ClearTasks c) {
        Dag dag = w.dag;
        LinkedHashSet<String> targets = new LinkedHashSet<>();
        for (String id : c.taskIds()) {
            if (dag.hasTask(id)) {
                targets.add(id);
            } else {
                dag.group(id).ifPresent(g -> targets.addAll(g.members()));
            }
        }
        if (c.downstream()) {
            ArrayDeque<String> queue = new ArrayDeque<>(targets);
            while (!queue.isEmpty()) {
                for (String d : dag.downstream(queue.poll())) {
                    if (targets.add(d)) {
                        queue.add(d);
                    }
                }
            }
        }
        if (targets.isEmpty()) {
            return;
        }
        if (w.run.state().isTerminal()) {
            w.setRun(w.run.withState(RunState.RUNNING).withTimes(w.run.startedAt(), null));
        }
        if (c.dagVersion() != null) {
            w.setRun(w.run.withDagVersion(c.dagVersion(), w.now));
        }
        List<String> ordered = new ArrayList<>(targets);
        ordered.sort(Comparator.comparingInt(dag::position));
        for (String id : ordered) {
            TaskInstance placeholder = w.get(id);
            if (placeholder.state() == TaskState.REMOVED) {
                for (int i = 0; i < placeholder.mapCount(); i++) {
                    TaskInstance child = w.get(new TaskKey(id, i));
                    if (child != null && child.state() != TaskState.REMOVED) {
                        w.put(reset(w, child).withState(TaskState.REMOVED));
                    }
                }
            }
            w.put(reset(w, placeholder).withMapCount(-1));
            w.toEvaluate.add(id);
        }
    }

    /** Back to NONE, keeping the try count so new tries get new numbers; takes back the old outcome. */
    static TaskInstance reset(Working w, TaskInstance ti) {
        TaskState old = ti.state();
        if (old.isActive()) {
            Outcomes.release(w, ti);
        }
        if (old.isTerminal() && old != TaskState.REMOVED) {
            for (String d : w.dag.downstream(ti.taskId())) {
                TaskInstance rec = w.get(d);
                w.put(rec.withUpstream(rec.upstream().plus(old, -1)));
            }
        }
        TaskSpec spec = w.dag.task(ti.taskId());
        TaskInstance fresh = w.get(ti.key());
        return TaskInstance.builder(fresh.runId(), fresh.taskId()).mapIndex(fresh.mapIndex())
                .state(old.transitionTo(TaskState.NONE)).tryNumber(fresh.tryNumber())
                .maxTries(fresh.tryNumber() + spec.maxTries()).priority(fresh.priority()).upstream(fresh.upstream())
                .mapCount(fresh.mapCount()).itemJson(fresh.itemJson()).version(fresh.version()).build();
    }
}
