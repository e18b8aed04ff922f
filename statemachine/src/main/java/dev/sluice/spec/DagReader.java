package dev.sluice.spec;

import dev.sluice.model.CircuitBreakerSpec;
import dev.sluice.model.DagBuilder;
import dev.sluice.model.Location;
import dev.sluice.model.Names;
import dev.sluice.model.S3Trigger;
import dev.sluice.model.TaskSpec;
import dev.sluice.spec.SpecTree.Field;
import dev.sluice.spec.SpecTree.ListNode;
import dev.sluice.spec.SpecTree.MapNode;
import dev.sluice.spec.SpecTree.Node;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/** Turns a parsed DAG document into {@link DagBuilder} calls, reporting every problem it finds on the way. */
final class DagReader {
    static final Set<String> DAG_FIELDS = new LinkedHashSet<>(List.of("dag_id", "description", "schedule",
            "timezone", "start_date", "end_date", "catchup", "max_active_runs", "max_active_tasks", "tags", "params",
            "default_args", "pools", "trigger", "doc", "doc_md", "tasks", "on_failure", "on_success", "on_sla_miss",
            "alerts", "deadline"));
    static final Set<String> GROUP_FIELDS = new LinkedHashSet<>(List.of("group_id", "upstream", "tasks"));
    /** A foreach that stamps out more than this is a mistake, not a DAG. */
    static final int MAX_TASKS = 100_000;
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private final Values v;
    private final TaskReader tasks;
    private final LoaderOptions options;
    private final Includes includes;
    private final Map<String, CircuitBreakerSpec> breakers = new HashMap<>();
    private final Map<String, Location> breakerAt = new HashMap<>();
    private MapNode defaults;
    private int taskCount;
    private final Map<String, Location> poolLocations = new java.util.LinkedHashMap<>();
    private boolean tooMany;

    DagReader(Values v, LoaderOptions options, Includes includes) {
        this.v = v;
        this.tasks = new TaskReader(v);
        this.options = options;
        this.includes = includes;
    }

    /** Where each pool under {@code pools:} was declared, once {@link #read} returned. */
    Map<String, Location> poolLocations() {
        return poolLocations;
    }

    /** Where tasks and groups go: the DAG itself or a task group. */
    private interface Scope {
        void task(String id, Consumer<TaskSpec.Builder> body, Location at);

        void group(String id, List<String> upstream, Consumer<DagBuilder.GroupBuilder> body, Location at);
    }

    private static Scope of(DagBuilder b) {
        return new Scope() {
            public void task(String id, Consumer<TaskSpec.Builder> body, Location at) {
                b.task(id, body, at);
            }

            public void group(String id, List<String> up, Consumer<DagBuilder.GroupBuilder> body, Location at) {
                b.group(id, up, body, at);
            }
        };
    }

    private static Scope of(DagBuilder.GroupBuilder g) {
        return new Scope() {
            public void task(String id, Consumer<TaskSpec.Builder> body, Location at) {
                g.task(id, body, at);
            }

            public void group(String id, List<String> up, Consumer<DagBuilder.GroupBuilder> body, Location at) {
                g.group(id, up, body, at);
            }
        };
    }

