package dev.sluice.functions.alert;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Notification;
import dev.sluice.engine.TaskKey;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.model.Dag;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Turns the engine's notifications into alerts for the on-call engineer and sends them, after the decision that
 * produced them was written. Always: a run that ended failed and a missed SLA. A task that failed for good when the
 * DAG's {@code default_args} say {@code email_on_failure: true}, and a try that will be retried when they say
 * {@code email_on_retry: true}. Sending never fails the decision: an alert that is not accepted is logged
 * ({@code alert_not_sent}, with the reason) and dropped. Without a topic nothing is sent, which is logged once.
 */
public final class Alerts {
    private static final int ERROR_LINES = 5;
    private static final int LINE_CHARS = 300;

    private final Supplier<AlertSink> sink;
    private final String stage;
    private final String stack;
    private final JsonLog log;
    private final AtomicBoolean disabledLogged;
    private volatile AlertSink built;

    private Alerts(Supplier<AlertSink> sink, String stage, String stack, JsonLog log, boolean quiet) {
        this.sink = sink;
        this.stage = stage;
        this.stack = stack;
        this.log = log;
        this.disabledLogged = new AtomicBoolean(quiet);
    }

    /**
     * @param sink  built on the first alert; null when no topic is configured
     * @param stage the deployment stage, shown in subjects (may be null)
     * @param stack the stack name, used in the CLI commands of the body (may be null)
     */
    public static Alerts of(Supplier<AlertSink> sink, String stage, String stack, JsonLog log) {
        return new Alerts(sink, stage, stack, log, false);
    }

    /** Sends nothing and says nothing (tests, tools). */
    public static Alerts none(JsonLog log) {
        return new Alerts(null, null, null, log, true);
    }

    /**
     * @param failures tasks that failed for good in the same decision (shown in a run-failed alert)
     */
    public void on(Dag dag, DagRun run, Notification n, List<Notification.TaskFailedFinal> failures) {
        Alert a = alertFor(dag, run, n, failures);
        if (a != null) {
            send(a);
        }
    }

    /**
     * The stack topic's message of a missed SLA, sent by the command runner with the miss's effect (so it goes out
     * once however often the miss is found); null when no topic is configured.
     */
    public Alert stackAlert(Dag dag, DagRun run, Notification.SlaMissed s) {
        return sink == null ? null : slaMissed(dag, run, s);
    }

    Alert alertFor(Dag dag, DagRun run, Notification n, List<Notification.TaskFailedFinal> failures) {
        if (n instanceof Notification.RunFinished f && f.state().airflowName().equals("failed")) {
            return runFailed(dag, run, f, failures);
        } else if (n instanceof Notification.SlaMissed s) {
            return slaMissed(dag, run, s);
        } else if (n instanceof Notification.TaskFailedFinal f && flag(dag, "email_on_failure")) {
            return taskFailed(dag, run, f);
        } else if (n instanceof Notification.TaskRetrying r && flag(dag, "email_on_retry")) {
            return taskRetrying(dag, run, r);
        }
        return null;
    }

