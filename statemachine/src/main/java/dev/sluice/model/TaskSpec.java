package dev.sluice.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One task of a DAG, after task groups are flattened ({@code group.task}) and {@code default_args} applied.
 * Immutable: lists and maps are copied on construction. Build with {@link #builder(String)}.
 *
 * @param upstream     resolved task ids (groups already expanded to their leaves)
 * @param pool         pool name, or null for no pool
 * @param expand       literal items to map over, or null
 * @param expandFrom   upstream task whose JSON-array output is mapped over, or null
 * @param expandTemplate a template that renders to a JSON array to map over ({@code "{{ params.tables }}"}),
 *                     rendered when the task is ready; or null
 * @param group        the task group id this task belongs to, or null
 * @param past         Airflow's depends_on_past / wait_for_downstream
 */
public record TaskSpec(
        String taskId,
        TaskKind kind,
        List<String> upstream,
        TriggerRule triggerRule,
        RetryPolicy retry,
        Duration executionTimeout,
        String pool,
        int poolSlots,
        int priorityWeight,
        Duration sla,
        Map<String, Object> params,
        Callbacks callbacks,
        boolean branch,
        List<Object> expand,
        String expandFrom,
        String expandTemplate,
        String group,
        String owner,
        String doc,
        CircuitBreakerSpec circuitBreaker,
        PastDependency past) {

    public TaskSpec {
        past = past == null ? PastDependency.NONE : past;
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(kind, "kind");
        upstream = List.copyOf(upstream == null ? List.of() : upstream);
        triggerRule = triggerRule == null ? TriggerRule.ALL_SUCCESS : triggerRule;
        retry = retry == null ? RetryPolicy.none() : retry;
        params = params == null ? Map.of() : Collections2.immutableMap(params);
        callbacks = callbacks == null ? Callbacks.NONE : callbacks;
        expand = expand == null ? null : Collections2.immutableList(expand);
        if (poolSlots < 1) {
            throw new IllegalArgumentException("pool_slots must be >= 1");
        }
    }

    /** True when this task is mapped ({@code expand}, a list or a template, or {@code expand_from}). */
    public boolean isMapped() {
        return expand != null || expandFrom != null || expandTemplate != null;
    }

    public int maxTries() {
        return retry.maxTries();
    }

    public Builder toBuilder() {
        Builder b = new Builder(taskId);
        b.kind = kind;
        b.upstream = new ArrayList<>(upstream);
        b.triggerRule = triggerRule;
        b.retry = retry;
        b.executionTimeout = executionTimeout;
        b.pool = pool;
        b.poolSlots = poolSlots;
        b.priorityWeight = priorityWeight;
        b.sla = sla;
        b.params = new LinkedHashMap<>(params);
        b.callbacks = callbacks;
        b.branch = branch;
        b.expand = expand == null ? null : new ArrayList<>(expand);
        b.expandFrom = expandFrom;
        b.expandTemplate = expandTemplate;
        b.group = group;
        b.owner = owner;
        b.doc = doc;
        b.circuitBreaker = circuitBreaker;
        b.past = past;
        return b;
    }

    public static Builder builder(String taskId) {
        return new Builder(taskId);
    }

    /** Mutable builder; {@link #build()} validates through the record's constructor. */
    public static final class Builder {
        private String taskId;
        private TaskKind kind = TaskKind.empty();
        private List<String> upstream = new ArrayList<>();
        private TriggerRule triggerRule = TriggerRule.ALL_SUCCESS;
        private RetryPolicy retry = RetryPolicy.none();
        private Duration executionTimeout;
        private String pool;
        private int poolSlots = 1;
        private int priorityWeight = 1;
        private Duration sla;
        private Map<String, Object> params = new LinkedHashMap<>();
        private Callbacks callbacks = Callbacks.NONE;
        private boolean branch;
        private List<Object> expand;
        private String expandFrom;
        private String expandTemplate;
        private String group;
        private String owner;
        private String doc;
        private CircuitBreakerSpec circuitBreaker;
        private PastDependency past = PastDependency.NONE;

        private Builder(String taskId) {
            this.taskId = taskId;
        }

        public Builder taskId(String v) { this.taskId = v; return this; }
        public Builder command(String v) { this.kind = new TaskKind.Command(v); return this; }
        public Builder handler(String v) { this.kind = new TaskKind.Handler(v); return this; }
        public Builder handler(Class<?> v) { this.kind = new TaskKind.Handler(v.getName()); return this; }
        public Builder function(String v) { this.kind = new TaskKind.Function(v); return this; }
        public Builder empty() { this.kind = TaskKind.empty(); return this; }
        public Builder kind(TaskKind v) { this.kind = v; return this; }
        public Builder upstream(String... ids) { this.upstream.addAll(List.of(ids)); return this; }
        public Builder upstream(List<String> ids) { this.upstream = new ArrayList<>(ids); return this; }
        public Builder triggerRule(TriggerRule v) { this.triggerRule = v; return this; }
        public Builder retry(RetryPolicy v) { this.retry = v; return this; }
        public Builder retries(int n) {
            this.retry = retry instanceof RetryPolicy.Airflow a ? a.withRetries(n)
                    : new RetryPolicy.Airflow(n, Duration.ofMinutes(5), false, null);
            return this;
        }
        public Builder executionTimeout(Duration v) { this.executionTimeout = v; return this; }
        public Builder pool(String v) { this.pool = v; return this; }
        public Builder poolSlots(int v) { this.poolSlots = v; return this; }
        public Builder priorityWeight(int v) { this.priorityWeight = v; return this; }
        public Builder sla(Duration v) { this.sla = v; return this; }
        public Builder params(Map<String, Object> v) { this.params = new LinkedHashMap<>(v); return this; }
        public Builder param(String k, Object v) { this.params.put(k, v); return this; }
        public Builder callbacks(Callbacks v) { this.callbacks = v; return this; }
        public Builder branch(boolean v) { this.branch = v; return this; }
        public Builder expand(List<?> items) { this.expand = new ArrayList<>(items); return this; }
        public Builder expandFrom(String v) { this.expandFrom = v; return this; }
        /** Map over what this template renders to, a JSON array, when the task is ready. */
        public Builder expandTemplate(String v) { this.expandTemplate = v; return this; }
        public Builder group(String v) { this.group = v; return this; }
        public Builder owner(String v) { this.owner = v; return this; }
        public Builder doc(String v) { this.doc = v; return this; }
        public Builder circuitBreaker(CircuitBreakerSpec v) { this.circuitBreaker = v; return this; }
        public Builder past(PastDependency v) { this.past = v; return this; }

        public String taskId() { return taskId; }
        public List<String> upstream() { return upstream; }

        public TaskSpec build() {
            return new TaskSpec(taskId, kind, upstream, triggerRule, retry, executionTimeout, pool, poolSlots,
                    priorityWeight, sla, params, callbacks, branch, expand, expandFrom, expandTemplate, group, owner, doc,
                    circuitBreaker, past);
        }
    }
}
