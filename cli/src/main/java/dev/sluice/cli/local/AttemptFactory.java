package dev.sluice.cli.local;

import dev.sluice.api.TaskContext;
import dev.sluice.cli.exec.Attempt;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Dispatch;
import dev.sluice.engine.Json;
import dev.sluice.engine.RunData;
import dev.sluice.engine.RunView;
import dev.sluice.model.Dag;
import dev.sluice.model.TaskKind;
import dev.sluice.model.TaskSpec;
import dev.sluice.store.StateStore;
import dev.sluice.template.TemplateContext;
import dev.sluice.template.TemplateRenderer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a {@link Dispatch} into an {@link Attempt}: renders the command (values shell-quoted), sets the SLUICE_*
 * environment, builds the handler's context, and picks the log file
 * {@code <logs>/<dag>/<run>/<task>[.<map>]/<try>.log}.
 */
final class AttemptFactory {
    private final Dag dag;
    private final StateStore store;
    private final Path logsDir;
    private final TemplateRenderer renderer;

    AttemptFactory(Dag dag, StateStore store, Path logsDir, TemplateRenderer renderer) {
        this.dag = dag;
        this.store = store;
        this.logsDir = logsDir;
        this.renderer = renderer;
    }

    static Path logFile(Path logsDir, String dagId, String runId, String taskId, int mapIndex, int tryNumber) {
        return LocalRunnerFiles.logFile(logsDir, dagId, runId, taskId, mapIndex, tryNumber);
    }

    Attempt build(DagRun run, Dispatch x) {
        TaskSpec spec = dag.task(x.task().taskId());
        RunView view = store.view(dag, run.runId());
        Map<String, Object> outputs = RunData.upstreamOutputs(spec, view::instance);
        Map<String, Object> conf = RunData.conf(run);
        Map<String, Object> params = new LinkedHashMap<>(dag.params());
        params.putAll(spec.params());
        params.putAll(conf);
        Object item = x.itemJson() == null ? null : Json.toJava(x.itemJson());
        TemplateContext.Builder tc = TemplateContext.builder()
                .dagId(dag.dagId()).runId(run.runId()).taskId(spec.taskId())
                .tryNumber(x.tryNumber()).mapIndex(x.task().mapIndex())
                .logicalDate(run.logicalDate())
                .dataInterval(run.dataIntervalStart(), run.dataIntervalEnd())
                .zone(dag.timezone()).params(params).outputs(outputs).conf(conf);
        if (x.task().mapIndex() >= 0) {
            tc.item(item);
        }
        TemplateContext ctx = tc.build();
        String command = null;
        if (spec.kind() instanceof TaskKind.Command c) {
            command = renderer.renderCommand(c.command(), ctx);
        }
        Map<String, String> env = new LinkedHashMap<>();
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
        TaskContext handlerContext = new LocalTaskContext(dag.dagId(), run, x, ctx.ds(), item, params, outputs);
        return new Attempt(dag.dagId(), run.runId(), spec.taskId(), x.task().mapIndex(), x.tryNumber(),
                x.maxTries(), spec, command, env, spec.executionTimeout(), log, handlerContext);
    }
}
