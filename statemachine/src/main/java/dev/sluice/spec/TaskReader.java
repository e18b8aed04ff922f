package dev.sluice.spec;

import dev.sluice.model.Callbacks;
import dev.sluice.model.CircuitBreakerSpec;
import dev.sluice.model.Location;
import dev.sluice.model.Names;
import dev.sluice.model.PastDependency;
import dev.sluice.model.RetryPolicy;
import dev.sluice.model.TaskKind;
import dev.sluice.model.TaskSpec;
import dev.sluice.model.TriggerRule;
import dev.sluice.spec.SpecTree.Field;
import dev.sluice.spec.SpecTree.ListNode;
import dev.sluice.spec.SpecTree.MapNode;
import dev.sluice.template.RawRule;
import dev.sluice.template.TemplateCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/** Reads one task mapping, merged over {@code default_args}, into the settings of a {@link TaskSpec.Builder}. */
final class TaskReader {
    static final List<String> KIND_FIELDS = List.of("command", "handler", "function", "empty");
    static final List<String> AIRFLOW_RETRY_FIELDS = List.of("retry_delay", "retry_exponential_backoff",
            "max_retry_delay");
    static final Set<String> TASK_FIELDS = new LinkedHashSet<>(List.of("task_id", "command", "handler",
            "function", "empty", "upstream", "trigger_rule", "retries", "retry_delay", "retry_exponential_backoff",
            "max_retry_delay", "retry_policy", "execution_timeout", "pool", "pool_slots", "priority_weight", "sla",
            "params", "on_failure", "on_retry", "on_success", "on_sla_miss", "on_execute", "branch", "expand", "expand_from", "doc", "doc_md",
            "description", "owner", "circuit_breaker", "depends_on_past", "wait_for_downstream"));
    /** Kept in the DAG's raw default_args (for policy checks and alerting), not on tasks. */
    static final Set<String> DEFAULT_ONLY_FIELDS = Set.of("email", "email_on_failure", "email_on_retry");
    static final Set<String> DEFAULT_ARGS_FIELDS;

    static {
        Set<String> d = new LinkedHashSet<>(TASK_FIELDS);
        d.remove("task_id");
        d.remove("upstream");
        d.addAll(List.of("email", "email_on_failure", "email_on_retry"));
        DEFAULT_ARGS_FIELDS = d;
    }

    private static final Set<String> RETRY_POLICY_FIELDS = Set.of("type", "max_attempts", "retries", "interval",
            "backoff_rate", "max_delay", "jitter");
    private static final Set<String> CIRCUIT_BREAKER_FIELDS = Set.of("name", "failure_threshold",
            "recovery_timeout");
    private static final Pattern JAVA_CLASS = Pattern.compile(
            "[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");
    private static final List<String> RULE_NAMES = Arrays.stream(TriggerRule.values())
            .map(TriggerRule::airflowName).toList();

    /** A parsed task: its local id, where it was written, and what to set on the builder. */
    record Parsed(String taskId, Location at, List<String> upstream, Consumer<TaskSpec.Builder> body,
                  CircuitBreakerSpec circuitBreaker, Location circuitBreakerAt) {
    }

    private final Values v;
    private Set<String> dagParams;
    private TemplateCheck.Scope scope;

    TaskReader(Values v) {
        this.v = v;
    }

    /** The keys of the DAG's {@code params}, or null when it declares none; read before the tasks. */
    void dagParams(Set<String> keys) {
        this.dagParams = keys == null ? null : Set.copyOf(keys);
    }

    /** What the templates of a task may read: see {@link TemplateCheck.Scope#task}. */
    private TemplateCheck.Scope scope(Map<String, Field> eff, Map<String, Object> params) {
        boolean mapped = eff.containsKey("expand") || eff.containsKey("expand_from");
        Set<String> keys = null;
        if (dagParams != null || params != null) {
            keys = new LinkedHashSet<>();
            if (dagParams != null) {
                keys.addAll(dagParams);
            }
            if (params != null) {
                keys.addAll(params.keySet());
            }
        }
        return TemplateCheck.Scope.task(mapped, keys);
    }

    /** Reports the template problems of a rendered field at their place in the file (see {@link TemplateCheck}). */
    private void templates(Field f, String template) {
        templates(f, template, scope);
    }

