package dev.sluice.functions.task;

import com.amazonaws.services.lambda.runtime.Context;
import dev.sluice.engine.Decision;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Event;
import dev.sluice.engine.Json;
import dev.sluice.engine.Notification;
import dev.sluice.functions.dags.DagRegistry;
import dev.sluice.functions.dispatch.CoordinatorQueue;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.functions.obs.Metrics;
import dev.sluice.infra.PayloadStore;
import dev.sluice.kernel.DecisionLoop;
import dev.sluice.kernel.RetryOptions;
import dev.sluice.model.Dag;
import dev.sluice.store.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The task runtime shared by the task functions: claim the try, run it, report it.
 * <ol>
 *   <li><b>Claim</b>: the engine's {@link Event.TaskStarted} applied through the store, a conditional write from
 *       queued to running for exactly this try. A duplicate invocation, a stale try, or a try the watchdog already
 *       timed out finds the instance elsewhere and returns without running anything.</li>
 *   <li><b>Run</b> the work with a timeout: the try's deadline (execution_timeout), and never past the function's
 *       own limit minus {@link #REPORT_MARGIN}, so a long task is reported as timed out instead of being killed
 *       silently. That self-imposed limit is the runtime's heartbeat guarantee: a try never outlives its report.</li>
 *   <li><b>Report</b> the result as a completion message on the coordinator queue; an output above the payload
 *       threshold goes to S3 and the message carries the reference.</li>
 * </ol>
 */
public final class TaskRuntime {
    /** Time kept back from the function's limit to report a timeout. */
    public static final Duration REPORT_MARGIN = Duration.ofSeconds(5);

    private final StateStore store;
    private final DagRegistry dags;
    private final CoordinatorQueue queue;
    private final PayloadStore payloads;
    private final Clock clock;
    /** A claim races only with a duplicate invocation or the watchdog: fewer attempts than the coordinator. */
    private final DecisionLoop claims;
    private final JsonLog log;
    private final Metrics metrics;

    public TaskRuntime(StateStore store, DagRegistry dags, CoordinatorQueue queue, PayloadStore payloads, Clock clock,
                       RandomGenerator random, JsonLog log, Metrics metrics) {
        this.store = store;
        this.dags = dags;
        this.queue = queue;
        this.payloads = payloads;
        this.clock = clock;
        this.claims = DecisionLoop.builder(store).retry(RetryOptions.defaults().withMaxAttempts(10))
                .clock(clock::instant).random(random).sleeper(d -> Thread.sleep(d.toMillis())).build();
        this.log = log;
        this.metrics = metrics;
    }

    /** Runs one invocation; returns a small JSON status (Lambda's response, unused by async callers). */
    public String handle(String invocationJson, Context lambda, TaskWork work) {
        TaskInvocation inv = TaskInvocation.parse(invocationJson);
        var r = inv.task();
        JsonLog l = log.withTask(r.dagId(), r.runId(), r.taskId(), r.mapIndex(), r.tryNumber())
                .with("awsRequestId", lambda == null ? null : lambda.getAwsRequestId());
        String why = claim(inv);
        if (why != null) {
            l.info("task_not_started", "reason", why);
            return status("ignored", why);
        }
        Instant started = clock.instant();
        if (inv.dispatchedAt() != null) {
            metrics.put(r.dagId(), Metrics.Name.SchedulingDelayMs,
                    Math.max(0, Duration.between(inv.dispatchedAt(), started).toMillis()));
        }
        l.info("task_started", "state", "running", "kind", inv.kindName(), "maxTries", inv.maxTries());
        TaskResult result;
        try {
            LambdaTaskContext ctx = context(inv, l);
            result = work.run(inv, ctx, timeout(inv, lambda, started), l);
        } catch (RuntimeException e) {
            // Inputs that cannot be loaded, a runtime bug: report it rather than leave the try hanging.
            result = new TaskResult.Failed("task runtime error: " + e, true);
        }
        result = offload(inv, result);
        queue.send(new CoordinatorMessage.Completion(r, result), Duration.ZERO);
        l.info("task_finished", "state", result.status(), "durationMs",
                Duration.between(started, clock.instant()).toMillis(),
                "error", result instanceof TaskResult.Failed f ? f.error() : null);
        return status(result.status(), null);
    }

    /** Applies TaskStarted for this try; null when it is ours to run, else why not. */
    private String claim(TaskInvocation inv) {
        var r = inv.task();
        Dag dag = dags.pinned(r.dagId(), r.dagVersion());
        Engine engine = dags.engine(dag, r.dagVersion(), 25);
        Decision d = claims.run(engine, r.runId(), new Event.TaskStarted(r.key(), r.tryNumber())).decision();
        if (!d.isNoop()) {
            if (!d.effects().isEmpty()) {
                // on_execute: the coordinator sends it to the command runner, as every effect
                queue.send(new CoordinatorMessage.RunEffects(r.dagId(), r.dagVersion(), r.runId(),
                        d.effects().stream().map(dev.sluice.engine.Effect::key).toList()), Duration.ZERO);
            }
            return null;
        }
        for (Notification n : d.notifications()) {
            if (n instanceof Notification.Ignored i) {
                return i.reason();
            }
        }
        return "nothing to start";
    }

    private LambdaTaskContext context(TaskInvocation inv, JsonLog l) {
        Map<String, Object> params = new LinkedHashMap<>();
        if (Json.toJava(inv.paramsJson()) instanceof Map<?, ?> m) {
            m.forEach((k, v) -> params.put(String.valueOf(k), v));
        }
        Object item = inv.itemJson() == null ? null : Json.toJava(inv.itemJson());
        return new LambdaTaskContext(inv, item, params, () -> upstreamOutputs(inv), l);
    }

    /** The invocation's upstream outputs with offloaded ones loaded back. */
    Map<String, Object> upstreamOutputs(TaskInvocation inv) {
        String outputsJson = inv.upstreamOutputsJson();
        if (payloads != null) {
            outputsJson = payloads.resolve(outputsJson);
        }
        Map<String, Object> outputs = new LinkedHashMap<>();
        Object o = Json.toJava(outputsJson);
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> outputs.put(String.valueOf(k), resolveValue(v)));
        }
        return outputs;
    }

    private Object resolveValue(Object v) {
        if (payloads != null && v instanceof Map<?, ?> m && m.size() == 1
                && m.get(PayloadStore.REF_FIELD) instanceof String uri) {
            return Json.toJava(payloads.get(uri));
        }
        if (v instanceof java.util.List<?> list) {
            java.util.List<Object> out = new java.util.ArrayList<>();
            list.forEach(e -> out.add(resolveValue(e)));
            return out;
        }
        return v;
    }

    private Duration timeout(TaskInvocation inv, Context lambda, Instant now) {
        Duration t = inv.deadline() == null ? null : Duration.between(now, inv.deadline());
        if (lambda != null && lambda.getRemainingTimeInMillis() > 0) {
            Duration left = Duration.ofMillis(lambda.getRemainingTimeInMillis()).minus(REPORT_MARGIN);
            t = t == null || left.compareTo(t) < 0 ? left : t;
        }
        return t == null ? null : t.isNegative() ? Duration.ZERO : t;
    }

    private TaskResult offload(TaskInvocation inv, TaskResult result) {
        if (payloads == null || !(result instanceof TaskResult.Succeeded s) || s.outputJson() == null
                || !payloads.exceeds(s.outputJson())) {
            return result;
        }
        var r = inv.task();
        String key = PayloadStore.key(r.runId(), r.key(), r.tryNumber(), ".json");
        return new TaskResult.Succeeded(PayloadStore.reference(payloads.put(key, s.outputJson())));
    }

    private static String status(String status, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        if (reason != null) {
            m.put("reason", reason);
        }
        return Json.write(m);
    }
}
