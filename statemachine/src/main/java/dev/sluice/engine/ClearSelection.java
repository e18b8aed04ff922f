package dev.sluice.engine;

import dev.sluice.model.Dag;
import dev.sluice.state.TaskState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which tasks of one run a clear resets, chosen as {@code airflow tasks clear} chooses them: the named tasks (or
 * groups' members) and the tasks whose id matches the regex (anywhere in the id), or every task when neither is
 * given; then, with {@code upstream} / {@code downstream}, everything before / after them; then, with
 * {@code onlyFailed} / {@code onlyRunning}, only those whose instance is failed or upstream_failed / running. An
 * instance still in {@code none} has nothing to clear and is left out.
 *
 * <p>The result is what a dry run lists and what the clear is then given, task by task, so the two are the same.
 */
public record ClearSelection(List<String> taskIds, Pattern regex, boolean upstream, boolean downstream,
                             boolean onlyFailed, boolean onlyRunning) {

    public ClearSelection {
        taskIds = taskIds == null ? List.of() : List.copyOf(taskIds);
    }

    /** True when neither task ids nor a regex were given: every task is a candidate. */
    public boolean allTasks() {
        return taskIds.isEmpty() && regex == null;
    }

    /** The ids given that are neither a task nor a group of {@code dag}. */
    public List<String> unknownIds(Dag dag) {
        List<String> unknown = new ArrayList<>();
        for (String id : taskIds) {
            if (!dag.hasTask(id) && dag.group(id).isEmpty()) {
                unknown.add(id);
            }
        }
        return unknown;
    }

    /**
     * The task ids to clear in a run whose instances are {@code instances} (as stored; a task without an instance
     * has not been touched yet), in the DAG's topological order.
     */
    public List<String> select(Dag dag, Collection<TaskInstance> instances) {
        Objects.requireNonNull(dag, "dag");
        LinkedHashSet<String> chosen = new LinkedHashSet<>();
        for (String id : taskIds) {
            if (dag.hasTask(id)) {
                chosen.add(id);
            } else {
                dag.group(id).ifPresent(g -> chosen.addAll(g.members()));
            }
        }
        for (String id : dag.taskIds()) {
            if (allTasks() || (regex != null && regex.matcher(id).find())) {
                chosen.add(id);
            }
        }
        if (upstream) {
            close(chosen, dag::upstream);
        }
        if (downstream) {
            close(chosen, dag::downstream);
        }
        Map<String, List<TaskState>> states = new HashMap<>();
        for (TaskInstance t : instances) {
            if (dag.hasTask(t.taskId())) {
                states.computeIfAbsent(t.taskId(), k -> new ArrayList<>()).add(t.state());
            }
        }
        List<String> out = new ArrayList<>();
        for (String id : chosen) {
            List<TaskState> s = states.getOrDefault(id, List.of());
            boolean clearable = s.stream().anyMatch(st -> st != TaskState.NONE);
            boolean stateOk = !(onlyFailed || onlyRunning)
                    || (onlyFailed && s.stream().anyMatch(TaskState::isFailure))
                    || (onlyRunning && s.contains(TaskState.RUNNING));
            if (clearable && stateOk) {
                out.add(id);
            }
        }
        out.sort(Comparator.comparingInt(dag::position));
        return List.copyOf(out);
    }

    private static void close(Set<String> ids, java.util.function.Function<String, List<String>> next) {
        ArrayDeque<String> queue = new ArrayDeque<>(ids);
        while (!queue.isEmpty()) {
            for (String n : next.apply(queue.poll())) {
                if (ids.add(n)) {
                    queue.add(n);
                }
            }
        }
    }
}