    private void templates(Field f, String template, TemplateCheck.Scope scope) {
        if (template == null) {
            return;
        }
        for (TemplateCheck.Finding p : TemplateCheck.check(template, scope)) {
            v.error(TemplatePlace.of(f.value(), template, p.line(), p.column()), f.key() + ": " + p.message());
        }
    }

    /** Reads {@code own} over {@code defaults} (which may be null); the task's own fields win. */
    Parsed read(MapNode own, MapNode defaults) {
        for (Field f : own.fields().values()) {
            if (DEFAULT_ONLY_FIELDS.contains(f.key())) {
                v.error(f.keyAt(), f.key() + " is only supported under default_args");
            } else if (!TASK_FIELDS.contains(f.key())) {
                v.error(f.keyAt(), Values.unknownMessage(f.key(), TASK_FIELDS, "task"));
            }
        }
        Map<String, Field> eff = merge(own, defaults);

        String taskId = v.text(own.get("task_id"));
        if (taskId == null) {
            taskId = "";
        }
        List<String> upstream = v.strings(own.get("upstream"), true);
        Map<String, Object> params = v.plainMap(eff.get("params"));
        scope = scope(eff, params);

        TaskKind kind = kind(own, eff, taskId);
        RetryPolicy retry = retry(own, eff);

        TriggerRule rule = null;
        String ruleName = v.string(eff.get("trigger_rule"));
        if (ruleName != null) {
            rule = TriggerRule.parse(ruleName.strip()).orElse(null);
            if (rule == null) {
                v.error(eff.get("trigger_rule").value().at(), "unknown trigger_rule '" + ruleName + "'"
                        + Names.hint(ruleName, RULE_NAMES) + "; valid: " + String.join(", ", RULE_NAMES));
            }
        }
        Duration timeout = v.duration(eff.get("execution_timeout"));
        Duration sla = v.duration(eff.get("sla"));
        String pool = v.text(eff.get("pool"));
        Integer poolSlots = v.integer(eff.get("pool_slots"), 1, 100_000);
        Integer weight = v.integer(eff.get("priority_weight"), -1_000_000, 1_000_000);
        Callbacks callbacks = new Callbacks(callback(eff.get("on_failure")), callback(eff.get("on_retry")),
                callback(eff.get("on_success")), callback(eff.get("on_sla_miss")), callback(eff.get("on_execute")));
        Boolean branch = v.bool(eff.get("branch"));
        List<Object> expand = null;
        String expandTemplate = null;
        Field expandField = eff.get("expand");
        ListNode expandNode = null;
        if (expandField != null && expandField.value() instanceof SpecTree.Scalar es && es.value() instanceof String t
                && (t.contains("{{") || t.contains("{%"))) {
            expandTemplate = t;
            TemplateCheck.Scope unmapped = TemplateCheck.Scope.task(false, scope.params());
            for (TemplateCheck.Finding p : TemplateCheck.check(t, unmapped)) {
                v.error(TemplatePlace.of(es, t, p.line(), p.column()), "expand: " + p.message());
            }
        } else {
            expandNode = v.list(expandField);
        }
        if (expandNode != null) {
            expand = new ArrayList<>();
            for (SpecTree.Node n : expandNode.items()) {
                expand.add(SpecTree.plain(n));
            }
        }
        String expandFrom = v.text(eff.get("expand_from"));
        String owner = v.text(eff.get("owner"));
        String doc = doc(own, eff);
        Field cbField = eff.get("circuit_breaker");
        CircuitBreakerSpec cb = circuitBreaker(cbField, taskId);
        // As in Airflow, wait_for_downstream: true implies depends_on_past: true.
        PastDependency past = Boolean.TRUE.equals(v.bool(eff.get("wait_for_downstream")))
                ? PastDependency.WAIT_FOR_DOWNSTREAM
                : Boolean.TRUE.equals(v.bool(eff.get("depends_on_past"))) ? PastDependency.DEPENDS_ON_PAST
                : PastDependency.NONE;

        final TriggerRule r = rule;
        final List<Object> ex = expand;
        final String exTemplate = expandTemplate;
        Consumer<TaskSpec.Builder> body = b -> {
            if (kind != null) {
                b.kind(kind);
            }
            b.retry(retry);
            if (r != null) {
                b.triggerRule(r);
            }
            b.executionTimeout(timeout).sla(sla).pool(pool).callbacks(callbacks).expandFrom(expandFrom)
                    .owner(owner).doc(doc).circuitBreaker(cb).past(past);
            if (poolSlots != null) {
                b.poolSlots(poolSlots);
            }
            if (weight != null) {
                b.priorityWeight(weight);
            }
            if (params != null) {
                b.params(params);
            }
            if (branch != null) {
                b.branch(branch);
            }
            if (ex != null) {
                b.expand(ex);
            }
            if (exTemplate != null) {
                b.expandTemplate(exTemplate);
            }
            b.upstream(upstream == null ? List.of() : upstream);
        };
        return new Parsed(taskId, own.at(), upstream == null ? List.of() : upstream, body, cb,
                cbField == null ? null : cbField.value().at());
    }

