package dev.sluice.cli.render;

import dev.sluice.model.TaskKind;
import dev.sluice.model.TaskSpec;
import dev.sluice.model.TriggerRule;
import java.util.ArrayList;
import java.util.List;

/** A one-line description of a task's settings that differ from the defaults, for the renderers. */
final class TaskSummary {
    private TaskSummary() {
    }

    /** E.g. {@code command, retries 3, pool salesforce_api} or {@code handler com.acme.Load, trigger all_done}. */
    static String of(TaskSpec t) {
        List<String> parts = new ArrayList<>();
        TaskKind k = t.kind();
        if (k instanceof TaskKind.Handler h) {
            parts.add("handler " + h.className());
        } else if (k instanceof TaskKind.Function f) {
            parts.add("function " + f.function());
        } else {
            parts.add(k.fieldName());
        }
        if (t.branch()) {
            parts.add("branch");
        }
        if (t.triggerRule() != TriggerRule.ALL_SUCCESS) {
            parts.add("trigger " + t.triggerRule().airflowName());
        }
        if (t.retry().retries() > 0) {
            parts.add("retries " + t.retry().retries());
        }
        if (t.pool() != null) {
            parts.add("pool " + t.pool());
        }
        if (t.expand() != null) {
            parts.add("mapped over " + t.expand().size() + " items");
        } else if (t.expandTemplate() != null) {
            parts.add("mapped over " + t.expandTemplate().strip());
        } else if (t.expandFrom() != null) {
            parts.add("mapped over " + t.expandFrom());
        }
        if (t.executionTimeout() != null) {
            parts.add("timeout " + t.executionTimeout().toString().substring(2).toLowerCase(java.util.Locale.ROOT));
        }
        return String.join(", ", parts);
    }
}
