package dev.sluice.engine;

import dev.sluice.model.Dag;
import dev.sluice.state.RunState;
import dev.sluice.state.TaskState;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Setting tasks or a run to a final state by hand (Airflow's "mark success" and "mark failed"). A marked task first
 * goes back to none as a cleared one does (its old outcome taken back from its downstream counts, its slot freed),
 * then ends in the marked state, which counts for its downstream tasks as a real outcome would.
 */
final class Marking {
    private Marking() {
    }

    static void markTasks(Working w, Event.MarkTasks m) {
        LinkedHashSet<String> targets = new LinkedHashSet<>();
        for (String id : m.taskIds()) {
            if (w.dag.hasTask(id)) {
                targets.add(id);
            } else {
                w.dag.group(id).ifPresent(g -> targets.addAll(g.members()));
            }
        }
        if (targets.isEmpty()) {
            return;
        }
        reopen(w);
        for (String id : targets) {
            for (TaskInstance ti : instancesOf(w, id)) {
                if (ti.state() != m.state()) {
                    mark(w, ti, m.state());
                }
            }
        }
    }

    static void markRun(Working w, Event.MarkRun m) {
        reopen(w);
        Dag dag = w.dag;
        for (String id : dag.taskIds()) {
            for (TaskInstance ti : instancesOf(w, id)) {
                TaskState s = ti.state();
                if (m.state() == RunState.SUCCESS) {
                    if (s != TaskState.SUCCESS && s != TaskState.REMOVED) {
                        mark(w, ti, TaskState.SUCCESS);
                    }
                } else if (s.isActive()) {
                    mark(w, ti, TaskState.FAILED);
                } else if (!s.isTerminal()) {
                    mark(w, ti, TaskState.SKIPPED);
                }
            }
        }
        w.foldCounters();
        w.setRun(w.run.withState(m.state()).withTimes(w.run.startedAt(), w.now));
    }

    /** A finished run runs again, so that it is decided anew; a queued one starts. */
    private static void reopen(Working w) {
        if (w.run.state() != RunState.RUNNING) {
            w.setRun(w.run.withState(RunState.RUNNING).withTimes(
                    w.run.startedAt() != null ? w.run.startedAt() : w.now, null));
        }
    }

    /** An unmapped task's instance, or a mapped task's expanded instances (its placeholder if not expanded). */
    private static List<TaskInstance> instancesOf(Working w, String taskId) {
        TaskInstance placeholder = w.get(taskId);
        List<TaskInstance> out = new ArrayList<>();
        if (placeholder.state() == TaskState.REMOVED && placeholder.mapCount() >= 0) {
            for (int i = 0; i < placeholder.mapCount(); i++) {
                TaskInstance child = w.get(new TaskKey(taskId, i));
                if (child != null && child.state() != TaskState.REMOVED) {
                    out.add(child);
                }
            }
        } else {
            out.add(placeholder);
        }
        return out;
    }

    private static void mark(Working w, TaskInstance ti, TaskState state) {
        TaskInstance none;
        if (ti.mapIndex() >= 0) {
            // A mapped instance's outcome is not in its downstream counts (they come from its task as a whole).
            if (ti.state().isActive()) {
                Outcomes.release(w, ti);
            }
            none = ti.state() == TaskState.NONE ? ti : ti.withState(TaskState.NONE);
        } else {
            none = ti.state() == TaskState.NONE ? ti : Clearing.reset(w, ti);
        }
        TaskInstance marked = none.withState(state).withTimes(ti.queuedAt(), ti.startedAt(), w.now)
                .withResult(state == TaskState.SUCCESS ? ti.outputJson() : null,
                        state == TaskState.SUCCESS ? null : "marked " + state.airflowName() + " by hand");
        w.put(marked);
        if (ti.mapIndex() >= 0) {
            return; // a mapped instance's downstream counts come from its task's placeholder
        }
        for (String d : w.dag.downstream(ti.taskId())) {
            TaskInstance rec = w.get(d);
            w.put(rec.withUpstream(rec.upstream().plus(state, 1)));
            w.toEvaluate.add(d);
        }
    }
}
