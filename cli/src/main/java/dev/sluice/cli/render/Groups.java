package dev.sluice.cli.render;

import dev.sluice.model.Dag;
import dev.sluice.model.TaskGroup;
import dev.sluice.model.TaskSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The nesting of a DAG's task groups: which groups and tasks sit directly in each group (null = top level). */
final class Groups {
    private final Map<String, List<String>> childGroups = new LinkedHashMap<>();
    private final Map<String, List<TaskSpec>> directTasks = new LinkedHashMap<>();

    Groups(Dag dag) {
        for (TaskGroup g : dag.groups()) {
            childGroups.computeIfAbsent(parentOf(g.groupId(), dag), k -> new ArrayList<>()).add(g.groupId());
        }
        for (TaskSpec t : dag.tasks()) {
            directTasks.computeIfAbsent(t.group(), k -> new ArrayList<>()).add(t);
        }
    }

    /** Groups directly inside {@code groupId} (null for the top level), in declaration order. */
    List<String> groupsIn(String groupId) {
        return childGroups.getOrDefault(groupId, List.of());
    }

    /** Tasks directly inside {@code groupId} (null for the top level), in declaration order. */
    List<TaskSpec> tasksIn(String groupId) {
        return directTasks.getOrDefault(groupId, List.of());
    }

    /** The part of an id after its group, e.g. {@code salesforce} for {@code extract.salesforce}. */
    static String localName(String id, String groupId) {
        return groupId != null && id.startsWith(groupId + ".") ? id.substring(groupId.length() + 1) : id;
    }

    private static String parentOf(String groupId, Dag dag) {
        String best = null;
        for (TaskGroup other : dag.groups()) {
            String o = other.groupId();
            if (groupId.startsWith(o + ".") && (best == null || o.length() > best.length())) {
                best = o;
            }
        }
        return best;
    }
}
