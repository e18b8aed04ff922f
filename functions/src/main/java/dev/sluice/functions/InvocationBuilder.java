package dev.sluice.functions;

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
import dev.sluice.secrets.Secrets;
import dev.sluice.secrets.SensitiveNames;
import dev.sluice.template.ShellCommand;
import dev.sluice.template.TemplateException;
import dev.sluice.template.TemplateRenderer;
import dev.sluice.template.TryContext;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Turns a {@link Dispatch} into the {@link TaskInvocation} its function receives, from the context every runtime
 * builds ({@link TryContext}, as the local runtime's AttemptFactory does): params, the direct upstream outputs
 * (offloaded ones stay references), the mapped item, and for {@code command} tasks the script rendered with
 * offloaded outputs loaded back, its template values beside it (never in it). An invocation larger than
 * {@link #MAX_INLINE_BYTES} sends its upstream outputs as one S3 reference.
 */
public final class InvocationBuilder {
    /** Lambda accepts 1 MB of asynchronous payload; stay well below it. */
    static final int MAX_INLINE_BYTES = 200_000;

    private final TemplateRenderer renderer;
    private final PayloadStore payloads;
    private final UnaryOperator<String> loadOutput;

    /** @param payloads where offloaded outputs live and large inputs go, or null when nothing is offloaded */
    public InvocationBuilder(TemplateRenderer renderer, PayloadStore payloads) {
        this(renderer, payloads, payloads == null ? json -> json : payloads::resolve);
    }

    /**
     * @param loadOutput loads an offloaded output back ({@link PayloadStore#resolve}); tests hand in their own
     *                   store of references
     */
    public InvocationBuilder(TemplateRenderer renderer, PayloadStore payloads, UnaryOperator<String> loadOutput) {
        this.renderer = renderer;
        this.payloads = payloads;
        this.loadOutput = loadOutput;
    }

    /** @param instances the instances as they are after the decision (changed ones first, then the stored view) */
    public TaskInvocation build(Dag dag, String version, DagRun run, Dispatch x,
                                Function<TaskKey, TaskInstance> instances, Instant now) {
        // The coordinator reads no secret: a command that reads var or conn stops rendering here.
        TryContext t = TryContext.of(dag, run, x, TryContext.Source.of(instances, loadOutput), Secrets.DEFERRED,
                SensitiveNames.of(null));
        TaskKind kind = t.spec().kind();
        Map<String, String> commandValues = Map.of();
        if (kind instanceof TaskKind.Command c) {
            ShellCommand command;
            try {
                command = renderer.renderCommand(c.command(), t.templateContext());
            } catch (Secrets.Deferred e) {
                throw new TemplateException("cannot render the command of " + t.spec().taskId() + ": variables and"
                        + " connections (var, conn) are not available on AWS yet; they work locally");
            }
            kind = new TaskKind.Command(command.script());
            commandValues = command.values();
        } else if (kind instanceof TaskKind.Empty) {
            throw new IllegalArgumentException("empty tasks are not invoked");
        }
        String outputsJson = Json.write(t.outputs());
        TaskRef ref = new TaskRef(dag.dagId(), version, run.runId(), t.spec().taskId(), x.task().mapIndex(),
                x.tryNumber());
        TaskInvocation inv = TaskInvocation.builder().task(ref).kind(kind)
                .maxTries(x.maxTries()).retryJson(TaskInvocation.retryJson(x.retryPolicy()))
                .nextRetryDelaySeconds(TaskInvocation.seconds(x.nextRetryDelay())).deadline(x.deadline())
                .logicalDate(run.logicalDate()).dataInterval(run.dataIntervalStart(), run.dataIntervalEnd())
                .ds(t.ds()).paramsJson(Json.write(t.params())).upstreamOutputsJson(outputsJson)
                .itemJson(x.itemJson()).confJson(run.confJson())
                .commandValues(commandValues)
                .dispatchedAt(now)
                .build();
        if (payloads != null && outputsJson.length() > MAX_INLINE_BYTES / 2) {
            String key = PayloadStore.key(run.runId(), x.task(), x.tryNumber(), ".inputs.json");
            inv = inv.withUpstreamOutputsJson(PayloadStore.reference(payloads.put(key, outputsJson)));
        }
        return inv;
    }
}
