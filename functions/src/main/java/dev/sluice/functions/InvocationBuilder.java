package dev.sluice.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Json;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.functions.message.TaskInvocation;
import dev.sluice.functions.message.TaskRef;
import dev.sluice.infra.PayloadStore;
import dev.sluice.model.Dag;
import dev.sluice.model.TaskKind;
import dev.sluice.model.TaskSpec;
import dev.sluice.template.ShellCommand;
import dev.sluice.template.TemplateContext;
import dev.sluice.template.TemplateRenderer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns a {@link Dispatch} into the {@link TaskInvocation} its function receives, as the local runtime's
 * AttemptFactory does for a local try: params (DAG, then task, then the run's conf), the direct upstream outputs
 * (offloaded ones stay references), the mapped item, and for {@code command} tasks the rendered script with its
 * template values beside it (never in it). An invocation larger than {@link #MAX_INLINE_BYTES} sends its upstream outputs as one S3 reference.
 */
final class InvocationBuilder {
    /** Lambda accepts 1 MB of asynchronous payload; stay well below it. */
    static final int MAX_INLINE_BYTES = 200_000;

    private final TemplateRenderer renderer;
    private final PayloadStore payloads;

    InvocationBuilder(TemplateRenderer renderer, PayloadStore payloads) {
        this.renderer = renderer;
        this.payloads = payloads;
    }

    /** @param instances the instances as they are after the decision (changed ones first, then the stored view) */
    TaskInvocation build(Dag dag, String version, DagRun run, Dispatch x, Function<TaskKey, TaskInstance> instances,
                         Instant now) {
        TaskSpec spec = dag.task(x.task().taskId());
        Map<String, Object> outputs = upstreamOutputs(spec, instances);
        Map<String, Object> conf = conf(run);
        Map<String, Object> params = new LinkedHashMap<>(dag.params());
        params.putAll(spec.params());
        params.putAll(conf);
        Object item = x.itemJson() == null ? null : Json.toJava(x.itemJson());
        TemplateContext.Builder tc = TemplateContext.builder()
                .dagId(dag.dagId()).runId(run.runId()).taskId(spec.taskId())
                .tryNumber(x.tryNumber()).mapIndex(x.task().mapIndex())
                .logicalDate(run.logicalDate()).dataInterval(run.dataIntervalStart(), run.dataIntervalEnd())
                .zone(dag.timezone()).params(params).conf(conf);
        if (x.task().mapIndex() >= 0) {
            tc.item(item);
        }
        String kind;
        String target;
        Map<String, String> commandValues = Map.of();
        TemplateContext ctx;
        if (spec.kind() instanceof TaskKind.Command c) {
            ctx = tc.outputs(resolved(outputs)).build();
            kind = "command";
            ShellCommand command = renderer.renderCommand(c.command(), ctx);
            target = command.script();
            commandValues = command.values();
        } else {
            ctx = tc.outputs(outputs).build();
            if (spec.kind() instanceof TaskKind.Handler h) {
                kind = "handler";
                target = h.className();
            } else if (spec.kind() instanceof TaskKind.Function f) {
                kind = "function";
                target = f.function();
            } else {
                throw new IllegalArgumentException("empty tasks are not invoked");
            }
        }
        String outputsJson = Json.write(outputs);
        TaskRef ref = new TaskRef(dag.dagId(), version, run.runId(), spec.taskId(), x.task().mapIndex(),
                x.tryNumber());
        TaskInvocation inv = new TaskInvocation(ref, x.maxTries(), TaskInvocation.retryJson(x.retryPolicy()),
                TaskInvocation.seconds(x.nextRetryDelay()), x.deadline(), run.logicalDate(), run.dataIntervalStart(),
                run.dataIntervalEnd(), ctx.ds(), Json.write(params), outputsJson, x.itemJson(), run.confJson(), kind,
                target, now);
        if (payloads != null && outputsJson.length() > MAX_INLINE_BYTES / 2) {
            String key = PayloadStore.key(run.runId(), x.task(), x.tryNumber(), ".inputs.json");
            inv = new TaskInvocation(ref, inv.maxTries(), inv.retryJson(), inv.nextRetryDelaySeconds(), inv.deadline(),
                    inv.logicalDate(), inv.dataIntervalStart(), inv.dataIntervalEnd(), inv.ds(), inv.paramsJson(),
                    PayloadStore.reference(payloads.put(key, outputsJson)), inv.itemJson(), inv.confJson(),
                    inv.kind(), inv.target(), inv.dispatchedAt());
        }
        return inv.withCommandValues(commandValues);
    }

    static Map<String, Object> conf(DagRun run) {
        return dev.sluice.engine.RunData.conf(run);
    }

    private static Map<String, Object> upstreamOutputs(TaskSpec spec, Function<TaskKey, TaskInstance> instances) {
        return dev.sluice.engine.RunData.upstreamOutputs(spec, instances);
    }

    /** Command templates see the real values, so offloaded outputs are loaded back for rendering. */
    private Map<String, Object> resolved(Map<String, Object> outputs) {
        if (payloads == null) {
            return outputs;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        outputs.forEach((k, v) -> out.put(k, resolveValue(v)));
        return out;
    }

    private Object resolveValue(Object v) {
        if (v instanceof Map<?, ?> m && m.size() == 1 && m.get(PayloadStore.REF_FIELD) instanceof String uri) {
            return Json.toJava(payloads.get(uri));
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(e -> out.add(resolveValue(e)));
            return out;
        }
        return v;
    }

    static boolean isRef(JsonNode n) {
        return n != null && n.isObject() && n.size() == 1 && n.path(PayloadStore.REF_FIELD).isTextual();
    }
}
