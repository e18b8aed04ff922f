package dev.sluice.engine;

import dev.sluice.model.TaskSpec;
import dev.sluice.state.TaskState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** What a task sees of its run, the same for every runtime: the run's conf and its upstream outputs. */
public final class RunData {
    private RunData() {
    }

    /** The run's conf as a map (empty when there is none, or when it is not a JSON object). */
    public static Map<String, Object> conf(DagRun run) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (run.confJson() != null && Json.toJava(run.confJson()) instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), v));
        }
        return out;
    }

    /**
     * Outputs of the direct upstream tasks by task id, parsed from JSON; a mapped upstream gives the list of its
     * instances' outputs in map-index order.
     *
     * @param load turns an output as stored into the JSON to parse: the identity keeps offloaded outputs as their
     *             references, a loader ({@link RunView#loadOutput}) brings their values back
     */
    public static Map<String, Object> upstreamOutputs(TaskSpec spec, Function<TaskKey, TaskInstance> instances,
                                                      UnaryOperator<String> load) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String u : spec.upstream()) {
            TaskInstance p = instances.apply(TaskKey.of(u));
            if (p == null) {
                continue;
            }
            if (p.state() == TaskState.REMOVED && p.mapCount() >= 0) {
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < p.mapCount(); i++) {
                    TaskInstance c = instances.apply(new TaskKey(u, i));
                    list.add(c == null ? null : output(c, load));
                }
                out.put(u, list);
            } else {
                out.put(u, output(p, load));
            }
        }
        return out;
    }

    private static Object output(TaskInstance i, UnaryOperator<String> load) {
        return i.outputJson() == null ? null : Json.toJava(load.apply(i.outputJson()));
    }
}
