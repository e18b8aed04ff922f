package dev.sluice.functions.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import dev.sluice.model.RetryPolicy;
import dev.sluice.model.TaskKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The payload of a task function's asynchronous invocation: which try to run, with its retry metadata and
 * everything the task may read. The coordinator writes it; the task runtime reads it; Lambda echoes it as the
 * {@code requestPayload} of the OnFailure destination record, which is how a crash is tied back to its try.
 * Build one by name with {@link #builder()}.
 *
 * <pre>{@code
 * {"dagId":"d","dagVersion":"3f1c..","runId":"manual__2024-01-01T00:00:00Z","taskId":"load","mapIndex":-1,
 *  "tryNumber":1,"maxTries":3,"retry":{"kind":"airflow","retries":2,"retryDelay":"PT1S",..},
 *  "nextRetryDelaySeconds":1,"deadline":"...","logicalDate":"...","dataIntervalStart":"...",
 *  "dataIntervalEnd":"...","ds":"2024-01-01","params":{..},"upstreamOutputs":{"extract":{..}},"item":null,
 *  "kind":"handler","handler":"com.example.Load","dispatchedAt":"..."}
 * }</pre>
 * Upstream outputs that were offloaded stay references ({@code {"$ref":"s3://.."}}); the runtime loads them.
 *
 * @param kind what to run: the handler class, the rendered command script, or the function name (never empty)
 * @param commandValues for a command: the template values its script references ({@code SLUICE_V_1} -> value),
 *                      set in the command's environment; never part of the script text
 */
public record TaskInvocation(TaskRef task, Retry retry, Dates dates, Inputs inputs, TaskKind kind,
                             Map<String, String> commandValues, Instant dispatchedAt) {
    public TaskInvocation {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(dates, "dates");
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(kind, "kind");
        commandValues = commandValues == null ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(commandValues));
        if (kind instanceof TaskKind.Empty) {
            throw new IllegalArgumentException("empty tasks are not invoked");
        }
    }

    /**
     * @param policyJson the retry policy as {@link #retryJson(RetryPolicy)} writes it, or null
     * @param deadline   when the try must have ended (execution_timeout), or null
     */
    public record Retry(int maxTries, String policyJson, Long nextRetryDelaySeconds, Instant deadline) {
    }

    /** The run's dates as the task sees them; {@code ds} is the logical date's day in the DAG's zone. */
    public record Dates(Instant logicalDate, Instant dataIntervalStart, Instant dataIntervalEnd, String ds) {
        public Dates {
            Objects.requireNonNull(logicalDate, "logicalDate");
        }
    }

    /**
     * @param paramsJson          a JSON object: DAG params, overlaid by task params, overlaid by the run's conf
     * @param upstreamOutputsJson a JSON object: direct upstream task id -> output (or one S3 reference to it)
     * @param itemJson            the mapped item, or null for an unmapped task
     * @param confJson            the run's conf, or null
     */
    public record Inputs(String paramsJson, String upstreamOutputsJson, String itemJson, String confJson) {
        public Inputs {
            paramsJson = paramsJson == null ? "{}" : paramsJson;
            upstreamOutputsJson = upstreamOutputsJson == null ? "{}" : upstreamOutputsJson;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A copy whose upstream outputs are {@code json} (an S3 reference when they are too large to send inline). */
    public TaskInvocation withUpstreamOutputsJson(String json) {
        return new TaskInvocation(task, retry, dates,
                new Inputs(inputs.paramsJson(), json, inputs.itemJson(), inputs.confJson()), kind, commandValues,
                dispatchedAt);
    }

    /** A copy with the given command values. */
    public TaskInvocation withCommandValues(Map<String, String> values) {
        return new TaskInvocation(task, retry, dates, inputs, kind, values, dispatchedAt);
    }

    // Shorthands for the fields the task runtime reads most.

    public int maxTries() {
        return retry.maxTries();
    }

    public String retryJson() {
        return retry.policyJson();
    }

    public Long nextRetryDelaySeconds() {
        return retry.nextRetryDelaySeconds();
    }

    public Instant deadline() {
        return retry.deadline();
    }

    public Instant logicalDate() {
        return dates.logicalDate();
    }

    public Instant dataIntervalStart() {
        return dates.dataIntervalStart();
    }

    public Instant dataIntervalEnd() {
        return dates.dataIntervalEnd();
    }

    public String ds() {
        return dates.ds();
    }

    public String paramsJson() {
        return inputs.paramsJson();
    }

    public String upstreamOutputsJson() {
        return inputs.upstreamOutputsJson();
    }

    public String itemJson() {
        return inputs.itemJson();
    }

    public String confJson() {
        return inputs.confJson();
    }

    /** The kind's word on the wire and in logs: handler, command or function. */
    public String kindName() {
        return kind.fieldName();
    }

    /** The handler class, the rendered command, or the function name, by kind. */
    public String target() {
        if (kind instanceof TaskKind.Handler h) {
            return h.className();
        } else if (kind instanceof TaskKind.Command c) {
            return c.command();
        }
        return ((TaskKind.Function) kind).function();
    }

    public static String retryJson(RetryPolicy p) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        if (p instanceof RetryPolicy.Airflow a) {
            n.put("kind", "airflow");
            n.put("retries", a.retries());
            n.put("retryDelay", a.retryDelay().toString());
            n.put("exponentialBackoff", a.exponentialBackoff());
            if (a.maxRetryDelay() != null) {
                n.put("maxRetryDelay", a.maxRetryDelay().toString());
            }
        } else if (p instanceof RetryPolicy.StepFunctions s) {
            n.put("kind", "step_functions");
            n.put("retries", s.retries());
            n.put("interval", s.interval().toString());
            n.put("backoffRate", s.backoffRate());
            if (s.maxDelay() != null) {
                n.put("maxDelay", s.maxDelay().toString());
            }
            n.put("fullJitter", s.fullJitter());
        }
        return n.toString();
    }

    public static Long seconds(Duration d) {
        return d == null ? null : d.toSeconds();
    }

    public String toJson() {
        ObjectNode n = Json.MAPPER.createObjectNode();
        Messages.putRef(n, task);
        n.put("maxTries", retry.maxTries());
        if (retry.policyJson() != null) {
            n.set("retry", Json.read(retry.policyJson()));
        }
        if (retry.nextRetryDelaySeconds() != null) {
            n.put("nextRetryDelaySeconds", retry.nextRetryDelaySeconds());
        }
        putInstant(n, "deadline", retry.deadline());
        putInstant(n, "logicalDate", dates.logicalDate());
        putInstant(n, "dataIntervalStart", dates.dataIntervalStart());
        putInstant(n, "dataIntervalEnd", dates.dataIntervalEnd());
        if (dates.ds() != null) {
            n.put("ds", dates.ds());
        }
        n.set("params", Json.read(inputs.paramsJson()));
        n.set("upstreamOutputs", Json.read(inputs.upstreamOutputsJson()));
        if (inputs.itemJson() != null) {
            n.set("item", Json.read(inputs.itemJson()));
        }
        if (inputs.confJson() != null) {
            n.set("conf", Json.read(inputs.confJson()));
        }
        n.put("kind", kindName());
        n.put(kindName(), target());
        if (!commandValues.isEmpty()) {
            ObjectNode values = n.putObject("commandValues");
            commandValues.forEach(values::put);
        }
        putInstant(n, "dispatchedAt", dispatchedAt);
        return n.toString();
    }

    /** Reads an invocation; throws {@link MalformedMessageException} naming what is wrong. */
    public static TaskInvocation parse(String json) {
        JsonNode n;
        try {
            n = Json.read(json);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("invocation is not JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new MalformedMessageException("invocation must be a JSON object");
        }
        TaskRef ref = Messages.taskRef(n);
        TaskKind kind = kind(n);
        Instant logical = instant(n, "logicalDate");
        if (logical == null) {
            throw new MalformedMessageException("invocation without 'logicalDate'");
        }
        return builder().task(ref).kind(kind)
                .maxTries(n.path("maxTries").asInt(1)).retryJson(node(n, "retry"))
                .nextRetryDelaySeconds(n.hasNonNull("nextRetryDelaySeconds")
                        ? n.get("nextRetryDelaySeconds").asLong() : null)
                .deadline(instant(n, "deadline"))
                .logicalDate(logical).dataInterval(instant(n, "dataIntervalStart"), instant(n, "dataIntervalEnd"))
                .ds(n.hasNonNull("ds") ? n.get("ds").asText() : null)
                .paramsJson(node(n, "params")).upstreamOutputsJson(node(n, "upstreamOutputs"))
                .itemJson(node(n, "item")).confJson(node(n, "conf"))
                .commandValues(commandValues(n))
                .dispatchedAt(instant(n, "dispatchedAt"))
                .build();
    }

    private static Map<String, String> commandValues(JsonNode n) {
        JsonNode values = n.path("commandValues");
        if (values.isMissingNode() || values.isNull()) {
            return Map.of();
        }
        if (!values.isObject()) {
            throw new MalformedMessageException("invocation 'commandValues' must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        values.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new MalformedMessageException("invocation 'commandValues." + e.getKey() + "' is not a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }

    private static TaskKind kind(JsonNode n) {
        String kind = n.path("kind").asText("");
        if (!kind.equals("handler") && !kind.equals("command") && !kind.equals("function")) {
            throw new MalformedMessageException("invocation 'kind' must be handler, command or function, got '"
                    + kind + "'");
        }
        JsonNode target = n.get(kind);
        if (target == null || !target.isTextual()) {
            throw new MalformedMessageException("invocation of kind '" + kind + "' without a '" + kind + "' string");
        }
        return switch (kind) {
            case "handler" -> new TaskKind.Handler(target.asText());
            case "command" -> new TaskKind.Command(target.asText());
            default -> new TaskKind.Function(target.asText());
        };
    }

    private static String node(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).toString() : null;
    }

    private static void putInstant(ObjectNode n, String field, Instant t) {
        if (t != null) {
            n.put(field, t.toString());
        }
    }

    private static Instant instant(JsonNode n, String field) {
        if (!n.hasNonNull(field)) {
            return null;
        }
        try {
            return Instant.parse(n.get(field).asText());
        } catch (java.time.format.DateTimeParseException e) {
            throw new MalformedMessageException("invocation field '" + field + "' is not an ISO-8601 instant");
        }
    }

    /** Builds an invocation by name. Defaults: one try, no retry policy, no deadline, no inputs. */
    public static final class Builder {
        private TaskRef task;
        private TaskKind kind;
        private int maxTries = 1;
        private String retryJson;
        private Long nextRetryDelaySeconds;
        private Instant deadline;
        private Instant logicalDate;
        private Instant dataIntervalStart;
        private Instant dataIntervalEnd;
        private String ds;
        private String paramsJson;
        private String upstreamOutputsJson;
        private String itemJson;
        private String confJson;
        private Map<String, String> commandValues;
        private Instant dispatchedAt;

        private Builder() {
        }

        public Builder task(TaskRef v) { this.task = v; return this; }
        public Builder kind(TaskKind v) { this.kind = v; return this; }
        public Builder maxTries(int v) { this.maxTries = v; return this; }
        public Builder retryJson(String v) { this.retryJson = v; return this; }
        public Builder nextRetryDelaySeconds(Long v) { this.nextRetryDelaySeconds = v; return this; }
        public Builder deadline(Instant v) { this.deadline = v; return this; }
        public Builder logicalDate(Instant v) { this.logicalDate = v; return this; }
        public Builder dataInterval(Instant start, Instant end) {
            this.dataIntervalStart = start;
            this.dataIntervalEnd = end;
            return this;
        }
        public Builder ds(String v) { this.ds = v; return this; }
        public Builder paramsJson(String v) { this.paramsJson = v; return this; }
        public Builder upstreamOutputsJson(String v) { this.upstreamOutputsJson = v; return this; }
        public Builder itemJson(String v) { this.itemJson = v; return this; }
        public Builder confJson(String v) { this.confJson = v; return this; }
        public Builder commandValues(Map<String, String> v) { this.commandValues = v; return this; }
        public Builder dispatchedAt(Instant v) { this.dispatchedAt = v; return this; }

        public TaskInvocation build() {
            return new TaskInvocation(task, new Retry(maxTries, retryJson, nextRetryDelaySeconds, deadline),
                    new Dates(logicalDate, dataIntervalStart, dataIntervalEnd, ds),
                    new Inputs(paramsJson, upstreamOutputsJson, itemJson, confJson), kind, commandValues,
                    dispatchedAt);
        }
    }
}
