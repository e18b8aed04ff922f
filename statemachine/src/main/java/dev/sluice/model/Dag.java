package dev.sluice.model;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated, immutable DAG. Build one with {@link DagBuilder} or load one with
 * {@code dev.sluice.spec.DagLoader}; both run the same validator, so an invalid DAG never exists as a {@code Dag}.
 *
 * <p>Graph indexes (downstream lists, leaves, topological positions) are computed once here, so the engine
 * can answer "who is downstream of X" in O(degree).
 */
public final class Dag {
    private final String dagId;
    private final String description;
    private final String schedule;
    private final ZoneId timezone;
    private final LocalDateTime startDate;
    private final LocalDateTime endDate;
    private final boolean catchup;
    private final int maxActiveRuns;
    private final int maxActiveTasks;
    private final List<String> tags;
    private final Map<String, Object> params;
    private final Map<String, Object> defaultArgs;
    private final Map<String, Integer> pools;
    private final List<TaskSpec> tasks;
    private final List<TaskGroup> groups;
    private final S3Trigger trigger;
    private final String source;
    private final DagAlerts alerts;

    private final Map<String, TaskSpec> byId;
    private final Map<String, Integer> position;
    private final Map<String, List<String>> downstream;
    private final List<String> roots;
    private final List<String> leaves;
    private final Map<String, List<String>> mappedUpstreams;
    private final Map<String, Integer> unmappedUpstreamCount;

    Dag(String dagId, String description, String schedule, ZoneId timezone, LocalDateTime startDate,
        LocalDateTime endDate, boolean catchup, int maxActiveRuns, int maxActiveTasks, List<String> tags,
        Map<String, Object> params, Map<String, Object> defaultArgs, Map<String, Integer> pools,
        List<TaskSpec> tasks, List<TaskGroup> groups, S3Trigger trigger, String source, DagAlerts alerts) {
        this.dagId = Objects.requireNonNull(dagId, "dagId");
        this.description = description;
        this.schedule = schedule;
        this.timezone = timezone == null ? ZoneOffset.UTC : timezone;
        this.startDate = startDate;
        this.endDate = endDate;
        this.catchup = catchup;
        this.maxActiveRuns = maxActiveRuns;
        this.maxActiveTasks = maxActiveTasks;
        this.tags = List.copyOf(tags == null ? List.of() : tags);
        this.params = params == null ? Map.of() : Collections2.immutableMap(params);
        this.defaultArgs = defaultArgs == null ? Map.of() : Collections2.immutableMap(defaultArgs);
        this.pools = Collections.unmodifiableMap(new LinkedHashMap<>(pools == null ? Map.of() : pools));
        this.tasks = List.copyOf(tasks);
        this.groups = List.copyOf(groups == null ? List.of() : groups);
        this.trigger = trigger;
        this.source = source;
        this.alerts = alerts == null ? DagAlerts.NONE : alerts;

        Map<String, TaskSpec> ids = new LinkedHashMap<>();
        Map<String, Integer> pos = new HashMap<>();
        Map<String, List<String>> down = new HashMap<>();
        for (TaskSpec t : this.tasks) {
            ids.put(t.taskId(), t);
            down.put(t.taskId(), new ArrayList<>());
        }
        for (TaskSpec t : this.tasks) {
            for (String u : t.upstream()) {
                List<String> d = down.get(u);
                if (d == null) {
                    throw new IllegalArgumentException("task " + t.taskId() + " has unknown upstream " + u);
                }
                d.add(t.taskId());
            }
        }
        List<String> order = topologicalOrder(this.tasks, down);
        for (int i = 0; i < order.size(); i++) {
            pos.put(order.get(i), i);
        }
        List<String> r = new ArrayList<>();
        List<String> l = new ArrayList<>();
        Map<String, List<String>> mapped = new HashMap<>();
        Map<String, Integer> unmapped = new HashMap<>();
        for (TaskSpec t : this.tasks) {
            if (t.upstream().isEmpty()) {
                r.add(t.taskId());
            }
            if (down.get(t.taskId()).isEmpty()) {
                l.add(t.taskId());
            }
            List<String> m = new ArrayList<>();
            int count = 0;
            for (String u : t.upstream()) {
                if (ids.get(u).isMapped()) {
                    m.add(u);
                } else {
                    count++;
                }
            }
            mapped.put(t.taskId(), List.copyOf(m));
            unmapped.put(t.taskId(), count);
        }
        Map<String, List<String>> frozenDown = new HashMap<>();
        down.forEach((k, v) -> frozenDown.put(k, List.copyOf(v)));
        this.byId = Collections.unmodifiableMap(ids);
        this.position = Collections.unmodifiableMap(pos);
        this.downstream = Collections.unmodifiableMap(frozenDown);
        this.roots = List.copyOf(r);
        this.leaves = List.copyOf(l);
        this.mappedUpstreams = Collections.unmodifiableMap(mapped);
        this.unmappedUpstreamCount = Collections.unmodifiableMap(unmapped);
    }

