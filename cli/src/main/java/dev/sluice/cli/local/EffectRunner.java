package dev.sluice.cli.local;

import dev.sluice.infra.alert.Webhook;
import dev.sluice.api.CallbackContext;
import dev.sluice.cli.exec.Attempt;
import dev.sluice.cli.exec.Outcome;
import dev.sluice.cli.exec.TaskExecutor;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Effect;
import dev.sluice.engine.TaskInstance;
import dev.sluice.model.Dag;
import dev.sluice.model.TaskSpec;
import dev.sluice.store.StateStore;
import dev.sluice.template.AlertMessage;
import dev.sluice.template.CallbackValues;
import dev.sluice.template.ShellCommand;
import dev.sluice.template.TemplateRenderer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Carries out the effects of one run locally, after the decision that recorded them is committed: claims each
 * ({@code pending -> running}, so it runs once even if asked twice), runs its callback (a command through the task
 * executor, its values as {@code SLUICE_V_n} and {@code SLUICE_*} variables; or a {@link dev.sluice.api.Callback}
 * handler), then sends its alerts: each one printed ({@code listener}), appended to {@code alerts.jsonl}, and
 * delivered to its targets ({@code webhook:}, {@code command:}; {@code sns} targets are recorded only, there is no
 * topic locally). Every step is bounded by a timeout; a failure is logged and marks the effect failed, and never
 * changes a task.
 */
final class EffectRunner {
    private final StateStore store;
    private final Dag dag;
    private final TaskExecutor executor;
    private final Path logsDir;
    private final Path alertsFile;
    private final Duration timeout;
    private final Webhook webhook;
    private final Consumer<String> listener;
    private final Clock clock;
    private final TemplateRenderer renderer = new TemplateRenderer();

    EffectRunner(StateStore store, Dag dag, TaskExecutor executor, Path logsDir, Path alertsFile, Duration timeout,
                 Webhook webhook, Consumer<String> listener, Clock clock) {
        this.store = store;
        this.dag = dag;
        this.executor = executor;
        this.logsDir = logsDir;
        this.alertsFile = alertsFile;
        this.timeout = timeout;
        this.webhook = webhook;
        this.listener = listener;
        this.clock = clock;
    }

    /** Runs the effect unless another runner claimed it first. Never throws. */
    void run(Effect e) {
        try {
            if (!store.claimEffect(e)) {
                return;
            }
        } catch (RuntimeException ex) {
            listener.accept("could not claim " + e.kind().callbackName() + " of " + subject(e) + ": " + ex.getMessage()
                    + "; it stays pending for runs resume");
            return;
        }
        List<String> problems = new ArrayList<>();
        try {
            DagRun run = store.run(e.runId()).orElse(null);
            CallbackContext ctx = CallbackValues.context(dag, run, e, logOf(e));
            if (e.kind() == Effect.Kind.SLA_MISS || e.kind() == Effect.Kind.DEADLINE_MISS) {
                listener.accept(AlertMessage.text("sla", ctx));
            }
            if (e.callback() != null) {
                String p = callback(e, ctx);
                if (p != null) {
                    problems.add(e.kind().callbackName() + ": " + p);
                }
            }
            for (Effect.Alert a : e.alerts()) {
                problems.addAll(alert(e, a, ctx));
            }
        } catch (RuntimeException ex) {
            problems.add(String.valueOf(ex.getMessage() == null ? ex : ex.getMessage()));
        }
        if (!problems.isEmpty()) {
            listener.accept(e.kind().wireName() + " of " + subject(e) + ": " + String.join("; ", problems)
                    + " (the task's state is unchanged)");
        }
        try {
            store.finishEffect(e, problems.isEmpty() ? Effect.State.DONE : Effect.State.FAILED,
                    problems.isEmpty() ? null : String.join("; ", problems));
        } catch (RuntimeException ex) {
            listener.accept("could not record the end of " + e.kind().callbackName() + " of " + subject(e) + ": "
                    + ex.getMessage());
        }
    }

