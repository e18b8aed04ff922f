package dev.sluice.model;

import java.util.List;
import java.util.Objects;

/**
 * A task group: its members are named {@code groupId.taskId}. In {@code upstream}, a group stands for its leaf
 * tasks; the group's own {@code upstream} applies to its root tasks. Groups may nest ({@code outer.inner}).
 *
 * @param members every task id in the group, nested groups included, in declaration order
 * @param roots   members with no upstream inside the group
 * @param leaves  members with no downstream inside the group
 */
public record TaskGroup(String groupId, List<String> members, List<String> roots, List<String> leaves) {
    public TaskGroup {
        Objects.requireNonNull(groupId, "groupId");
        members = List.copyOf(members);
        roots = List.copyOf(roots);
        leaves = List.copyOf(leaves);
    }
}
