package dev.sluice.template;

import dev.sluice.engine.DagRun;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Json;
import dev.sluice.engine.RunData;
import dev.sluice.engine.RunView;
import dev.sluice.engine.TaskInstance;
import dev.sluice.engine.TaskKey;
import dev.sluice.model.Dag;
import dev.sluice.model.TaskSpec;
import dev.sluice.secrets.Masker;
import dev.sluice.secrets.Secrets;
import dev.sluice.secrets.SensitiveNames;
import dev.sluice.secrets.TrackedSecrets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What one try of a task sees, built the same way for every runtime (the local runner's AttemptFactory, the AWS
 * coordinator's InvocationBuilder), so a DAG renders the same text on a laptop and on AWS: params (DAG, then task,
 * then the run's conf), the conf, the mapped item, the direct upstream outputs, and the {@link TemplateContext}
 * that command templates render with. The runtime supplies only the I/O, as a {@link Source}.
 *
 * <p>Upstream outputs come in two forms. {@link #outputs()} are as stored: an output that was offloaded stays its
 * reference ({@code {"$ref":"s3://..."}}), which is what an invocation carries so that it stays small.
 * {@link #resolvedOutputs()} and {@link #templateContext()} have offloaded outputs loaded back through
 * {@link Source#loadOutput}, once, on first use, so a try that renders nothing reads nothing.
 *
 * <pre>{@code
 * TryContext t = TryContext.of(dag, run, dispatch, TryContext.Source.of(view));
 * String command = renderer.renderCommand(((TaskKind.Command) t.spec().kind()).command(), t.templateContext());
 * }</pre>
 */
public final class TryContext {

    /** The I/O a runtime provides: the instances of the run, and how to load an output that was offloaded. */
    public interface Source {
        /** The instance as the runtime sees it now, or null when it does not exist. */
        TaskInstance instance(TaskKey key);

        /**
         * An output as stored, turned into the output's own JSON: a runtime that offloads large outputs loads the
         * referenced value here; the others return it unchanged.
         */
        default String loadOutput(String outputJson) {
            return outputJson;
        }

        /** The instances and output loading of a store's view of the run. */
        static Source of(RunView view) {
            return of(view::instance, view::loadOutput);
        }

        static Source of(Function<TaskKey, TaskInstance> instances, UnaryOperator<String> loadOutput) {
            Objects.requireNonNull(instances, "instances");
            Objects.requireNonNull(loadOutput, "loadOutput");
            return new Source() {
                @Override
                public TaskInstance instance(TaskKey key) {
                    return instances.apply(key);
                }

                @Override
                public String loadOutput(String outputJson) {
                    return loadOutput.apply(outputJson);
                }
            };
        }
    }

    private final TaskSpec spec;
    private final Source source;
    private final Map<String, Object> params;
    private final Map<String, Object> conf;
    private final Object item;
    private final Map<String, Object> outputs;
    private final TemplateContext.Builder template;
    private final TrackedSecrets secrets;
    private Map<String, Object> resolved;
    private TemplateContext context;

    private TryContext(Dag dag, DagRun run, Dispatch x, Source source, Secrets secrets, SensitiveNames names) {
        this.spec = dag.task(x.task().taskId());
        this.source = source;
        this.conf = RunData.conf(run);
        Map<String, Object> p = new LinkedHashMap<>(dag.params());
        p.putAll(spec.params());
        p.putAll(conf);
        this.params = Collections.unmodifiableMap(p);
        this.item = x.itemJson() == null ? null : Json.toJava(x.itemJson());
        this.outputs = Collections.unmodifiableMap(RunData.upstreamOutputs(spec, source::instance, json -> json));
        this.template = TemplateContext.builder()
                .dagId(dag.dagId()).runId(run.runId()).taskId(spec.taskId())
                .tryNumber(x.tryNumber()).mapIndex(x.task().mapIndex())
                .logicalDate(run.logicalDate()).dataInterval(run.dataIntervalStart(), run.dataIntervalEnd())
                .zone(dag.timezone()).params(params).conf(conf);
        this.secrets = new TrackedSecrets(secrets, names, new Masker());
        template.secrets(this.secrets);
        if (x.task().mapIndex() >= 0) {
            template.item(item);
        }
    }

    /** The context of try {@code x} of a task of {@code dag} in {@code run}, with the runtime's I/O. */
    public static TryContext of(Dag dag, DagRun run, Dispatch x, Source source) {
        return of(dag, run, x, source, Secrets.NONE, SensitiveNames.of(null));
    }

    /**
     * As {@link #of(Dag, DagRun, Dispatch, Source)}, with the variables and connections templates and handlers read
     * ({@link Secrets#DEFERRED} where they must not be read), and the names that mark a variable as sensitive.
     */
    public static TryContext of(Dag dag, DagRun run, Dispatch x, Source source, Secrets secrets,
                                SensitiveNames names) {
        return new TryContext(Objects.requireNonNull(dag, "dag"), Objects.requireNonNull(run, "run"),
                Objects.requireNonNull(x, "dispatch"), Objects.requireNonNull(source, "source"),
                Objects.requireNonNull(secrets, "secrets"), Objects.requireNonNull(names, "names"));
    }

    /** The try's secrets: every value read through them that must not be shown is in {@link #masker()}. */
    public Secrets secrets() {
        return secrets;
    }

    /** What this try has read that must be masked in its logs, output and errors. */
    public Masker masker() {
        return secrets.masker();
    }

    public TaskSpec spec() {
        return spec;
    }

    /** DAG params, overlaid by the task's params, overlaid by the run's conf. */
    public Map<String, Object> params() {
        return params;
    }

    /** The run's conf (empty when there is none). */
    public Map<String, Object> conf() {
        return conf;
    }

    /** The mapped item as a Java value, or null for an unmapped task. */
    public Object item() {
        return item;
    }

    /** The direct upstream outputs as stored: offloaded ones stay references. */
    public Map<String, Object> outputs() {
        return outputs;
    }

    /** The direct upstream outputs with offloaded ones loaded back (read on first use). */
    public synchronized Map<String, Object> resolvedOutputs() {
        if (resolved == null) {
            resolved = Collections.unmodifiableMap(RunData.upstreamOutputs(spec, source::instance,
                    source::loadOutput));
        }
        return resolved;
    }

    /** The logical date's day in the DAG's zone, as templates see {@code ds}; reads no output. */
    public String ds() {
        return template.build().ds();
    }

    /** What templates render with: {@link TemplateContext#variables()}, outputs resolved. */
    public synchronized TemplateContext templateContext() {
        if (context == null) {
            context = template.outputs(resolvedOutputs()).build();
        }
        return context;
    }
}
