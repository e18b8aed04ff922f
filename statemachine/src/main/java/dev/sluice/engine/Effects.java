package dev.sluice.engine;

import dev.sluice.model.AlertRule;
import dev.sluice.model.AlertRule.When;
import dev.sluice.model.Callbacks;
import dev.sluice.model.Dag;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns what a decision does into {@link Effect}s: the callback the task (or the DAG, for the run) sets for the
 * event, and the DAG's {@code alerts:} rules that match it. An effect is recorded only when there is something to
 * run, except an SLA or deadline miss, which is always recorded (displays show it).
 */
final class Effects {
    private Effects() {
    }

    static void task(Working w, Effect.Kind kind, TaskInstance ti, String error, Instant dueAt) {
        Callbacks cb = w.dag.task(ti.taskId()).callbacks();
        String callback = switch (kind) {
            case EXECUTE -> cb.onExecute();
            case RETRY -> cb.onRetry();
            case FAILURE -> cb.onFailure();
            case SUCCESS -> cb.onSuccess();
            case SLA_MISS -> cb.onSlaMiss();
            default -> throw new IllegalArgumentException(kind + " is not a task effect");
        };
        TaskKey key = kind == Effect.Kind.SLA_MISS ? TaskKey.of(ti.taskId()) : ti.key();
        int tryNumber = kind == Effect.Kind.SLA_MISS ? 0 : ti.tryNumber();
        add(w, new Effect(w.run.runId(), w.dag.dagId(), key, tryNumber, ti.maxTries(), kind, w.now, error, dueAt,
                callback, alerts(w.dag, kind), Effect.State.PENDING, null));
    }

    static void run(Working w, Effect.Kind kind, Instant dueAt) {
        Callbacks cb = w.dag.alerts().runCallbacks();
        String callback = switch (kind) {
            case RUN_FAILED -> cb.onFailure();
            case RUN_SUCCEEDED -> cb.onSuccess();
            case DEADLINE_MISS -> cb.onSlaMiss();
            default -> throw new IllegalArgumentException(kind + " is not a run effect");
        };
        add(w, new Effect(w.run.runId(), w.dag.dagId(), null, 0, 0, kind, w.now, null, dueAt, callback,
                alerts(w.dag, kind), Effect.State.PENDING, null));
    }

    private static void add(Working w, Effect e) {
        if (e.hasWork() || e.kind() == Effect.Kind.SLA_MISS || e.kind() == Effect.Kind.DEADLINE_MISS) {
            if (w.effects.putIfAbsent(e.key(), e) == null && e.kind() == Effect.Kind.SLA_MISS) {
                w.notes.add(new Notification.SlaMissed(e.runId(), e.task()));
            }
        }
    }

    /** The alerts of the DAG's rules that match {@code kind}. */
    static List<Effect.Alert> alerts(Dag dag, Effect.Kind kind) {
        List<Effect.Alert> out = new ArrayList<>();
        for (AlertRule r : dag.alerts().rules()) {
            if (matches(r, kind)) {
                out.add(new Effect.Alert(r.severityFor(dag.tags()), r.to()));
            }
        }
        return out;
    }

    private static boolean matches(AlertRule r, Effect.Kind kind) {
        return switch (kind) {
            case EXECUTE -> false;
            case RETRY -> r.when().contains(When.RETRY) || (r.when().contains(When.FAILED) && !r.finalTryOnly());
            case FAILURE -> r.when().contains(When.FAILED);
            case SUCCESS -> r.when().contains(When.SUCCESS);
            case SLA_MISS -> r.when().contains(When.SLA_MISS);
            case RUN_FAILED -> r.when().contains(When.RUN_FAILED);
            case RUN_SUCCEEDED -> r.when().contains(When.RUN_SUCCEEDED);
            case DEADLINE_MISS -> r.when().contains(When.DEADLINE_MISS);
        };
    }
}
