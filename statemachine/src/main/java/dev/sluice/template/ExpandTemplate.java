package dev.sluice.template;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.DagRun;
import dev.sluice.engine.Json;
import dev.sluice.engine.RunData;
import dev.sluice.model.Dag;
import dev.sluice.model.TaskSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The items of {@code expand: "{{ params.tables }}"}: the template is rendered once, when the mapped task is
 * ready, with the run's params and conf and the direct upstream outputs (no {@code item}, {@code map_index} -1),
 * and must give a JSON array. Pure: the same for every runtime.
 *
 * <pre>{@code
 * List<String> items = ExpandTemplate.items(dag, run, spec, upstreamOutputs);   // ["\"orders\"", "\"customers\""]
 * }</pre>
 */
public final class ExpandTemplate {
    private static final TemplateRenderer RENDERER = new TemplateRenderer();

    private ExpandTemplate() {
    }

    /**
     * The items as JSON texts.
     *
     * @throws IllegalArgumentException naming the task when the template fails to render or does not give a list
     */
    public static List<String> items(Dag dag, DagRun run, TaskSpec spec, Map<String, Object> outputs) {
        Map<String, Object> conf = RunData.conf(run);
        Map<String, Object> params = new LinkedHashMap<>(dag.params());
        params.putAll(spec.params());
        params.putAll(conf);
        TemplateContext ctx = TemplateContext.builder()
                .dagId(dag.dagId()).runId(run.runId()).taskId(spec.taskId())
                .logicalDate(run.logicalDate()).dataInterval(run.dataIntervalStart(), run.dataIntervalEnd())
                .zone(dag.timezone()).params(params).conf(conf).outputs(outputs).build();
        String rendered;
        try {
            rendered = RENDERER.renderText(spec.expandTemplate(), ctx);
        } catch (TemplateException e) {
            throw new IllegalArgumentException("expand " + ShellAssembler.abbreviate(spec.expandTemplate()) + ": "
                    + e.getMessage(), e);
        }
        JsonNode list;
        try {
            list = Json.read(rendered);
        } catch (RuntimeException e) {
            list = null;
        }
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException("expand " + ShellAssembler.abbreviate(spec.expandTemplate())
                    + " must render to a list (a JSON array), got " + (rendered.isEmpty() ? "nothing"
                    : "'" + ShellAssembler.abbreviate(rendered) + "'"));
        }
        List<String> items = new ArrayList<>(list.size());
        list.forEach(n -> items.add(Json.write(n)));
        return items;
    }
}