    private static List<String> topologicalOrder(List<TaskSpec> tasks, Map<String, List<String>> down) {
        Map<String, Integer> indegree = new HashMap<>();
        for (TaskSpec t : tasks) {
            indegree.put(t.taskId(), t.upstream().size());
        }
        List<String> order = new ArrayList<>(tasks.size());
        for (TaskSpec t : tasks) {
            if (t.upstream().isEmpty()) {
                order.add(t.taskId());
            }
        }
        for (int i = 0; i < order.size(); i++) {
            for (String d : down.get(order.get(i))) {
                if (indegree.merge(d, -1, Integer::sum) == 0) {
                    order.add(d);
                }
            }
        }
        if (order.size() != tasks.size()) {
            throw new IllegalArgumentException("the task graph has a cycle");
        }
        return order;
    }

    public String dagId() { return dagId; }
    public String description() { return description; }
    /** Cron expression or preset, or null for manual-only DAGs. */
    public String schedule() { return schedule; }
    public ZoneId timezone() { return timezone; }
    /** Wall-clock start in {@link #timezone()}, or null. */
    public LocalDateTime startDate() { return startDate; }
    public LocalDateTime endDate() { return endDate; }
    public boolean catchup() { return catchup; }
    public int maxActiveRuns() { return maxActiveRuns; }
    public int maxActiveTasks() { return maxActiveTasks; }
    public List<String> tags() { return tags; }
    public Map<String, Object> params() { return params; }
    /** The raw {@code default_args}, kept for policy checks (owner, retries, email). */
    public Map<String, Object> defaultArgs() { return defaultArgs; }
    public Map<String, Integer> pools() { return pools; }
    /** Tasks in declaration order, groups flattened. */
    public List<TaskSpec> tasks() { return tasks; }
    public List<TaskGroup> groups() { return groups; }
    public Optional<S3Trigger> trigger() { return Optional.ofNullable(trigger); }
    /** Where the DAG came from (file path or "builder"), for messages. */
    public String source() { return source; }
    /** The DAG's own callbacks, alert rules and deadline. */
    public DagAlerts alerts() { return alerts; }

    public TaskSpec task(String taskId) {
        TaskSpec t = byId.get(taskId);
        if (t == null) {
            throw new IllegalArgumentException("DAG " + dagId + " has no task " + taskId);
        }
        return t;
    }

    public boolean hasTask(String taskId) {
        return byId.containsKey(taskId);
    }

    public List<String> taskIds() {
        return List.copyOf(byId.keySet());
    }

    public List<String> downstream(String taskId) {
        return downstream.get(taskId);
    }

    public List<String> upstream(String taskId) {
        return task(taskId).upstream();
    }

    /** Position in a fixed topological order; used as the tie-break after priority_weight. */
    public int position(String taskId) {
        return position.get(taskId);
    }

    public List<String> roots() { return roots; }
    public List<String> leaves() { return leaves; }

    /** Upstreams of {@code taskId} that are mapped (their instance count is known only at run time). */
    public List<String> mappedUpstreams(String taskId) {
        return mappedUpstreams.get(taskId);
    }

    /** Number of unmapped upstreams of {@code taskId}; each contributes exactly one instance. */
    public int unmappedUpstreamCount(String taskId) {
        return unmappedUpstreamCount.get(taskId);
    }

    public Optional<TaskGroup> group(String groupId) {
        return groups.stream().filter(g -> g.groupId().equals(groupId)).findFirst();
    }

    public int poolSize(String pool) {
        return pools.getOrDefault(pool, Integer.MAX_VALUE);
    }

    @Override
    public String toString() {
        return "Dag[" + dagId + ", " + tasks.size() + " tasks]";
    }
}
