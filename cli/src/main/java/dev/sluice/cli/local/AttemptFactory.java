package dev.sluice.cli.local;

import dev.sluice.api.TaskContext;
import dev.sluice.cli.exec.Attempt;
import dev.sluice.cli.secrets.LocalSecrets;
import dev.sluice.secrets.Secrets;
import dev.sluice.secrets.SensitiveNames;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Dispatch;
import dev.sluice.model.Dag;
import dev.sluice.model.TaskKind;
import dev.sluice.model.TaskSpec;
import dev.sluice.store.StateStore;
import dev.sluice.template.ShellCommand;
import dev.sluice.template.TemplateContext;
import dev.sluice.template.TemplateRenderer;
import dev.sluice.template.TryContext;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a {@link Dispatch} into an {@link Attempt}: renders the command (values as SLUICE_V_n variables) with the
 * context every runtime builds ({@link TryContext}), sets the SLUICE_* environment, builds the handler's context, and
 * picks the log file {@code <logs>/<dag>/<run>/<task>[.<map>]/<try>.log}.
 */
final class AttemptFactory {
    private final Dag dag;
    private final StateStore store;
    private final Path logsDir;
    private final TemplateRenderer renderer;
    private final Secrets secrets;
    private final SensitiveNames sensitive;

    /** Variables and connections come from the environment, then the store of the home that holds {@code logsDir}. */
    AttemptFactory(Dag dag, StateStore store, Path logsDir, TemplateRenderer renderer) {
        this(dag, store, logsDir, renderer, LocalSecrets.of(logsDir.toAbsolutePath().getParent()),
                LocalSecrets.names());
    }

    AttemptFactory(Dag dag, StateStore store, Path logsDir, TemplateRenderer renderer, Secrets secrets,
                   SensitiveNames sensitive) {
        this.secrets = secrets;
        this.sensitive = sensitive;
        this.dag = dag;
        this.store = store;
        this.logsDir = logsDir;
        this.renderer = renderer;
    }

    static Path logFile(Path logsDir, String dagId, String runId, String taskId, int mapIndex, int tryNumber) {
        return LocalRunnerFiles.logFile(logsDir, dagId, runId, taskId, mapIndex, tryNumber);
    }

    /** The folder that holds every log of one run. */
    static Path runLogs(Path logsDir, String dagId, String runId) {
        return LocalRunnerFiles.runLogs(logsDir, dagId, runId);
    }

    Attempt build(DagRun run, Dispatch x) {
        return build(run, x, TryContext.Source.of(store.view(dag, run.runId())));
    }

    /** @param source the run's instances (and output loading), as the try sees them */
    Attempt build(DagRun run, Dispatch x, TryContext.Source source) {
        TryContext t = TryContext.of(dag, run, x, source, secrets, sensitive);
        TaskSpec spec = t.spec();
        Object item = t.item();
        TemplateContext ctx = t.templateContext();
        ShellCommand command = null;
        if (spec.kind() instanceof TaskKind.Command c) {
            try {
                command = renderer.renderCommand(c.command(), ctx);
            } catch (dev.sluice.template.TemplateException e) {
                // a value the command could not take (a secret in arithmetic) may be quoted in the message
                throw new dev.sluice.template.TemplateException(t.masker().mask(e.getMessage()));
            }
        }
        Map<String, String> env = new LinkedHashMap<>(command == null ? Map.of() : command.values());
        env.put("SLUICE_DAG_ID", dag.dagId());
        env.put("SLUICE_RUN_ID", run.runId());
        env.put("SLUICE_TASK_ID", spec.taskId());
        env.put("SLUICE_TRY_NUMBER", Integer.toString(x.tryNumber()));
        env.put("SLUICE_MAX_TRIES", Integer.toString(x.maxTries()));
        env.put("SLUICE_MAP_INDEX", Integer.toString(x.task().mapIndex()));
        env.put("SLUICE_ITEM", item == null ? "" : item instanceof String s ? s : x.itemJson());
        env.put("SLUICE_LOGICAL_DATE", run.logicalDate().toString());
        env.put("SLUICE_DS", ctx.ds());
        Path log = logFile(logsDir, dag.dagId(), run.runId(), spec.taskId(), x.task().mapIndex(), x.tryNumber());
        TaskContext handlerContext = new LocalTaskContext(dag.dagId(), run, x, ctx.ds(), item, t.params(),
                t.resolvedOutputs(), t.secrets());
        return new Attempt(dag.dagId(), run.runId(), spec.taskId(), x.task().mapIndex(), x.tryNumber(),
                x.maxTries(), spec, command == null ? null : command.script(), env, spec.executionTimeout(), log,
                handlerContext, t.masker());
    }
}