    DagBuilder read(Node rootNode, String file) {
        if (!(rootNode instanceof MapNode root)) {
            v.error(rootNode.at(), "a DAG file must be a mapping with dag_id and tasks, got " + rootNode.describe());
            return null;
        }
        v.unknownFields(root, DAG_FIELDS, "the DAG");
        String dagId = v.text(root.get("dag_id"));
        if (dagId == null && !root.has("dag_id")) {
            v.error(root.at(), "missing dag_id");
        }
        DagBuilder b = DagBuilder.dag(dagId == null ? "unnamed" : dagId).at(root.at()).source(file);

        ZoneId zone = ZoneOffset.UTC;
        Field tz = root.get("timezone");
        String tzName = v.string(tz);
        if (tzName != null) {
            try {
                zone = ZoneId.of(tzName.strip());
                b.timezone(zone);
            } catch (DateTimeException e) {
                v.error(tz.value().at(), "unknown timezone '" + tzName + "'"
                        + Names.hint(tzName.strip(), ZoneId.getAvailableZoneIds())
                        + "; use an IANA zone such as UTC or Europe/Berlin");
            }
        }
        Field sched = root.get("schedule");
        String schedule = v.string(sched);
        if (schedule != null) {
            b.schedule(schedule.strip(), sched.value().at());
            String why;
            try {
                why = options.scheduleChecker().apply(schedule.strip(), zone);
            } catch (RuntimeException e) {
                why = e.getMessage() == null ? e.toString() : e.getMessage();
            }
            if (why != null) {
                v.error(sched.value().at(), "schedule: " + why);
            }
        }
        LocalDateTime start = date(root.get("start_date"), zone);
        LocalDateTime end = date(root.get("end_date"), zone);
        if (start != null) {
            b.startDate(start);
        }
        if (end != null) {
            if (start != null && end.isBefore(start)) {
                v.error(root.get("end_date").value().at(), "end_date " + end + " is before start_date " + start);
            } else {
                b.endDate(end);
            }
        }
        b.description(v.string(root.get("description")));
        v.string(root.get("doc"));
        v.string(root.get("doc_md"));
        Boolean catchup = v.bool(root.get("catchup"));
        if (catchup != null) {
            b.catchup(catchup);
        }
        Integer runs = v.integer(root.get("max_active_runs"), 1, 1_000_000);
        if (runs != null) {
            b.maxActiveRuns(runs);
        }
        Integer active = v.integer(root.get("max_active_tasks"), 1, 1_000_000);
        if (active != null) {
            b.maxActiveTasks(active);
        }
        List<String> tags = v.strings(root.get("tags"), true);
        if (tags != null) {
            b.tags(tags);
        }
        Map<String, Object> params = v.plainMap(root.get("params"));
        if (params != null) {
            b.params(params);
        }
        tasks.dagParams(params == null ? null : params.keySet());
        pools(root.get("pools"), b);
        trigger(root.get("trigger"), b);
        defaultArgs(root.get("default_args"), b);
        b.alerts(new AlertsReader(v, tasks).read(root));

        Field tasksField = root.get("tasks");
        ListNode list = v.list(tasksField);
        if (list != null) {
            entries(list, of(b), "");
        }
        return b;
    }

    private LocalDateTime date(Field f, ZoneId zone) {
        String s = v.text(f);
        if (s == null) {
            return null;
        }
        String t = s.strip().replace(' ', 'T');
        try {
            return LocalDate.parse(t).atStartOfDay();
        } catch (DateTimeException ignored) {
            // try the longer forms
        }
        try {
            return LocalDateTime.parse(t);
        } catch (DateTimeException ignored) {
            // try with an offset
        }
        try {
            return OffsetDateTime.parse(t).atZoneSameInstant(zone).toLocalDateTime();
        } catch (DateTimeException ignored) {
            v.error(f.value().at(), f.key() + ": bad date '" + s + "' (use YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS] "
                    + "optionally with Z or an offset such as +02:00)");
            return null;
        }
    }

    private void pools(Field f, DagBuilder b) {
        MapNode m = v.map(f);
        if (m == null) {
            return;
        }
        for (Field p : m.fields().values()) {
            Integer slots = v.integer(p, 1, 1_000_000);
            // An invalid size is reported here, at its line; the pool still exists so tasks naming it resolve.
            b.pool(p.key(), slots == null ? 1 : slots);
            poolLocations.put(p.key(), p.keyAt());
            String bad = Names.checkId("pool name", p.key());
            if (bad != null) {
                v.error(p.keyAt(), bad);
            }
        }
    }

    private void trigger(Field f, DagBuilder b) {
        MapNode m = v.map(f);
        if (m == null) {
            return;
        }
        v.unknownFields(m, Set.of("s3"), "trigger");
        MapNode s3 = v.map(m.get("s3"));
        if (s3 == null) {
            if (m.fields().isEmpty()) {
                v.error(m.at(), "trigger needs s3: {bucket, key}");
            }
            return;
        }
        v.unknownFields(s3, Set.of("bucket", "key"), "trigger.s3");
        String bucket = v.string(s3.get("bucket"));
        String key = v.string(s3.get("key"));
        if (bucket == null) {
            if (!s3.has("bucket")) {
                v.error(s3.at(), "trigger.s3 needs a bucket");
            }
            return;
        }
        if (!BUCKET.matcher(bucket).matches()) {
            v.error(s3.get("bucket").value().at(), "'" + bucket + "' is not a valid S3 bucket name");
            return;
        }
        b.trigger(new S3Trigger(bucket, key == null || key.isBlank() ? "*" : key));
    }