    private static String subject(Effect e) {
        return e.task() == null ? "run " + e.runId() : e.task() + (e.tryNumber() > 0 ? " try " + e.tryNumber() : "");
    }

    /** The try's log file; for an SLA miss, the latest try's. */
    private String logOf(Effect e) {
        if (e.task() == null) {
            return LocalRunnerFiles.runLogs(logsDir, dag.dagId(), e.runId()).toString();
        }
        int tryNumber = e.tryNumber();
        if (tryNumber == 0) {
            TaskInstance ti = store.view(dag, e.runId()).instance(e.task());
            tryNumber = ti == null ? 0 : ti.tryNumber();
        }
        return tryNumber == 0 ? null : LocalRunnerFiles.logFile(logsDir, dag.dagId(), e.runId(), e.task().taskId(),
                e.task().mapIndex(), tryNumber).toString();
    }

    private Path callbackLog(Effect e, String what) {
        String name = what + "-" + e.kind().wireName() + "-" + (e.task() == null ? "run" : e.task().taskId() + "-"
                + e.task().mapIndex()) + "-" + e.tryNumber();
        return LocalRunnerFiles.runLogs(logsDir, dag.dagId(), e.runId()).resolve("callbacks")
                .resolve(LocalRunnerFiles.segment(name) + ".log");
    }

    private String callback(Effect e, CallbackContext ctx) {
        String cb = e.callback();
        Path log = callbackLog(e, "callback");
        if (cb.startsWith("handler:")) {
            return executor.callback(cb.substring("handler:".length()).strip(), ctx, timeout, log);
        }
        return command(e, cb, ctx, log);
    }

    /** Runs a command with the context as template values (reaching the shell as SLUICE_V_n) and SLUICE_* env. */
    private String command(Effect e, String template, CallbackContext ctx, Path log) {
        ShellCommand c = renderer.renderCommand(template, CallbackValues.variables(ctx));
        Map<String, String> env = new LinkedHashMap<>(c.values());
        env.putAll(CallbackValues.env(ctx));
        String taskId = e.task() == null ? "run" : e.task().taskId();
        TaskSpec spec = TaskSpec.builder(taskId).command(template).build();
        Attempt a = new Attempt(dag.dagId(), e.runId(), taskId, e.task() == null ? -1 : e.task().mapIndex(),
                Math.max(1, e.tryNumber()), Math.max(1, e.maxTries()), spec, c.script(), env, timeout, log, null);
        Outcome o = executor.execute(a);
        if (o instanceof Outcome.Succeeded) {
            return null;
        } else if (o instanceof Outcome.Failed f) {
            return f.error() + " (log: " + log + ")";
        } else if (o instanceof Outcome.TimedOut t) {
            return "timed out after " + t.after() + " (log: " + log + ")";
        }
        return "ended as " + o + " (log: " + log + ")";
    }

    private List<String> alert(Effect e, Effect.Alert a, CallbackContext ctx) {
        String at = clock.instant().toString();
        var json = AlertMessage.json(a.severity(), ctx, at);
        json.putPOJO("to", a.to());
        listener.accept("alert " + AlertMessage.text(a.severity(), ctx));
        List<String> problems = new ArrayList<>();
        try {
            Files.createDirectories(alertsFile.toAbsolutePath().getParent());
            Files.writeString(alertsFile, json + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException | UncheckedIOException ex) {
            problems.add("cannot append to " + alertsFile + ": " + ex.getMessage());
        }
        for (String target : a.to()) {
            String p = null;
            if (target.startsWith("webhook:")) {
                p = webhook.post(target.substring("webhook:".length()), json.toString());
            } else if (target.startsWith("command:")) {
                p = command(e, target.substring("command:".length()), ctx, callbackLog(e, "alert-" + a.severity()));
            }
            if (p != null) {
                problems.add("alert to " + target + ": " + p);
            }
        }
        return problems;
    }
}