    /** default_args overlaid with the task's fields. A task's kind or retry style replaces the default's. */
    private static Map<String, Field> merge(MapNode own, MapNode defaults) {
        Map<String, Field> eff = new LinkedHashMap<>();
        if (defaults != null) {
            for (Field f : defaults.fields().values()) {
                if (TASK_FIELDS.contains(f.key())) {
                    eff.put(f.key(), f);
                }
            }
            if (KIND_FIELDS.stream().anyMatch(own::has)) {
                KIND_FIELDS.forEach(eff::remove);
            }
            if (own.has("retry_policy")) {
                AIRFLOW_RETRY_FIELDS.forEach(eff::remove);
            } else if (AIRFLOW_RETRY_FIELDS.stream().anyMatch(own::has)) {
                eff.remove("retry_policy");
            }
        }
        for (Field f : own.fields().values()) {
            if (TASK_FIELDS.contains(f.key())) {
                eff.put(f.key(), f);
            }
        }
        return eff;
    }

    private TaskKind kind(MapNode own, Map<String, Field> eff, String taskId) {
        TaskKind kind = null;
        String first = null;
        for (String k : KIND_FIELDS) {
            Field f = eff.get(k);
            if (f == null || (k.equals("empty") && !Boolean.TRUE.equals(v.bool(f)))) {
                continue;
            }
            TaskKind parsed = switch (k) {
                case "command" -> {
                    String c = v.string(f);
                    rawRule(f, c);
                    templates(f, c);
                    yield c == null ? null : new TaskKind.Command(c);
                }
                case "handler" -> {
                    String h = v.string(f);
                    if (h != null && !JAVA_CLASS.matcher(h.strip()).matches()) {
                        v.error(f.value().at(), "handler '" + h + "' is not a Java class name "
                                + "(e.g. com.example.LoadStaging)");
                        yield null;
                    }
                    yield h == null ? null : new TaskKind.Handler(h.strip());
                }
                case "function" -> {
                    String fn = v.string(f);
                    if (fn != null && (fn.isBlank() || fn.strip().chars().anyMatch(Character::isWhitespace))) {
                        v.error(f.value().at(), "function must be a Lambda function name or ARN, got '" + fn + "'");
                        yield null;
                    }
                    yield fn == null ? null : new TaskKind.Function(fn.strip());
                }
                default -> TaskKind.empty();
            };
            if (first != null) {
                v.error(f.keyAt(), "a task has exactly one kind, but this one sets both " + first + " and " + k);
                continue;
            }
            first = k;
            kind = parsed;
        }
        if (first == null) {
            v.error(own.at(), "task '" + taskId + "' needs one of command, handler, function or empty: true");
        }
        return kind;
    }

