package dev.sluice.template;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The values the engine offers to templates, as Airflow's names. Immutable; build one with {@link #builder()}.
 *
 * <pre>{@code
 * TemplateContext ctx = TemplateContext.builder()
 *     .dagId("warehouse").runId("scheduled__2024-01-01T01:00:00Z").taskId("per_table")
 *     .logicalDate(Instant.parse("2024-01-01T01:00:00Z"))
 *     .dataInterval(Instant.parse("2024-01-01T01:00:00Z"), Instant.parse("2024-01-02T01:00:00Z"))
 *     .zone(ZoneId.of("Europe/Berlin"))
 *     .tryNumber(1).mapIndex(0).item("orders")
 *     .params(Map.of("full_refresh", false))
 *     .outputs(Map.of("extract.orders", List.of("a", "b")))
 *     .build();
 * }</pre>
 *
 * <p>Template variables ({@link #variables()}):
 * <ul>
 *   <li>{@code ds} {@code 2024-01-01}, {@code ds_nodash} {@code 20240101}: the logical date's day <em>in the DAG's
 *       zone</em> (Airflow uses UTC here; a Berlin DAG's midnight run would otherwise get yesterday's ds).</li>
 *   <li>{@code ts} {@code 2024-01-01T02:00:00+01:00}, {@code ts_nodash} {@code 20240101T020000}: the logical date
 *       in the DAG's zone, ISO-8601 with offset, seconds precision.</li>
 *   <li>{@code logical_date}, {@code data_interval_start}, {@code data_interval_end}: dates in the DAG's zone. They
 *       render as ISO-8601 with offset, like {@code ts}, and support {@code .strftime('%Y')}, {@code .year} etc.</li>
 *   <li>{@code run_id}, {@code dag_id}, {@code task_id}, {@code try_number} (1-based), {@code map_index} (-1 when
 *       not mapped), {@code item} (only defined for mapped instances), {@code params}, {@code conf} (the trigger's
 *       payload, empty if none), {@code outputs}: task id to its parsed JSON output. Group members are reachable
 *       as {@code outputs['group.task']} and as {@code outputs.group.task}.</li>
 *   <li>{@code var} ({@code var.value.NAME}, {@code var.json.NAME}, {@code .get(NAME, default)}) and {@code conn}
 *       ({@code conn.ID.host}, ...): Airflow's variables and connections, looked up in {@link #secrets()} when used
 *       (see {@code SecretNamespaces}).</li>
 * </ul>
 */
public record TemplateContext(
        String dagId,
        String runId,
        String taskId,
        int tryNumber,
        int mapIndex,
        Object item,
        Instant logicalDate,
        Instant dataIntervalStart,
        Instant dataIntervalEnd,
        ZoneId zone,
        Map<String, Object> params,
        Map<String, Object> outputs,
        Map<String, Object> conf,
        dev.sluice.secrets.Secrets secrets) {

    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx");
    private static final DateTimeFormatter TS_NODASH = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss");
    /** The Java pattern that dates render with (see {@link #variables()}). */
    static final String DATE_RENDER_FORMAT = "yyyy-MM-dd'T'HH:mm:ssxxx";

    /** Every name {@link #variables()} can hold ({@code item} only for a mapped instance). */
    public static final java.util.List<String> NAMES = java.util.List.of("ds", "ds_nodash", "ts", "ts_nodash",
            "logical_date", "data_interval_start", "data_interval_end", "run_id", "dag_id", "task_id", "try_number",
            "map_index", "item", "params", "conf", "outputs", "var", "conn");

    public TemplateContext {
        Objects.requireNonNull(dagId, "dagId");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(logicalDate, "logicalDate");
        zone = zone == null ? ZoneOffset.UTC : zone;
        dataIntervalStart = dataIntervalStart == null ? logicalDate : dataIntervalStart;
        dataIntervalEnd = dataIntervalEnd == null ? dataIntervalStart : dataIntervalEnd;
        if (tryNumber < 1) {
            throw new IllegalArgumentException("tryNumber must be >= 1, got " + tryNumber);
        }
        if (mapIndex < -1) {
            throw new IllegalArgumentException("mapIndex must be >= -1 (-1 = not mapped), got " + mapIndex);
        }
        params = freeze(params);
        outputs = freeze(outputs);
        conf = freeze(conf);
        secrets = secrets == null ? dev.sluice.secrets.Secrets.NONE : secrets;
    }

    private static Map<String, Object> freeze(Map<String, Object> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True for an instance of a mapped ({@code expand}) task. */
    public boolean isMapped() {
        return mapIndex >= 0;
    }

    /** The logical date's day in the DAG zone, {@code 2024-01-01}. */
    public String ds() {
        return logicalDate.atZone(zone).toLocalDate().toString();
    }

    /** {@code 2024-01-01T02:00:00+01:00}. */
    public String ts() {
        return TS.format(logicalDate.truncatedTo(ChronoUnit.SECONDS).atZone(zone));
    }

    /**
     * The variables as a map, in the shapes templates see. Dates are Jinjava {@code PyishDate}s (so
     * {@code logical_date.strftime(...)} works) and are created by {@link TemplateRenderer}; here they are
     * {@link java.time.ZonedDateTime}s in the DAG zone.
     */
    public Map<String, Object> variables() {
        Map<String, Object> v = new LinkedHashMap<>();
        String ds = ds();
        v.put("ds", ds);
        v.put("ds_nodash", ds.replace("-", ""));
        v.put("ts", ts());
        v.put("ts_nodash", TS_NODASH.format(logicalDate.atZone(zone)));
        v.put("logical_date", logicalDate.atZone(zone));
        v.put("data_interval_start", dataIntervalStart.atZone(zone));
        v.put("data_interval_end", dataIntervalEnd.atZone(zone));
        v.put("run_id", runId);
        v.put("dag_id", dagId);
        if (taskId != null) {
            v.put("task_id", taskId);
        }
        v.put("try_number", tryNumber);
        v.put("map_index", mapIndex);
        if (isMapped()) {
            v.put("item", item);
        }
        v.put("params", params);
        v.put("conf", conf);
        v.put("outputs", nestGroups(outputs));
        v.put("var", SecretNamespaces.var(secrets));
        v.put("conn", SecretNamespaces.conn(secrets));
        return v;
    }

    /** Adds {@code outputs.group.task} next to {@code outputs['group.task']}, unless a name clashes. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> nestGroups(Map<String, Object> flat) {
        Map<String, Object> out = new LinkedHashMap<>(flat);
        for (Map.Entry<String, Object> e : flat.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            if (parts.length < 2) {
                continue;
            }
            Map<String, Object> cur = out;
            boolean ok = true;
            for (int i = 0; i < parts.length - 1 && ok; i++) {
                Object next = cur.get(parts[i]);
                if (next == null) {
                    next = new GroupOutputs();
                    cur.put(parts[i], next);
                } else if (!(next instanceof GroupOutputs)) {
                    ok = false;
                    continue;
                }
                cur = (Map<String, Object>) next;
            }
            if (ok) {
                cur.putIfAbsent(parts[parts.length - 1], e.getValue());
            }
        }
        return out;
    }

    /** Marker type for the nested maps made by {@link #nestGroups}, so user-provided maps are never modified. */
    static final class GroupOutputs extends LinkedHashMap<String, Object> {
        private static final long serialVersionUID = 1L;
    }

    /** Builder with defaults: try 1, not mapped, UTC, empty params/outputs/conf, interval = logical date. */
    public static final class Builder {
        private String dagId;
        private String runId;
        private String taskId;
        private int tryNumber = 1;
        private int mapIndex = -1;
        private Object item;
        private Instant logicalDate;
        private Instant dataIntervalStart;
        private Instant dataIntervalEnd;
        private ZoneId zone = ZoneOffset.UTC;
        private Map<String, Object> params = Map.of();
        private Map<String, Object> outputs = Map.of();
        private Map<String, Object> conf = Map.of();
        private dev.sluice.secrets.Secrets secrets = dev.sluice.secrets.Secrets.NONE;

        public Builder dagId(String v) { this.dagId = v; return this; }
        public Builder runId(String v) { this.runId = v; return this; }
        public Builder taskId(String v) { this.taskId = v; return this; }
        public Builder tryNumber(int v) { this.tryNumber = v; return this; }
        /** Index of a mapped instance; -1 (the default) for unmapped tasks. */
        public Builder mapIndex(int v) { this.mapIndex = v; return this; }
        /** The mapped item; only visible to templates when {@link #mapIndex} is >= 0. */
        public Builder item(Object v) { this.item = v; return this; }
        public Builder logicalDate(Instant v) { this.logicalDate = v; return this; }
        public Builder dataInterval(Instant start, Instant end) {
            this.dataIntervalStart = start;
            this.dataIntervalEnd = end;
            return this;
        }
        public Builder zone(ZoneId v) { this.zone = v; return this; }
        public Builder params(Map<String, Object> v) { this.params = v; return this; }
        /** Task id (group members as {@code group.task}) to its parsed JSON output. */
        public Builder outputs(Map<String, Object> v) { this.outputs = v; return this; }
        /** The trigger's payload (manual conf, SQS message body, S3 event fields). */
        public Builder conf(Map<String, Object> v) { this.conf = v; return this; }

        /** Where {@code var} and {@code conn} are looked up (default: nothing is set). */
        public Builder secrets(dev.sluice.secrets.Secrets v) { this.secrets = v; return this; }

        public TemplateContext build() {
            return new TemplateContext(dagId, runId, taskId, tryNumber, mapIndex, item, logicalDate,
                    dataIntervalStart, dataIntervalEnd, zone, params, outputs, conf, secrets);
        }
    }
}
