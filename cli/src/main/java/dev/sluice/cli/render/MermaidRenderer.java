package dev.sluice.cli.render;

import dev.sluice.model.Dag;
import dev.sluice.model.TaskSpec;
import dev.sluice.model.TriggerRule;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The DAG as a Mermaid {@code flowchart LR}: task groups as nested {@code subgraph}s, branch tasks as diamonds,
 * {@code empty} tasks rounded, mapped tasks with double borders, and a non-default trigger rule under the name.
 * Paste it into a Markdown file on GitHub to see it drawn.
 */
public final class MermaidRenderer implements DagRenderer {
    private static final Set<String> RESERVED = Set.of("end", "graph", "flowchart", "subgraph", "direction",
            "click", "call", "href", "style", "class", "classdef", "linkstyle", "default", "interpolate");

    @Override
    public String render(Dag dag) {
        Ids ids = new Ids();
        Groups groups = new Groups(dag);
        StringBuilder out = new StringBuilder("flowchart LR\n");
        block(dag, groups, null, "    ", ids, out);
        for (TaskSpec t : dag.tasks()) {
            for (String u : t.upstream()) {
                out.append("    ").append(ids.of(u)).append(" --> ").append(ids.of(t.taskId())).append('\n');
            }
        }
        return out.toString();
    }

    private static void block(Dag dag, Groups groups, String groupId, String indent, Ids ids, StringBuilder out) {
        for (String g : groups.groupsIn(groupId)) {
            out.append(indent).append("subgraph ").append(ids.of("group:" + g)).append("[\"")
                    .append(escape(Groups.localName(g, groupId))).append("\"]\n");
            block(dag, groups, g, indent + "    ", ids, out);
            out.append(indent).append("end\n");
        }
        for (TaskSpec t : groups.tasksIn(groupId)) {
            String label = escape(Groups.localName(t.taskId(), groupId));
            if (t.triggerRule() != TriggerRule.ALL_SUCCESS) {
                label += "<br/><i>" + t.triggerRule().airflowName() + "</i>";
            }
            String[] shape = t.branch() ? new String[] {"{\"", "\"}"}
                    : t.isMapped() ? new String[] {"[[\"", "\"]]"}
                    : t.kind() instanceof dev.sluice.model.TaskKind.Empty ? new String[] {"(\"", "\")"}
                    : new String[] {"[\"", "\"]"};
            out.append(indent).append(ids.of(t.taskId())).append(shape[0]).append(label).append(shape[1]).append('\n');
        }
    }

    private static String escape(String s) {
        return s.replace("\"", "#quot;").replace("<", "#lt;").replace(">", "#gt;");
    }

    /** Mermaid node ids: the task id with anything but letters, digits and '_' replaced, unique and not reserved. */
    private static final class Ids {
        private final Map<String, String> byName = new HashMap<>();
        private final Set<String> used = new HashSet<>();

        String of(String name) {
            return byName.computeIfAbsent(name, n -> {
                String base = n.startsWith("group:") ? "grp_" + n.substring(6) : n;
                base = base.replaceAll("[^A-Za-z0-9_]", "_");
                if (base.isEmpty() || Character.isDigit(base.charAt(0))
                        || RESERVED.contains(base.toLowerCase(Locale.ROOT))) {
                    base = "t_" + base;
                }
                String id = base;
                for (int i = 2; !used.add(id); i++) {
                    id = base + "_" + i;
                }
                return id;
            });
        }
    }
}