    private RetryPolicy retry(MapNode own, Map<String, Field> eff) {
        Integer retries = v.integer(eff.get("retries"), 0, 1000);
        Field rpField = eff.get("retry_policy");
        if (rpField != null && !Values.isNull(rpField)) {
            if (own.has("retry_policy")) {
                for (String k : AIRFLOW_RETRY_FIELDS) {
                    if (own.has(k)) {
                        v.error(own.get(k).keyAt(), k + " cannot be combined with retry_policy; "
                                + "set the delay inside retry_policy (interval, backoff_rate, max_delay)");
                    }
                }
            }
            MapNode rp = v.map(rpField);
            if (rp == null) {
                return RetryPolicy.none();
            }
            v.unknownFields(rp, RETRY_POLICY_FIELDS, "retry_policy");
            String type = v.string(rp.get("type"));
            if (type != null && !type.equals("stepfunctions")) {
                v.error(rp.get("type").value().at(), "retry_policy type must be 'stepfunctions', got '" + type
                        + "'; for Airflow-style retries use retries/retry_delay/retry_exponential_backoff");
            }
            Integer attempts = v.integer(rp.get("max_attempts"), 0, 1000);
            Integer inner = v.integer(rp.get("retries"), 0, 1000);
            if (rp.has("max_attempts") && rp.has("retries")) {
                v.error(rp.get("retries").keyAt(), "retry_policy sets both max_attempts and retries; use one");
            }
            int n = attempts != null ? attempts : inner != null ? inner : retries != null ? retries : 3;
            Duration interval = v.duration(rp.get("interval"));
            Double rate = v.number(rp.get("backoff_rate"));
            if (rate != null && rate < 1.0) {
                v.error(rp.get("backoff_rate").value().at(), "backoff_rate must be >= 1.0, got " + rate);
                rate = null;
            }
            Duration maxDelay = v.duration(rp.get("max_delay"));
            String jitter = v.string(rp.get("jitter"));
            boolean full = false;
            if (jitter != null) {
                String j = jitter.strip().toLowerCase(java.util.Locale.ROOT);
                if (j.equals("full")) {
                    full = true;
                } else if (!j.equals("none")) {
                    v.error(rp.get("jitter").value().at(), "jitter must be 'full' or 'none', got '" + jitter + "'");
                }
            }
            return new RetryPolicy.StepFunctions(n, interval == null ? Duration.ofSeconds(1) : interval,
                    rate == null ? 2.0 : rate, maxDelay, full);
        }
        Duration delay = v.duration(eff.get("retry_delay"));
        Boolean backoff = v.bool(eff.get("retry_exponential_backoff"));
        Duration maxDelay = v.duration(eff.get("max_retry_delay"));
        return new RetryPolicy.Airflow(retries == null ? 0 : retries, delay == null ? Duration.ofMinutes(5) : delay,
                backoff != null && backoff, maxDelay);
    }

    /** {@code | raw} only as the last filter of a whole expression: see {@link RawRule}. */
    private void rawRule(Field f, String template) {
        for (String problem : RawRule.problems(template)) {
            v.error(f.value().at(), f.key() + ": " + problem);
        }
    }

    String callback(Field f) {
        String s = v.string(f);
        rawRule(f, s);
        if (s != null && !s.strip().startsWith("handler:")) {
            templates(f, s, TemplateCheck.Scope.callback());   // a callback renders with its context's names
        }
        if (s != null && s.isBlank()) {
            v.error(f.value().at(), f.key() + " must not be empty");
            return null;
        }
        return s;
    }

    private String doc(MapNode own, Map<String, Field> eff) {
        String doc = null;
        String from = null;
        for (String k : List.of("doc", "doc_md", "description")) {
            Field f = eff.get(k);
            if (f == null) {
                continue;
            }
            String s = v.string(f);
            if (from != null && own.has(k) && own.has(from)) {
                v.error(f.keyAt(), "a task takes one of doc, doc_md or description, but this one sets both "
                        + from + " and " + k);
            } else if (doc == null) {
                doc = s;
                from = k;
            }
        }
        return doc;
    }

    private CircuitBreakerSpec circuitBreaker(Field f, String taskId) {
        if (Values.isNull(f)) {
            return null;
        }
        if (f.value() instanceof SpecTree.Scalar s && s.value() instanceof String name) {
            return checkedBreaker(f, name, 5, Duration.ofMinutes(5));
        }
        MapNode m = v.map(f);
        if (m == null) {
            return null;
        }
        v.unknownFields(m, CIRCUIT_BREAKER_FIELDS, "circuit_breaker");
        String name = v.text(m.get("name"));
        Integer threshold = v.integer(m.get("failure_threshold"), 1, 1_000_000);
        Duration recovery = v.duration(m.get("recovery_timeout"));
        if (recovery != null && recovery.isZero()) {
            v.error(m.get("recovery_timeout").value().at(), "recovery_timeout must be positive");
            recovery = null;
        }
        return checkedBreaker(f, name == null ? taskId : name, threshold == null ? 5 : threshold,
                recovery == null ? Duration.ofMinutes(5) : recovery);
    }

    private CircuitBreakerSpec checkedBreaker(Field f, String name, int threshold, Duration recovery) {
        String bad = Names.checkId("circuit_breaker name", name);
        if (bad != null && !name.isEmpty()) {
            v.error(f.value().at(), bad);
            return null;
        }
        return name.isEmpty() ? null : new CircuitBreakerSpec(name, threshold, recovery);
    }
}
