package dev.sluice.model;

import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Builds a {@link Dag} in Java; the YAML/JSON loader uses it too, so both produce the same model and pass the same
 * validation. Example:
 *
 * <pre>{@code
 * Dag dag = DagBuilder.dag("dynamic_tables")
 *     .schedule("@daily").startDate(LocalDate.of(2024, 1, 1))
 *     .defaults(t -> t.retries(2).owner("data-team"))
 *     .forEach(List.of("orders", "customers"), (table, d) -> d
 *         .task("extract_" + table, t -> t.command("extract.sh " + table))
 *         .task("load_" + table, t -> t.command("load.sh " + table).upstream("extract_" + table)))
 *     .build();
 * }</pre>
 *
 * {@link #build()} throws {@link DagValidationException} listing every problem.
 */
public final class DagBuilder {
    private final String dagId;
    private Location location = Location.UNKNOWN;
    private String description;
    private String schedule;
    private Location scheduleLocation;
    private ZoneId timezone;
    private LocalDateTime startDate;
    private LocalDateTime endDate;
    private boolean catchup;
    private int maxActiveRuns = 16;
    private int maxActiveTasks = 16;
    private final List<String> tags = new ArrayList<>();
    private Map<String, Object> params = new LinkedHashMap<>();
    private Map<String, Object> defaultArgs = new LinkedHashMap<>();
    private final Map<String, Integer> pools = new LinkedHashMap<>();
    private S3Trigger trigger;
    private DagAlerts alerts = DagAlerts.NONE;
    private String source = "builder";
    private Consumer<TaskSpec.Builder> defaults = t -> { };
    private final List<TaskDraft> tasks = new ArrayList<>();
    private final List<GroupDraft> groups = new ArrayList<>();
    private final List<Problem> problems = new ArrayList<>();
    private final List<ExtraCheck> extraChecks = new ArrayList<>();

    /** A check run at {@link #build()} time against the resolved DAG fields, e.g. cron syntax. */
    @FunctionalInterface
    public interface ExtraCheck {
        void check(DagBuilder builder, List<Problem> problems);
    }

    private record TaskDraft(String scope, String localId, TaskSpec.Builder spec, List<String> rawUpstream,
                             Location at) {
        String fullId() {
            return scope.isEmpty() ? localId : scope + "." + localId;
        }
    }

    private record GroupDraft(String scope, String localId, List<String> rawUpstream, Location at) {
        String fullId() {
            return scope.isEmpty() ? localId : scope + "." + localId;
        }
    }

    private DagBuilder(String dagId) {
        this.dagId = dagId;
    }

    public static DagBuilder dag(String dagId) {
        return new DagBuilder(dagId);
    }

    public DagBuilder at(Location where) { this.location = where; return this; }
    public DagBuilder source(String v) { this.source = v; return this; }
    public DagBuilder description(String v) { this.description = v; return this; }
    public DagBuilder schedule(String v) { this.schedule = v; return this; }
    public DagBuilder schedule(String v, Location at) { this.schedule = v; this.scheduleLocation = at; return this; }
    public DagBuilder timezone(ZoneId v) { this.timezone = v; return this; }
    public DagBuilder timezone(String v) { this.timezone = ZoneId.of(v); return this; }
    public DagBuilder startDate(LocalDate v) { this.startDate = v == null ? null : v.atStartOfDay(); return this; }
    public DagBuilder startDate(LocalDateTime v) { this.startDate = v; return this; }
    public DagBuilder endDate(LocalDate v) { this.endDate = v == null ? null : v.atStartOfDay(); return this; }
    public DagBuilder endDate(LocalDateTime v) { this.endDate = v; return this; }
    public DagBuilder catchup(boolean v) { this.catchup = v; return this; }
    public DagBuilder maxActiveRuns(int v) { this.maxActiveRuns = v; return this; }
    public DagBuilder maxActiveTasks(int v) { this.maxActiveTasks = v; return this; }
    /** The DAG's run callbacks, alert rules and deadline. */
    public DagBuilder alerts(DagAlerts v) { this.alerts = v; return this; }
    public DagBuilder tags(String... v) { this.tags.addAll(List.of(v)); return this; }
    public DagBuilder tags(List<String> v) { this.tags.addAll(v); return this; }
    public DagBuilder params(Map<String, Object> v) { this.params = new LinkedHashMap<>(v); return this; }
    public DagBuilder param(String k, Object v) { this.params.put(k, v); return this; }
    /** Raw default_args, kept for policy checks. Use {@link #defaults(Consumer)} to apply them to tasks. */
    public DagBuilder defaultArgs(Map<String, Object> v) { this.defaultArgs = new LinkedHashMap<>(v); return this; }
    public DagBuilder pool(String name, int slots) { this.pools.put(name, slots); return this; }
    public DagBuilder trigger(S3Trigger v) { this.trigger = v; return this; }
    public DagBuilder check(ExtraCheck c) { this.extraChecks.add(c); return this; }
    /** Adds a problem found while reading the source (the loader's type errors, unknown fields). */
    public DagBuilder problem(Problem p) { this.problems.add(p); return this; }

    /** Settings applied to every task before its own, like Airflow's {@code default_args}. */
    public DagBuilder defaults(Consumer<TaskSpec.Builder> v) { this.defaults = v; return this; }

    public DagBuilder task(String taskId, Consumer<TaskSpec.Builder> body) {
        return task(taskId, body, Location.UNKNOWN);
    }

    public DagBuilder task(String taskId, Consumer<TaskSpec.Builder> body, Location at) {
        addTask("", taskId, body, at);
        return this;
    }

    public DagBuilder group(String groupId, Consumer<GroupBuilder> body) {
        return group(groupId, List.of(), body, Location.UNKNOWN);
    }

    public DagBuilder group(String groupId, List<String> upstream, Consumer<GroupBuilder> body, Location at) {
        addGroup("", groupId, upstream, body, at);
        return this;
    }

    /** Stamps out tasks once per item: the Java form of a config-driven (generated) DAG. */
    public <T> DagBuilder forEach(Iterable<T> items, BiConsumer<T, DagBuilder> body) {
        for (T item : items) {
            body.accept(item, this);
        }
        return this;
    }

    public String dagId() { return dagId; }
    public String schedule() { return schedule; }
    public Location scheduleLocation() { return scheduleLocation == null ? location : scheduleLocation; }
    public ZoneId timezone() { return timezone; }
    public Location location() { return location; }

    private void addTask(String scope, String localId, Consumer<TaskSpec.Builder> body, Location at) {
        TaskSpec.Builder b = TaskSpec.builder(localId);
        defaults.accept(b);
        b.upstream(List.of());
        body.accept(b);
        tasks.add(new TaskDraft(scope, localId, b, new ArrayList<>(b.upstream()), at));
    }

    private void addGroup(String scope, String groupId, List<String> upstream, Consumer<GroupBuilder> body,
                          Location at) {
        GroupDraft g = new GroupDraft(scope, groupId, new ArrayList<>(upstream), at);
        groups.add(g);
        GroupBuilder gb = new GroupBuilder(g.fullId());
        body.accept(gb);
        g.rawUpstream().addAll(gb.upstream);
    }

    /** Tasks and nested groups inside a task group; ids are prefixed with the group id. */
    public final class GroupBuilder {
        private final String scope;
        private final List<String> upstream = new ArrayList<>();

        private GroupBuilder(String scope) {
            this.scope = scope;
        }

        public GroupBuilder upstream(String... ids) { upstream.addAll(List.of(ids)); return this; }

        public GroupBuilder task(String taskId, Consumer<TaskSpec.Builder> body) {
            return task(taskId, body, Location.UNKNOWN);
        }

        public GroupBuilder task(String taskId, Consumer<TaskSpec.Builder> body, Location at) {
            addTask(scope, taskId, body, at);
            return this;
        }

        public GroupBuilder group(String groupId, Consumer<GroupBuilder> body) {
            return group(groupId, List.of(), body, Location.UNKNOWN);
        }

        public GroupBuilder group(String groupId, List<String> ups, Consumer<GroupBuilder> body, Location at) {
            addGroup(scope, groupId, ups, body, at);
            return this;
        }
    }

    /** Validates everything and returns the immutable DAG, or throws listing every problem. */
    public Dag build() {
        List<Problem> found = new ArrayList<>(problems);
        String bad = Names.checkId("dag_id", dagId);
        if (bad != null) {
            found.add(Problem.error(location, bad));
        }
        if (maxActiveRuns < 1) {
            found.add(Problem.error(location, "max_active_runs must be >= 1, got " + maxActiveRuns));
        }
        if (maxActiveTasks < 1) {
            found.add(Problem.error(location, "max_active_tasks must be >= 1, got " + maxActiveTasks));
        }
        pools.forEach((name, slots) -> {
            String b = Names.checkId("pool name", name);
            if (b != null) {
                found.add(Problem.error(location, b));
            }
            if (slots == null || slots < 1) {
                found.add(Problem.error(location, "pool '" + name + "' must have at least 1 slot, got " + slots));
            }
        });
        if (startDate != null && endDate != null && endDate.isBefore(startDate)) {
            found.add(Problem.error(location, "end_date " + endDate + " is before start_date " + startDate));
        }
        for (ExtraCheck c : extraChecks) {
            c.check(this, found);
        }

        // Ids: valid and unique across tasks and groups.
        Map<String, Location> taskIds = new LinkedHashMap<>();
        Map<String, GroupDraft> groupIds = new LinkedHashMap<>();
        for (GroupDraft g : groups) {
            String b = Names.checkId("group_id", g.localId());
            if (b != null) {
                found.add(Problem.error(g.at(), b));
            } else if (g.localId().contains(".")) {
                found.add(Problem.error(g.at(), "group_id '" + g.localId() + "' must not contain '.'"));
            }
            if (groupIds.putIfAbsent(g.fullId(), g) != null) {
                found.add(Problem.error(g.at(), "duplicate group_id '" + g.fullId() + "'"));
            }
        }
        for (TaskDraft t : tasks) {
            String b = Names.checkId("task_id", t.fullId());
            if (b != null) {
                found.add(Problem.error(t.at(), b));
            }
            if (taskIds.containsKey(t.fullId())) {
                found.add(Problem.error(t.at(), "duplicate task_id '" + t.fullId() + "' (first defined at "
                        + taskIds.get(t.fullId()) + ")"));
            } else if (groupIds.containsKey(t.fullId())) {
                found.add(Problem.error(t.at(), "task_id '" + t.fullId() + "' is also a group_id"));
            } else {
                taskIds.put(t.fullId(), t.at());
            }
        }
        if (tasks.isEmpty()) {
            found.add(Problem.error(location, "DAG '" + dagId + "' has no tasks"));
        }

        // Resolve upstream references (sibling first, then outward, then global), groups to their leaves.
        Map<String, LinkedHashSet<String>> upstreamOf = new LinkedHashMap<>();
        Map<String, TaskDraft> draftById = new LinkedHashMap<>();
        for (TaskDraft t : tasks) {
            draftById.putIfAbsent(t.fullId(), t);
        }
        Resolver resolver = new Resolver(draftById, groupIds, found);
        for (TaskDraft t : draftById.values()) {
            LinkedHashSet<String> ups = new LinkedHashSet<>();
            for (String ref : t.rawUpstream()) {
                ups.addAll(resolver.resolve(t.scope(), ref, t.at(), "task '" + t.fullId() + "'"));
            }
            if (ups.remove(t.fullId())) {
                found.add(Problem.error(t.at(), "task '" + t.fullId() + "' lists itself as upstream"));
            }
            upstreamOf.put(t.fullId(), ups);
        }
        // A group's own upstream applies to its root tasks (outer groups first, so roots see the full picture).
        List<GroupDraft> byDepth = new ArrayList<>(groupIds.values());
        byDepth.sort((a, b) -> Integer.compare(depth(a.fullId()), depth(b.fullId())));
        Map<String, List<String>> groupRoots = new HashMap<>();
        for (GroupDraft g : byDepth) {
            List<String> members = members(g.fullId(), draftById.keySet());
            Set<String> memberSet = new HashSet<>(members);
            List<String> roots = new ArrayList<>();
            for (String m : members) {
                if (upstreamOf.get(m).stream().noneMatch(memberSet::contains)) {
                    roots.add(m);
                }
            }
            groupRoots.put(g.fullId(), roots);
            for (String ref : g.rawUpstream()) {
                for (String u : resolver.resolve(g.scope(), ref, g.at(), "group '" + g.fullId() + "'")) {
                    if (memberSet.contains(u)) {
                        found.add(Problem.error(g.at(), "group '" + g.fullId() + "' lists its own member '" + u
                                + "' as upstream"));
                        continue;
                    }
                    for (String r : roots) {
                        upstreamOf.get(r).add(u);
                    }
                }
            }
        }

        // Per-task checks that need the resolved graph.
        Map<String, TaskSpec> specs = new LinkedHashMap<>();
        for (TaskDraft t : draftById.values()) {
            TaskSpec.Builder b = t.spec();
            b.taskId(t.fullId());
            b.upstream(new ArrayList<>(upstreamOf.get(t.fullId())));
            if (!t.scope().isEmpty()) {
                b.group(t.scope());
            }
            try {
                TaskSpec spec = b.build();
                checkTask(spec, t.at(), upstreamOf.get(t.fullId()), found);
                specs.put(spec.taskId(), spec);
            } catch (IllegalArgumentException | NullPointerException e) {
                found.add(Problem.error(t.at(), "task '" + t.fullId() + "': " + e.getMessage()));
            }
        }
        for (TaskDraft t : draftById.values()) {
            TaskSpec spec = specs.get(t.fullId());
            if (spec != null) {
                checkPast(spec, t.at(), specs, found);
            }
        }
        if (found.stream().noneMatch(Problem::isError)) {
            cycle(specs, draftById).ifPresent(found::add);
        }
        if (found.stream().anyMatch(Problem::isError)) {
            throw new DagValidationException(found);
        }
        List<TaskGroup> groupModels = new ArrayList<>();
        for (GroupDraft g : groupIds.values()) {
            List<String> members = members(g.fullId(), specs.keySet());
            Set<String> memberSet = new HashSet<>(members);
            Set<String> hasDownstreamInside = new HashSet<>();
            for (String m : members) {
                for (String u : specs.get(m).upstream()) {
                    if (memberSet.contains(u)) {
                        hasDownstreamInside.add(u);
                    }
                }
            }
            List<String> leaves = members.stream().filter(m -> !hasDownstreamInside.contains(m)).toList();
            groupModels.add(new TaskGroup(g.fullId(), members, groupRoots.get(g.fullId()), leaves));
        }
        Dag dag = new Dag(dagId, description, schedule, timezone, startDate, endDate, catchup, maxActiveRuns,
                maxActiveTasks, tags, params, defaultArgs, pools, new ArrayList<>(specs.values()), groupModels,
                trigger, source, alerts);
        warnings = found;
        return dag;
    }

    private List<Problem> warnings = List.of();

    /** Warnings found by the last successful {@link #build()}. */
    public List<Problem> warnings() {
        return warnings;
    }

    /** depends_on_past compares one instance with one instance: mapped tasks take no part in it yet. */
    private static void checkPast(TaskSpec spec, Location at, Map<String, TaskSpec> specs, List<Problem> found) {
        if (!spec.isMapped()) {
            return;
        }
        if (spec.past().any()) {
            found.add(Problem.error(at, "task '" + spec.taskId() + "' is mapped; depends_on_past and "
                    + "wait_for_downstream are not supported on mapped tasks"));
        }
        for (String u : spec.upstream()) {
            TaskSpec up = specs.get(u);
            if (up != null && up.past() == PastDependency.WAIT_FOR_DOWNSTREAM) {
                found.add(Problem.error(at, "task '" + spec.taskId() + "' is mapped and downstream of '" + u
                        + "', which sets wait_for_downstream; a mapped downstream task is not supported there"));
            }
        }
    }

    private void checkTask(TaskSpec spec, Location at, Set<String> ups, List<Problem> found) {
        String id = spec.taskId();
        if (spec.pool() != null && !pools.containsKey(spec.pool())) {
            found.add(Problem.error(at, "task '" + id + "' uses unknown pool '" + spec.pool() + "'"
                    + Names.hint(spec.pool(), pools.keySet()) + "; declare it under pools:"));
        } else if (spec.pool() != null && spec.poolSlots() > pools.get(spec.pool())) {
            found.add(Problem.error(at, "task '" + id + "' needs " + spec.poolSlots() + " slots but pool '"
                    + spec.pool() + "' has only " + pools.get(spec.pool())));
        }
        if ((spec.expand() != null || spec.expandTemplate() != null) && spec.expandFrom() != null) {
            found.add(Problem.error(at, "task '" + id + "' sets both expand and expand_from; choose one"));
        }
        if (spec.expandFrom() != null && !ups.contains(spec.expandFrom())) {
            found.add(Problem.error(at, "task '" + id + "' has expand_from '" + spec.expandFrom()
                    + "', which is not one of its upstream tasks" + Names.hint(spec.expandFrom(), ups)));
        }
        if (spec.executionTimeout() != null && (spec.executionTimeout().isNegative()
                || spec.executionTimeout().isZero())) {
            found.add(Problem.error(at, "task '" + id + "' execution_timeout must be positive"));
        }
        if (spec.sla() != null && (spec.sla().isNegative() || spec.sla().isZero())) {
            found.add(Problem.error(at, "task '" + id + "' sla must be positive"));
        }
        if (spec.kind() instanceof TaskKind.Command c && c.command().isBlank()) {
            found.add(Problem.error(at, "task '" + id + "' has an empty command"));
        }
        if (spec.retry().retries() > 1000) {
            found.add(Problem.error(at, "task '" + id + "' retries must be at most 1000, got "
                    + spec.retry().retries()));
        }
        Duration d = spec.retry() instanceof RetryPolicy.Airflow a ? a.retryDelay() : null;
        if (d != null && d.compareTo(Duration.ofDays(366)) > 0) {
            found.add(Problem.error(at, "task '" + id + "' retry_delay is longer than a year"));
        }
    }

    private static int depth(String id) {
        int n = 0;
        for (int i = 0; i < id.length(); i++) {
            if (id.charAt(i) == '.') {
                n++;
            }
        }
        return n;
    }

    private static List<String> members(String groupId, Set<String> taskIds) {
        String prefix = groupId + ".";
        List<String> out = new ArrayList<>();
        for (String id : taskIds) {
            if (id.startsWith(prefix)) {
                out.add(id);
            }
        }
        return out;
    }

    /** Finds one cycle and reports its path, e.g. {@code a -> b -> c -> a}. */
    private static java.util.Optional<Problem> cycle(Map<String, TaskSpec> specs, Map<String, TaskDraft> drafts) {
        Map<String, Integer> color = new HashMap<>();
        for (String start : specs.keySet()) {
            if (color.getOrDefault(start, 0) != 0) {
                continue;
            }
            // Iterative DFS over upstream edges; the path is reversed into downstream order when reported.
            List<String> path = new ArrayList<>();
            List<java.util.Iterator<String>> its = new ArrayList<>();
            path.add(start);
            its.add(specs.get(start).upstream().iterator());
            color.put(start, 1);
            while (!path.isEmpty()) {
                java.util.Iterator<String> it = its.get(its.size() - 1);
                if (it.hasNext()) {
                    String next = it.next();
                    int c = color.getOrDefault(next, 0);
                    if (c == 1) {
                        int from = path.indexOf(next);
                        List<String> loop = new ArrayList<>(path.subList(from, path.size()));
                        java.util.Collections.reverse(loop);
                        loop.add(loop.get(0));
                        return java.util.Optional.of(Problem.error(drafts.get(next).at(),
                                "cycle: " + String.join(" -> ", loop)));
                    } else if (c == 0) {
                        color.put(next, 1);
                        path.add(next);
                        its.add(specs.get(next).upstream().iterator());
                    }
                } else {
                    color.put(path.remove(path.size() - 1), 2);
                    its.remove(its.size() - 1);
                }
            }
        }
        return java.util.Optional.empty();
    }

    /** Resolves an upstream reference in a scope: innermost sibling first, then outward, then global. */
    private static final class Resolver {
        private final Map<String, TaskDraft> drafts;
        private final Map<String, GroupDraft> groups;
        private final List<Problem> found;
        private final Map<String, List<String>> leafCache = new HashMap<>();
        private final Set<String> resolving = new HashSet<>();

        Resolver(Map<String, TaskDraft> drafts, Map<String, GroupDraft> groups, List<Problem> found) {
            this.drafts = drafts;
            this.groups = groups;
            this.found = found;
        }

        List<String> resolve(String scope, String ref, Location at, String who) {
            return resolve(scope, ref, at, who, found);
        }

        private List<String> resolve(String scope, String ref, Location at, String who, List<Problem> sink) {
            if (ref == null || ref.isBlank()) {
                sink.add(Problem.error(at, who + " has an empty upstream entry"));
                return List.of();
            }
            String s = scope;
            while (true) {
                String candidate = s.isEmpty() ? ref : s + "." + ref;
                if (drafts.containsKey(candidate)) {
                    return List.of(candidate);
                }
                if (groups.containsKey(candidate)) {
                    return leaves(candidate, at, who, sink);
                }
                if (s.isEmpty()) {
                    break;
                }
                int dot = s.lastIndexOf('.');
                s = dot < 0 ? "" : s.substring(0, dot);
            }
            Set<String> all = new LinkedHashSet<>(drafts.keySet());
            all.addAll(groups.keySet());
            sink.add(Problem.error(at, who + " has unknown upstream '" + ref + "'" + Names.hint(ref, all)));
            return List.of();
        }

        /** Leaves of a group: members that no other member of the group lists upstream. */
        private List<String> leaves(String groupId, Location at, String who, List<Problem> sink) {
            List<String> cached = leafCache.get(groupId);
            if (cached != null) {
                return cached;
            }
            if (!resolving.add(groupId)) {
                sink.add(Problem.error(at, who + " depends on group '" + groupId + "', which contains it (cycle)"));
                return List.of();
            }
            List<String> members = members(groupId, drafts.keySet());
            Set<String> memberSet = new HashSet<>(members);
            Set<String> upstreamInside = new HashSet<>();
            List<Problem> quiet = new ArrayList<>();
            for (String m : members) {
                TaskDraft d = drafts.get(m);
                for (String ref : d.rawUpstream()) {
                    for (String u : resolve(d.scope(), ref, d.at(), m, quiet)) {
                        if (memberSet.contains(u)) {
                            upstreamInside.add(u);
                        }
                    }
                }
            }
            for (Problem p : quiet) {
                if (p.message().contains("(cycle)")) {
                    sink.add(p);
                }
            }
            List<String> leaves = members.stream().filter(m -> !upstreamInside.contains(m)).toList();
            resolving.remove(groupId);
            leafCache.put(groupId, leaves);
            if (leaves.isEmpty()) {
                sink.add(Problem.error(groups.get(groupId).at(), "group '" + groupId + "' has no tasks"));
            }
            return leaves;
        }
    }
}
