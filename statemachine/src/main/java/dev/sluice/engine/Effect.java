package dev.sluice.engine;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A callback or alert to carry out, recorded by the engine in the same write as the change that causes it (an
 * outbox). There is at most one effect per (run, task, map index, try, kind): {@link #key()} is deterministic, and a
 * store writes an effect only if none with its key exists, so a duplicate event or a resumed process never records
 * it twice. A runtime claims it ({@link State#PENDING} -> {@link State#RUNNING}, a conditional write) before running
 * it, so it runs once; then marks it {@link State#DONE} or {@link State#FAILED}. Running it never changes a task.
 *
 * @param task      the task instance, or null for an effect about the run (run_failed, run_succeeded, deadline_miss)
 * @param tryNumber the try it is about; 0 for an SLA miss and for the run's effects
 * @param error     the try's error (failure, retry), else null
 * @param dueAt     for an SLA or deadline miss, when the task or run was due; else null
 * @param callback  the callback to run (a command, or {@code handler:Class}), or null
 * @param alerts    the alerts to send (after the callback)
 * @param detail    for a finished effect, what happened (an error, or which targets failed); else null
 */
public record Effect(String runId, String dagId, TaskKey task, int tryNumber, int maxTries, Kind kind,
                     Instant createdAt, String error, Instant dueAt, String callback, List<Alert> alerts,
                     State state, String detail) {

    /** What happened. Task kinds have a task; run kinds do not. */
    public enum Kind {
        EXECUTE("on_execute"), RETRY("on_retry"), FAILURE("on_failure"), SUCCESS("on_success"),
        SLA_MISS("on_sla_miss"), RUN_FAILED("on_failure"), RUN_SUCCEEDED("on_success"),
        DEADLINE_MISS("on_sla_miss");

        private final String callbackName;

        Kind(String callbackName) {
            this.callbackName = callbackName;
        }

        /** The callback field that fires on it. */
        public String callbackName() {
            return callbackName;
        }

        /** Its name in keys, JSON and the {@code SLUICE_EVENT} variable: {@code failure}, {@code sla_miss}... */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public boolean isRunKind() {
            return this == RUN_FAILED || this == RUN_SUCCEEDED || this == DEADLINE_MISS;
        }

        public static Kind fromWire(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }
    }

    public enum State {
        PENDING, RUNNING, DONE, FAILED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static State fromWire(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** One alert: its severity and its targets ({@code sns}, {@code sns:NAME}, {@code webhook:URL}, {@code command:CMD}). */
    public record Alert(String severity, List<String> to) {
        public Alert {
            Objects.requireNonNull(severity, "severity");
            to = List.copyOf(to);
        }
    }

    public Effect {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(state, "state");
        alerts = List.copyOf(alerts == null ? List.of() : alerts);
        if (kind.isRunKind() != (task == null)) {
            throw new IllegalArgumentException(kind + " effect " + (task == null ? "needs a task" : "has no task"));
        }
    }

    /** The deterministic key: {@code runId|taskId|mapIndex|try|kind} (task id empty for the run's effects). */
    public String key() {
        return key(runId, task, tryNumber, kind);
    }

    public static String key(String runId, TaskKey task, int tryNumber, Kind kind) {
        return runId + "|" + (task == null ? "" : task.taskId()) + "|" + (task == null ? -1 : task.mapIndex()) + "|"
                + tryNumber + "|" + kind.wireName();
    }

    /** Whether there is anything to run (an SLA or deadline miss is recorded even with nothing to run). */
    public boolean hasWork() {
        return callback != null || !alerts.isEmpty();
    }

    public Effect withState(State s, String detailText) {
        return new Effect(runId, dagId, task, tryNumber, maxTries, kind, createdAt, error, dueAt, callback, alerts,
                s, detailText);
    }
}
