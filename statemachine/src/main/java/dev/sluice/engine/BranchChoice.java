package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.model.Dag;
import dev.sluice.model.TaskGroup;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/** The downstream tasks a branch task's output chooses. */
final class BranchChoice {
    private BranchChoice() {
    }

    /**
     * Parses a branch output ("a,b", ["a","b"], a group id, or null for none) and checks it is downstream.
     *
     * @throws IllegalArgumentException when the output is not a choice, or chooses a task not directly downstream
     */
    static List<String> parse(Dag dag, String taskId, String outputJson) {
        JsonNode out = outputJson == null ? null : Json.read(outputJson);
        List<String> raw = new ArrayList<>();
        if (out == null || out.isNull()) {
            return List.of();
        } else if (out.isTextual()) {
            raw.addAll(Arrays.asList(out.asText().split(",")));
        } else if (out.isArray()) {
            for (JsonNode n : out) {
                if (!n.isTextual()) {
                    throw new IllegalArgumentException("branch output must list task ids as strings, got "
                            + outputJson);
                }
                raw.add(n.asText());
            }
        } else {
            throw new IllegalArgumentException("branch output must be task ids (\"a,b\" or [\"a\",\"b\"]), got "
                    + outputJson);
        }
        List<String> downstream = dag.downstream(taskId);
        LinkedHashSet<String> chosen = new LinkedHashSet<>();
        for (String r : raw) {
            String id = r.trim();
            if (id.isEmpty()) {
                continue;
            }
            List<String> ids = dag.group(id).map(TaskGroup::roots).orElse(List.of(id));
            for (String one : ids) {
                if (!downstream.contains(one)) {
                    throw new IllegalArgumentException("branch " + taskId + " chose '" + one
                            + "', which is not directly downstream of it (downstream: "
                            + String.join(", ", downstream) + ")");
                }
                chosen.add(one);
            }
        }
        return List.copyOf(chosen);
    }
}
