package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.model.TaskSpec;
import dev.sluice.state.TaskState;
import dev.sluice.template.ExpandTemplate;
import java.util.ArrayList;
import java.util.List;

/**
 * Expansion of a mapped task once it is ready: its items come from {@code expand} (a literal list, or a template
 * rendered now to a list: {@link ExpandTemplate}) or {@code expand_from} (an upstream task's output, or the outputs of a mapped upstream's instances). The placeholder
 * ends as removed with the item count, and one scheduled instance is made per item.
 */
final class Expansion {
    private Expansion() {
    }

    static void expand(Working w, TaskInstance placeholder, TaskSpec spec) {
        List<String> items;
        try {
            items = mapItems(w, spec);
        } catch (IllegalArgumentException bad) {
            Outcomes.end(w, placeholder.withState(TaskState.FAILED).withResult(null, bad.getMessage()));
            w.notes.add(new Notification.TaskFailedFinal(w.run.runId(), placeholder.key(), 0,
                    placeholder.maxTries(), bad.getMessage()));
            return;
        }
        if (items.isEmpty()) {
            Outcomes.end(w, placeholder.withState(TaskState.SKIPPED).withResult(null, "nothing to map over"));
            return;
        }
        Outcomes.end(w, placeholder.withState(TaskState.REMOVED).withMapCount(items.size()));
        for (int i = 0; i < items.size(); i++) {
            TaskInstance existing = w.get(new TaskKey(placeholder.taskId(), i)); // left by an earlier expansion
            TaskInstance child = TaskInstance.mappedInstance(placeholder, i, items.get(i))
                    .withVersion(existing == null ? 0 : existing.version());
            w.put(child.withState(TaskState.SCHEDULED));
        }
    }

    private static List<String> mapItems(Working w, TaskSpec spec) {
        List<String> items = new ArrayList<>();
        if (spec.expand() != null) {
            for (Object o : spec.expand()) {
                items.add(Json.write(o));
            }
        } else if (spec.expandTemplate() != null) {
            items.addAll(ExpandTemplate.items(w.dag, w.run, spec,
                    RunData.upstreamOutputs(spec, w::get, w.view::loadOutput)));
        } else {
            String from = spec.expandFrom();
            TaskInstance up = w.get(from);
            if (w.dag.task(from).isMapped() && up.state() == TaskState.REMOVED) {
                for (int i = 0; i < up.mapCount(); i++) {
                    TaskInstance c = w.get(new TaskKey(from, i));
                    String out = c.outputJson() == null ? null : w.view.loadOutput(c.outputJson());
                    items.add(out == null ? "null" : out);
                }
            } else {
                String outJson = up.outputJson() == null ? null : w.view.loadOutput(up.outputJson());
                JsonNode out = outJson == null ? null : Json.read(outJson);
                if (out == null || !out.isArray()) {
                    throw new IllegalArgumentException("expand_from " + from + ": its output must be a JSON array, got "
                            + (outJson == null ? "no output" : abbreviate(outJson)));
                }
                if (out.size() > Engine.MAX_MAP_ITEMS) {
                    throw new IllegalArgumentException("expand_from " + from + ": " + out.size()
                            + " items is more than the limit of " + Engine.MAX_MAP_ITEMS);
                }
                for (JsonNode n : out) {
                    items.add(Json.write(n));
                }
            }
        }
        if (items.size() > Engine.MAX_MAP_ITEMS) {
            throw new IllegalArgumentException(spec.taskId() + ": " + items.size()
                    + " items is more than the limit of " + Engine.MAX_MAP_ITEMS);
        }
        return items;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
