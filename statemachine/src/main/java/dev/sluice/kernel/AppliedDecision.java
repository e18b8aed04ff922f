package dev.sluice.kernel;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Decision;
import dev.sluice.engine.RunView;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;

/**
 * A decision as {@link DecisionLoop} applied it: what runtimes act on (dispatch, timers, notifications, reports).
 *
 * @param decision the decision that was written (or that wrote nothing)
 * @param before   each instance the decision writes, as it was before (null: not stored yet)
 * @param run      the run after the decision: the one it wrote, else the one its view read (null: no such run)
 * @param view     the view the decision was made on, for further reads (upstream outputs for a dispatch)
 * @param now      the time the decision was made at
 * @param attempts how many decisions it took (1 = no lost race)
 */
public record AppliedDecision(Decision decision, Map<TaskKey, TaskInstance> before, DagRun run, RunView view,
                              Instant now, int attempts) {

    public AppliedDecision {
        before = Collections.unmodifiableMap(before);
    }

    /** The instance as it was before the decision, or null when it was not stored. */
    public TaskInstance before(TaskKey key) {
        return before.get(key);
    }

    /** The instance as the decision left it: written by it, else as the view read it. */
    public TaskInstance after(TaskKey key) {
        for (TaskInstance t : decision.instances()) {
            if (t.key().equals(key)) {
                return t;
            }
        }
        return view.instance(key);
    }
}
