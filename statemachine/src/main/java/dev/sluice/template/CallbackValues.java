package dev.sluice.template;

import dev.sluice.api.CallbackContext;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Effect;
import dev.sluice.model.Dag;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The context of a callback or alert, built once for every runtime from the effect, its run and its DAG: as
 * template variables (for a command's text, whose values reach the shell as {@code SLUICE_V_n} variables), as
 * {@code SLUICE_*} environment variables, and as the typed {@link CallbackContext} a handler callback gets.
 */
public final class CallbackValues {
    private CallbackValues() {
    }

    /** @param log where the try's log is (a path locally, a Logs Insights link on AWS), or null */
    public static CallbackContext context(Dag dag, DagRun run, Effect e, String log) {
        String owner = e.task() != null && dag.hasTask(e.task().taskId()) && dag.task(e.task().taskId()).owner() != null
                ? dag.task(e.task().taskId()).owner() : dagOwner(dag);
        return new CallbackContext(e.kind().wireName(), dag.dagId(), e.task() == null ? null : e.task().taskId(),
                e.task() == null ? -1 : e.task().mapIndex(), e.runId(),
                run == null ? null : run.logicalDate().toString(), e.tryNumber(), e.maxTries(), e.error(), log,
                dag.tags(), owner, e.dueAt() == null ? null : e.dueAt().toString());
    }

    private static String dagOwner(Dag dag) {
        Object o = dag.defaultArgs().get("owner");
        return o == null ? null : o.toString();
    }

    /** Every name {@link #variables} holds: what a callback's template may read. */
    public static final java.util.List<String> NAMES = java.util.List.of("event", "dag_id", "task_id", "map_index",
            "run_id", "logical_date", "ds", "try_number", "max_tries", "error", "log", "tags", "owner", "due_at");

    /** The template variables: {@code event, dag_id, task_id, map_index, run_id, logical_date, ...}. */
    public static Map<String, Object> variables(CallbackContext c) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("event", c.event());
        v.put("dag_id", c.dagId());
        v.put("task_id", c.taskId() == null ? "" : c.taskId());
        v.put("map_index", c.mapIndex());
        v.put("run_id", c.runId());
        v.put("logical_date", c.logicalDate() == null ? "" : c.logicalDate());
        v.put("ds", c.logicalDate() == null ? "" : c.logicalDate().substring(0, 10));
        v.put("try_number", c.tryNumber());
        v.put("max_tries", c.maxTries());
        v.put("error", c.error() == null ? "" : c.error());
        v.put("log", c.log() == null ? "" : c.log());
        v.put("tags", c.tags());
        v.put("owner", c.owner() == null ? "" : c.owner());
        v.put("due_at", c.dueAt() == null ? "" : c.dueAt());
        return v;
    }

    /** The {@code SLUICE_*} environment of a callback command: each variable above, upper-cased. */
    public static Map<String, String> env(CallbackContext c) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : variables(c).entrySet()) {
            Object value = e.getValue();
            String text = value instanceof java.util.List<?> l ? String.join(",", l.stream().map(String::valueOf)
                    .toList()) : String.valueOf(value);
            env.put("SLUICE_" + e.getKey().toUpperCase(java.util.Locale.ROOT), text);
        }
        return env;
    }
}
