package dev.sluice.cli.render;

import dev.sluice.model.Dag;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The DAG as an indented tree: roots at the left, each task below its upstream. A task with several upstreams is
 * drawn in full once, the first time it is reached, and later as {@code -> task (see above)}.
 *
 * <pre>
 * warehouse  (schedule @daily, 4 tasks)
 * check_sources  [command]
 * ├── extract.orders  [command, retries 3]
 * │   └── load  [handler com.acme.Load]
 * └── extract.users  [command]
 *     └── -> load (see above)
 * </pre>
 */
public final class TextTreeRenderer implements DagRenderer {
    /** Deeper than this, the indentation stops being readable (and would grow quadratically). */
    static final int MAX_DEPTH = 64;

    @Override
    public String render(Dag dag) {
        StringBuilder out = new StringBuilder();
        out.append(dag.dagId()).append("  (")
                .append(dag.schedule() == null ? "manual only" : "schedule " + dag.schedule()).append(", ")
                .append(dag.tasks().size()).append(dag.tasks().size() == 1 ? " task" : " tasks").append(")\n");
        Set<String> shown = new HashSet<>();
        // Iterative depth-first walk: a 10,000-task chain must not overflow the stack.
        Deque<Frame> stack = new ArrayDeque<>();
        List<String> roots = dag.roots();
        for (int i = roots.size() - 1; i >= 0; i--) {
            stack.push(new Frame(roots.get(i), "", "", 0));
        }
        while (!stack.isEmpty()) {
            Frame f = stack.pop();
            if (!shown.add(f.id())) {
                out.append(f.first()).append("-> ").append(f.id()).append(" (see above)\n");
                continue;
            }
            out.append(f.first()).append(f.id()).append("  [").append(TaskSummary.of(dag.task(f.id()))).append("]\n");
            List<String> children = dag.downstream(f.id());
            if (!children.isEmpty() && f.depth() == MAX_DEPTH) {
                out.append(f.rest()).append("└── ... deeper levels omitted; use --format mermaid or dot\n");
                continue;
            }
            for (int i = children.size() - 1; i >= 0; i--) {
                boolean last = i == children.size() - 1;
                stack.push(new Frame(children.get(i), f.rest() + (last ? "└── " : "├── "),
                        f.rest() + (last ? "    " : "│   "), f.depth() + 1));
            }
        }
        return out.toString();
    }

    private record Frame(String id, String first, String rest, int depth) {
    }
}
