package dev.sluice.functions.effect;

import dev.sluice.engine.Effect;
import dev.sluice.functions.dispatch.FunctionRouter;
import dev.sluice.model.Dag;
import dev.sluice.model.TaskKind;

/**
 * Where an effect's try logged, for the callback context's {@code log}: a CloudWatch Logs Insights link on the log
 * group of the function that ran it (template.yaml: {@code /sluice/STACK/LOGICAL_ID}; a handler class's function
 * is named after the class, {@code LoadStaging -> LoadStagingFunction}; command and function tasks run in
 * {@code CommandRunnerFunction}), with a query for that try's lines. An SLA miss (try 0) queries every try of the
 * task; a run's effect queries the coordinator's lines of the run.
 *
 * @param stackName the stack (SLUICE_STACK_NAME); null gives {@code sluice}
 */
public record TryLogs(String region, String stackName) {
    public String link(Dag dag, Effect e) {
        String stack = stackName == null || stackName.isBlank() ? "sluice" : stackName;
        String function = "CoordinatorFunction";
        if (e.task() != null && dag.hasTask(e.task().taskId())) {
            TaskKind kind = dag.task(e.task().taskId()).kind();
            if (kind instanceof TaskKind.Handler h && FunctionRouter.functionNamePart(h.className()) != null) {
                function = FunctionRouter.functionNamePart(h.className()) + "Function";
            } else if (kind instanceof TaskKind.Command || kind instanceof TaskKind.Function) {
                function = "CommandRunnerFunction";
            }
        }
        String query = LogsInsightsLink.query(e.runId(), e.task() == null ? null : e.task().taskId(),
                e.task() == null ? -1 : e.task().mapIndex(), e.tryNumber());
        return LogsInsightsLink.link(region, LogsInsightsLink.logGroup(stack, function), query);
    }
}