    private void defaultArgs(Field f, DagBuilder b) {
        MapNode m = v.map(f);
        if (m == null) {
            return;
        }
        for (Field k : m.fields().values()) {
            if (k.key().equals("task_id") || k.key().equals("upstream")) {
                v.error(k.keyAt(), k.key() + " cannot have a default; set it on each task");
            } else if (!TaskReader.DEFAULT_ARGS_FIELDS.contains(k.key())) {
                v.error(k.keyAt(), Values.unknownMessage(k.key(), TaskReader.DEFAULT_ARGS_FIELDS, "default_args"));
            }
        }
        if (m.has("email") && !(m.get("email").value() instanceof SpecTree.Scalar)) {
            v.strings(m.get("email"), true);
        } else {
            v.string(m.get("email"));
        }
        v.bool(m.get("email_on_failure"));
        v.bool(m.get("email_on_retry"));
        defaults = m;
        b.defaultArgs(v.plainMap(f));
    }

    /** The entries of a {@code tasks:} list: tasks, groups and foreach blocks. */
    private void entries(ListNode list, Scope scope, String scopeName) {
        for (Node n : list.items()) {
            if (tooMany) {
                return;
            }
            if (!(n instanceof MapNode m)) {
                v.error(n.at(), "each entry under tasks must be a mapping (a task, group or foreach), got "
                        + n.describe());
                continue;
            }
            boolean isTask = m.has("task_id");
            boolean isGroup = m.has("group_id");
            boolean isForeach = m.has("foreach") || m.has("foreach_file");
            int kinds = (isTask ? 1 : 0) + (isGroup ? 1 : 0) + (isForeach ? 1 : 0);
            if (kinds > 1) {
                v.error(m.at(), "an entry is a task (task_id), a group (group_id) or a foreach block, not several");
            } else if (isTask) {
                task(m, scope, scopeName);
            } else if (isGroup) {
                group(m, scope, scopeName);
            } else if (isForeach) {
                foreach(m, scope, scopeName);
            } else {
                v.error(m.at(), "this entry has no task_id, group_id or foreach");
                v.unknownFields(m, TaskReader.TASK_FIELDS, "task");
            }
        }
    }

    private void task(MapNode m, Scope scope, String scopeName) {
        if (++taskCount > MAX_TASKS) {
            v.error(m.at(), "more than " + MAX_TASKS + " tasks; check the foreach blocks");
            tooMany = true;
            return;
        }
        TaskReader.Parsed t = tasks.read(m, defaults);
        CircuitBreakerSpec cb = t.circuitBreaker();
        if (cb != null) {
            CircuitBreakerSpec prev = breakers.putIfAbsent(cb.name(), cb);
            if (prev != null && !prev.equals(cb)) {
                v.error(t.circuitBreakerAt(), "circuit_breaker '" + cb.name() + "' is declared with other settings "
                        + "at " + breakerAt.get(cb.name()) + "; tasks sharing a breaker must agree");
            } else if (prev == null) {
                breakerAt.put(cb.name(), t.circuitBreakerAt());
            }
        }
        scope.task(t.taskId(), t.body(), t.at());
    }

    private void group(MapNode m, Scope scope, String scopeName) {
        v.unknownFields(m, GROUP_FIELDS, "task group");
        String id = v.text(m.get("group_id"));
        List<String> upstream = v.strings(m.get("upstream"), true);
        Field tasksField = m.get("tasks");
        ListNode list = v.list(tasksField);
        if (tasksField == null) {
            v.error(m.at(), "group '" + id + "' needs tasks");
        }
        String inner = scopeName.isEmpty() ? String.valueOf(id) : scopeName + "." + id;
        scope.group(id == null ? "" : id, upstream == null ? List.of() : upstream, g -> {
            if (list != null) {
                entries(list, of(g), inner);
            }
        }, m.at());
    }

    private void foreach(MapNode m, Scope scope, String scopeName) {
        v.unknownFields(m, Foreach.FIELDS, "foreach block");
        String var = Foreach.variable(m, v);
        List<Node> items = Foreach.items(m, v, includes);
        Field tasksField = m.get("tasks");
        ListNode body = v.list(tasksField);
        if (tasksField == null) {
            v.error(m.at(), "a foreach block needs tasks");
        }
        if (var == null || items == null || body == null) {
            return;
        }
        if (items.isEmpty()) {
            v.warning(m.at(), "foreach has no items, so it adds no tasks");
        }
        for (Node item : items) {
            if (tooMany) {
                return;
            }
            entries((ListNode) Foreach.substitute(body, var, item, v), scope, scopeName);
        }
    }
}
