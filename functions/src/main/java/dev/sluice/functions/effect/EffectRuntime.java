package dev.sluice.functions.effect;

import dev.sluice.api.Callback;
import dev.sluice.api.CallbackContext;
import dev.sluice.engine.Effect;
import dev.sluice.engine.Json;
import dev.sluice.functions.alert.Alert;
import dev.sluice.functions.alert.AlertSink;
import dev.sluice.functions.message.EffectInvocation;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.functions.task.CommandWork;
import dev.sluice.infra.alert.Webhook;
import dev.sluice.store.StateStore;
import dev.sluice.template.AlertMessage;
import dev.sluice.template.CallbackValues;
import dev.sluice.template.ShellCommand;
import dev.sluice.template.TemplateRenderer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Carries out one effect in the command runner function, the AWS counterpart of the local runner's EffectRunner:
 * <ol>
 *   <li><b>Claim</b> it in the state table ({@code pending -> running}, a conditional write): a duplicate invocation
 *       or a redelivery finds it claimed and does nothing.</li>
 *   <li><b>Run</b> its callback, bounded by {@link #TIMEOUT} (and the function's time left): a command through the
 *       same path as command tasks ({@link CommandWork}; the context as template values reaching the shell as
 *       {@code SLUICE_V_n}, and as {@code SLUICE_*} variables), or a {@link Callback} class in-process.</li>
 *   <li><b>Alert</b>: the stack topic's message of an SLA miss, then each {@code alerts:} target: {@code sns} (the
 *       topic of the alert's severity), {@code sns:NAME} (the topic of severity NAME), {@code webhook:URL},
 *       {@code command:CMD}.</li>
 *   <li><b>Record</b> it done, or failed with what went wrong. Nothing here changes a task or the run.</li>
 * </ol>
 */
public final class EffectRuntime {
    /** The longest a callback or alert command runs, as locally. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final StateStore store;
    private final Function<String, AlertSink> topics;
    private final AlertSink stackTopic;
    private final Webhook webhook;
    private final Clock clock;
    private final JsonLog log;
    private final CommandWork commands = new CommandWork();
    private final TemplateRenderer renderer = new TemplateRenderer();

    /**
     * @param topics     the SNS topic of a severity, or null when the stack has none for it
     * @param stackTopic the stack's alert topic (SLA misses), or null
     */
    public EffectRuntime(StateStore store, Function<String, AlertSink> topics, AlertSink stackTopic, Webhook webhook,
                         Clock clock, JsonLog log) {
        this.store = store;
        this.topics = topics;
        this.stackTopic = stackTopic;
        this.webhook = webhook;
        this.clock = clock;
        this.log = log;
    }

    /** Runs one effect invocation; returns a small JSON status. Never throws for a failing callback or alert. */
    public String handle(EffectInvocation inv, Duration timeLeft) {
        Effect e = inv.effect();
        CallbackContext ctx = inv.context();
        JsonLog l = e.task() == null ? log.with("dagId", e.dagId()).with("runId", e.runId())
                : log.withTask(e.dagId(), e.runId(), e.task().taskId(), e.task().mapIndex(), e.tryNumber());
        l = l.with("effect", e.kind().wireName());
        if (!store.claimEffect(e)) {
            l.info("effect_not_started", "reason", "already claimed (a duplicate invocation or a redelivery)");
            return status("ignored");
        }
        Duration timeout = timeLeft == null || timeLeft.compareTo(TIMEOUT) > 0 ? TIMEOUT
                : timeLeft.isNegative() ? Duration.ZERO : timeLeft;
        l.info("effect_started", "callback", e.callback(), "alerts", e.alerts().size());
        List<String> problems = new ArrayList<>();
        try {
            if (inv.stackAlert() != null) {
                String p = publish(stackTopic, "the stack's alert topic (SLUICE_ALERT_TOPIC_ARN)", inv.stackAlert());
                if (p != null) {
                    problems.add(p);
                }
            }
            if (e.callback() != null) {
                String p = callback(e.callback(), ctx, timeout, l);
                if (p != null) {
                    problems.add(e.kind().callbackName() + ": " + p);
                }
            }
            for (Effect.Alert a : e.alerts()) {
                problems.addAll(alert(a, ctx, timeout, l));
            }
        } catch (RuntimeException ex) {
            problems.add(ex.getMessage() == null ? ex.toString() : ex.getMessage());
        }
        String detail = problems.isEmpty() ? null : String.join("; ", problems);
        try {
            store.finishEffect(e, detail == null ? Effect.State.DONE : Effect.State.FAILED, detail);
        } catch (RuntimeException ex) {
            l.error("effect_not_recorded", "error", ex.getMessage());
        }
        if (detail == null) {
            l.info("effect_done");
            return status("done");
        }
        l.error("effect_failed", "error", detail, "message", "the task's state is unchanged");
        return status("failed");
    }

    private String callback(String cb, CallbackContext ctx, Duration timeout, JsonLog l) {
        if (cb.startsWith("handler:")) {
            return handler(cb.substring("handler:".length()).strip(), ctx, timeout);
        }
        return command(cb, ctx, timeout, l);
    }

    /** A command with the context as template values (reaching the shell as SLUICE_V_n) and SLUICE_* env. */
    private String command(String template, CallbackContext ctx, Duration timeout, JsonLog l) {
        ShellCommand c = renderer.renderCommand(template, CallbackValues.variables(ctx));
        TaskResult r = commands.run(c.script(), c.values(), CallbackValues.env(ctx), timeout, l);
        if (r instanceof TaskResult.Succeeded || r instanceof TaskResult.Skipped) {
            return null;
        } else if (r instanceof TaskResult.Failed f) {
            return f.error();
        } else if (r instanceof TaskResult.TimedOut t) {
            return "timed out: " + t.reason();
        }
        return "ended as " + r.status();
    }

    private static String handler(String className, CallbackContext ctx, Duration timeout) {
        Callback cb;
        try {
            Class<?> c = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
            if (!Callback.class.isAssignableFrom(c)) {
                return className + " does not implement " + Callback.class.getName();
            }
            cb = (Callback) c.getConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError ex) {
            return "cannot load callback class " + className + ": " + ex;
        }
        FutureTask<Void> task = new FutureTask<>(() -> {
            cb.call(ctx);
            return null;
        });
        Thread t = new Thread(task, "sluice-callback");
        t.setDaemon(true);
        t.start();
        try {
            task.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
            return null;
        } catch (TimeoutException ex) {
            t.interrupt();
            return "timed out after " + timeout.withNanos(0);
        } catch (ExecutionException ex) {
            Throwable cause = ex.getCause();
            return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private List<String> alert(Effect.Alert a, CallbackContext ctx, Duration timeout, JsonLog l) {
        var json = AlertMessage.json(a.severity(), ctx, clock.instant().toString());
        json.putPOJO("to", a.to());
        String body = json.toString();
        List<String> problems = new ArrayList<>();
        for (String target : a.to()) {
            String p;
            if (target.equals("sns") || target.startsWith("sns:")) {
                String severity = target.equals("sns") ? a.severity() : target.substring("sns:".length());
                Alert msg = new Alert(ctx.event(), ctx.dagId(), ctx.runId(), ctx.taskId(), a.severity(),
                        "[sluice] " + AlertMessage.text(a.severity(), ctx), body);
                p = publish(topics.apply(severity), "the " + severity + " alert topic", msg);
            } else if (target.startsWith("webhook:")) {
                p = webhook.post(target.substring("webhook:".length()), body);
            } else if (target.startsWith("command:")) {
                p = command(target.substring("command:".length()), ctx, timeout, l);
            } else {
                p = "unknown alert target";
            }
            if (p != null) {
                problems.add("alert to " + target + ": " + p);
            } else {
                l.info("alert_sent", "severity", a.severity(), "target", target.startsWith("webhook:") ? "webhook"
                        : target);
            }
        }
        return problems;
    }

    private static String publish(AlertSink sink, String what, Alert a) {
        if (sink == null) {
            return "no topic: " + what + " is not configured";
        }
        try {
            sink.publish(a);
            return null;
        } catch (RuntimeException ex) {
            return ex.getMessage() == null ? ex.toString() : ex.getMessage();
        }
    }

    private static String status(String s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", s);
        return Json.write(m);
    }
}