    private void send(Alert a) {
        if (sink == null) {
            if (disabledLogged.compareAndSet(false, true)) {
                log.info("alerts_disabled", "reason", "no alert topic is configured (SLUICE_ALERT_TOPIC_ARN);"
                        + " failed runs and missed SLAs are only logged", "alert", a.kind());
            }
            return;
        }
        try {
            AlertSink s = built;
            if (s == null) {
                synchronized (this) {
                    if (built == null) {
                        built = sink.get();
                    }
                    s = built;
                }
            }
            s.publish(a);
            log.info("alert_sent", "alert", a.kind(), "dagId", a.dagId(), "runId", a.runId(), "taskId", a.taskId());
        } catch (RuntimeException e) {
            log.error("alert_not_sent", "alert", a.kind(), "dagId", a.dagId(), "runId", a.runId(), "taskId",
                    a.taskId(), "error", e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    // ------------------------------------------------------------------ the messages

    private Alert runFailed(Dag dag, DagRun run, Notification.RunFinished f, List<Notification.TaskFailedFinal> failed) {
        StringBuilder b = new StringBuilder("A Sluice run failed.\n\n");
        runLines(b, dag.dagId(), f.runId(), "failed", run);
        if (!failed.isEmpty()) {
            b.append("\nFailed tasks (in the decision that ended the run):\n");
            for (Notification.TaskFailedFinal t : failed) {
                b.append("  - ").append(task(t.task())).append(", try ").append(t.tryNumber()).append(" of ")
                        .append(t.maxTries()).append('\n');
                errorLines(b, t.error(), "      ");
            }
        } else {
            b.append("\nThe tasks that failed ended in earlier decisions; the command below lists them.\n");
        }
        inspect(b, f.runId(), null);
        return new Alert("run_failed", dag.dagId(), f.runId(), null, "failed",
                prefix() + "Run failed: " + dag.dagId() + " " + f.runId(), b.toString());
    }

    private Alert slaMissed(Dag dag, DagRun run, Notification.SlaMissed s) {
        StringBuilder b = new StringBuilder("A Sluice task missed its SLA: it had not finished in time.\n\n");
        runLines(b, dag.dagId(), s.runId(), run == null ? null : run.state().airflowName(), run);
        b.append("Task:         ").append(task(s.task())).append('\n');
        if (dag.hasTask(s.task().taskId()) && dag.task(s.task().taskId()).sla() != null) {
            b.append("SLA:          ").append(dag.task(s.task().taskId()).sla()).append(" after the run started\n");
        }
        inspect(b, s.runId(), s.task().taskId());
        return new Alert("sla_missed", dag.dagId(), s.runId(), s.task().taskId(), "sla_missed",
                prefix() + "SLA missed: " + dag.dagId() + "." + s.task().taskId() + " " + s.runId(), b.toString());
    }

    private Alert taskFailed(Dag dag, DagRun run, Notification.TaskFailedFinal f) {
        StringBuilder b = new StringBuilder("A Sluice task failed on its last try (email_on_failure).\n\n");
        runLines(b, dag.dagId(), f.runId(), run == null ? null : run.state().airflowName(), run);
        b.append("Task:         ").append(task(f.task())).append('\n');
        b.append("State:        failed, try ").append(f.tryNumber()).append(" of ").append(f.maxTries()).append('\n');
        b.append("Error:\n");
        errorLines(b, f.error(), "  ");
        inspect(b, f.runId(), f.task().taskId());
        return new Alert("task_failed", dag.dagId(), f.runId(), f.task().taskId(), "failed",
                prefix() + "Task failed: " + dag.dagId() + "." + task(f.task()) + " " + f.runId(), b.toString());
    }

    private Alert taskRetrying(Dag dag, DagRun run, Notification.TaskRetrying r) {
        StringBuilder b = new StringBuilder("A Sluice task try failed and will be retried (email_on_retry).\n\n");
        runLines(b, dag.dagId(), r.runId(), run == null ? null : run.state().airflowName(), run);
        b.append("Task:         ").append(task(r.task())).append('\n');
        b.append("State:        up_for_retry after try ").append(r.tryNumber()).append(" of ").append(r.maxTries())
                .append(r.nextAttemptAt() == null ? "" : ", next try at " + r.nextAttemptAt()).append('\n');
        b.append("Error:\n");
        errorLines(b, r.error(), "  ");
        inspect(b, r.runId(), r.task().taskId());
        return new Alert("task_retrying", dag.dagId(), r.runId(), r.task().taskId(), "up_for_retry",
                prefix() + "Task retrying: " + dag.dagId() + "." + task(r.task()) + " " + r.runId(), b.toString());
    }

    private void runLines(StringBuilder b, String dagId, String runId, String state, DagRun run) {
        b.append("DAG:          ").append(dagId).append('\n');
        b.append("Run:          ").append(runId).append('\n');
        if (state != null) {
            b.append("Run state:    ").append(state).append('\n');
        }
        if (run != null) {
            b.append("Logical date: ").append(run.logicalDate()).append('\n');
            if (run.startedAt() != null) {
                b.append("Started:      ").append(run.startedAt()).append('\n');
            }
            if (run.endedAt() != null) {
                b.append("Ended:        ").append(run.endedAt()).append('\n');
            }
        }
        if (stage != null) {
            b.append("Stage:        ").append(stage).append('\n');
        }
    }

    private void inspect(StringBuilder b, String runId, String taskId) {
        String s = stack == null ? "STACK" : stack;
        b.append("\nInspect it:\n");
        b.append("  sluice dev runs ").append(runId).append(" --stack ").append(s).append('\n');
        if (taskId != null) {
            b.append("Re-run the task once it is fixed:\n");
            b.append("  sluice tasks clear ").append(runId).append(' ').append(taskId).append(" --stack ").append(s)
                    .append('\n');
        }
        b.append("Logs (CloudWatch Logs Insights on the log groups /sluice/").append(s).append("/*):\n");
        b.append("  fields @timestamp, @log, event, taskId, tryNumber, state, error | filter runId = \"")
                .append(runId).append("\" | sort @timestamp asc\n");
    }

    private static void errorLines(StringBuilder b, String error, String indent) {
        if (error == null || error.isBlank()) {
            b.append(indent).append("(no error message)\n");
            return;
        }
        List<String> lines = error.strip().lines().toList();
        for (int i = 0; i < Math.min(ERROR_LINES, lines.size()); i++) {
            String l = lines.get(i);
            b.append(indent).append(l.length() <= LINE_CHARS ? l : l.substring(0, LINE_CHARS) + "...").append('\n');
        }
        if (lines.size() > ERROR_LINES) {
            b.append(indent).append("(").append(lines.size() - ERROR_LINES).append(" more lines)\n");
        }
    }

    private String prefix() {
        return stage == null ? "[sluice] " : "[sluice " + stage + "] ";
    }

    private static String task(TaskKey k) {
        return k.mapIndex() >= 0 ? k.taskId() + "[" + k.mapIndex() + "]" : k.taskId();
    }

    private static boolean flag(Dag dag, String name) {
        Object v = dag.defaultArgs().get(name);
        return Boolean.TRUE.equals(v) || (v instanceof String s && s.strip().equalsIgnoreCase("true"));
    }
}
