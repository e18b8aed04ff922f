package dev.sluice.engine;

import dev.sluice.model.Dag;
import dev.sluice.model.PastDependency;
import dev.sluice.model.TaskSpec;
import dev.sluice.state.TaskState;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;

/**
 * Airflow's {@code depends_on_past} and {@code wait_for_downstream} (its {@code PrevDagrunDep}): a ready instance of
 * such a task starts only when the same task ended success or skipped in the previous run of the DAG, and, with
 * {@code wait_for_downstream}, that task's direct downstream tasks did too.
 *
 * <p>The previous run is the run of the DAG with the greatest logical date before this run's; with {@code catchup}
 * manual runs do not count (Airflow's {@code get_previous_scheduled_dagrun}). There is none for the first run, and a
 * previous run from before the DAG's {@code start_date} (with catchup) does not count either: both pass. A missing
 * previous instance (never started) does not pass. It reads one run and one instance (plus one per direct downstream
 * task), never the previous run's other instances.
 */
final class PastGate {
    private PastGate() {
    }

    /**
     * Whether {@code ti} (scheduled) must wait for the previous run. A waiting instance stays scheduled, so the run
     * stays pending and the next admission looks again; it carries what it waits for as its reason (written only
     * when that changes).
     */
    static boolean blocks(Working w, TaskInstance ti, TaskSpec spec) {
        String waits = waitsFor(w, ti, spec);
        if (waits == null) {
            if (ti.error() != null && isPastReason(ti.error())) {
                w.put(ti.withResult(ti.outputJson(), null));
            }
            return false;
        }
        if (!waits.equals(ti.error())) {
            w.put(ti.withResult(ti.outputJson(), waits));
        }
        return true;
    }

    static boolean isPastReason(String reason) {
        return reason.startsWith("depends_on_past: ") || reason.startsWith("wait_for_downstream: ");
    }

    /**
     * Tells the runtime when an instance ended whose end may let an instance of the next run start
     * ({@link Notification.PastDone}); once per decision.
     */
    static void nudge(Working w) {
        for (Map.Entry<TaskKey, TaskInstance> e : w.changed.entrySet()) {
            TaskInstance after = e.getValue();
            TaskInstance before = w.originals.get(e.getKey());
            boolean ended = after.state().isTerminal() && (before == null || !before.state().isTerminal()
                    || before.state() != after.state());
            if (ended && w.dag.hasTask(after.taskId()) && mattersToNextRun(w.dag, after.taskId())) {
                w.notes.add(new Notification.PastDone(w.run.runId(), w.dag.dagId(), w.run.logicalDate()));
                return;
            }
        }
    }

    /** What {@code ti} still waits for, as a sentence, or null when it may start. */
    static String waitsFor(Working w, TaskInstance ti, TaskSpec spec) {
        if (!spec.past().any()) {
            return null;
        }
        Dag dag = w.dag;
        DagRun prev = w.view.previousRun(w.run.logicalDate(), dag.catchup());
        if (prev == null || beforeStart(dag, prev.logicalDate())) {
            return null;
        }
        String own = notDone(w, prev, spec.taskId());
        if (own != null) {
            return "depends_on_past: waits for task " + spec.taskId() + " in run " + prev.runId() + " (" + own + ")";
        }
        if (spec.past() == PastDependency.WAIT_FOR_DOWNSTREAM) {
            for (String d : dag.downstream(spec.taskId())) {
                String down = notDone(w, prev, d);
                if (down != null) {
                    return "wait_for_downstream: waits for task " + d + " in run " + prev.runId() + " (" + down
                            + ")";
                }
            }
        }
        return null;
    }

    /** Null when the task's instance in {@code prev} ended success or skipped, else its state. */
    private static String notDone(Working w, DagRun prev, String taskId) {
        TaskInstance p = w.view.otherRunInstance(prev.runId(), TaskKey.of(taskId));
        TaskState s = p == null ? TaskState.NONE : p.state();
        return s == TaskState.SUCCESS || s == TaskState.SKIPPED ? null : "it is " + s.airflowName();
    }

    private static boolean beforeStart(Dag dag, Instant previousLogicalDate) {
        if (!dag.catchup() || dag.startDate() == null) {
            return false;
        }
        ZoneId zone = dag.timezone() == null ? ZoneId.of("UTC") : dag.timezone();
        return previousLogicalDate.isBefore(dag.startDate().atZone(zone).toInstant());
    }

    /**
     * Whether the end of {@code taskId}'s instance may let an instance of the next run start: the task depends on
     * its past, or it is a direct downstream task of one that waits for its downstream.
     */
    static boolean mattersToNextRun(Dag dag, String taskId) {
        if (dag.task(taskId).past().any()) {
            return true;
        }
        for (String u : dag.task(taskId).upstream()) {
            if (dag.task(u).past() == PastDependency.WAIT_FOR_DOWNSTREAM) {
                return true;
            }
        }
        return false;
    }
}
