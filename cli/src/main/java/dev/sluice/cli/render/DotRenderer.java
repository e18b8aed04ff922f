package dev.sluice.cli.render;

import dev.sluice.model.Dag;
import dev.sluice.model.TaskKind;
import dev.sluice.model.TaskSpec;
import dev.sluice.model.TriggerRule;

/**
 * The DAG in Graphviz DOT: task groups as nested {@code cluster_} subgraphs, branch tasks as diamonds, mapped tasks
 * with a double border. Draw it with {@code sluice dags show DAG --format dot | dot -Tsvg > dag.svg}.
 */
public final class DotRenderer implements DagRenderer {

    @Override
    public String render(Dag dag) {
        Groups groups = new Groups(dag);
        StringBuilder out = new StringBuilder();
        out.append("digraph ").append(quote(dag.dagId())).append(" {\n");
        out.append("    rankdir=LR;\n");
        out.append("    node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
        block(groups, null, "    ", out);
        for (TaskSpec t : dag.tasks()) {
            for (String u : t.upstream()) {
                out.append("    ").append(quote(u)).append(" -> ").append(quote(t.taskId())).append(";\n");
            }
        }
        return out.append("}\n").toString();
    }

    private static void block(Groups groups, String groupId, String indent, StringBuilder out) {
        for (String g : groups.groupsIn(groupId)) {
            out.append(indent).append("subgraph ").append(quote("cluster_" + g)).append(" {\n");
            out.append(indent).append("    label=").append(quote(Groups.localName(g, groupId))).append(";\n");
            out.append(indent).append("    style=dashed;\n");
            block(groups, g, indent + "    ", out);
            out.append(indent).append("}\n");
        }
        for (TaskSpec t : groups.tasksIn(groupId)) {
            String label = escape(Groups.localName(t.taskId(), groupId));
            if (t.triggerRule() != TriggerRule.ALL_SUCCESS) {
                label += "\\n(" + t.triggerRule().airflowName() + ")";
            }
            out.append(indent).append(quote(t.taskId())).append(" [label=\"").append(label).append('"');
            if (t.branch()) {
                out.append(", shape=diamond, style=\"\"");
            } else if (t.isMapped()) {
                out.append(", peripheries=2");
            } else if (t.kind() instanceof TaskKind.Empty) {
                out.append(", style=\"rounded,dashed\"");
            }
            out.append("];\n");
        }
    }

    private static String quote(String s) {
        return "\"" + escape(s) + "\"";
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
