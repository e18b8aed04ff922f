package dev.sluice.functions.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import dev.sluice.model.RetryPolicy;
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
 * @param kind    handler, command or function
 * @param target  the handler class, the rendered command script, or the function name, by kind
 * @param commandValues for a command: the template values its script references ({@code SLUICE_V_1} -> value),
 *                      set in the command's environment; never part of the script text
 * @param paramsJson          a JSON object: DAG params, overlaid by task params, overlaid by the run's conf
 * @param upstreamOutputsJson a JSON object: direct upstream task id -> output
 */
public record TaskInvocation(TaskRef task, int maxTries, String retryJson, Long nextRetryDelaySeconds,
                             Instant deadline, Instant logicalDate, Instant dataIntervalStart,
                             Instant dataIntervalEnd, String ds, String paramsJson, String upstreamOutputsJson,
                             String itemJson, String confJson, String kind, String target, Instant dispatchedAt,
                             Map<String, String> commandValues) {
    public TaskInvocation {
        commandValues = commandValues == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(commandValues));
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(logicalDate, "logicalDate");
        paramsJson = paramsJson == null ? "{}" : paramsJson;
        upstreamOutputsJson = upstreamOutputsJson == null ? "{}" : upstreamOutputsJson;
    }

    /** An invocation without command values. */
    public TaskInvocation(TaskRef task, int maxTries, String retryJson, Long nextRetryDelaySeconds,
                          Instant deadline, Instant logicalDate, Instant dataIntervalStart,
                          Instant dataIntervalEnd, String ds, String paramsJson, String upstreamOutputsJson,
                          String itemJson, String confJson, String kind, String target, Instant dispatchedAt) {
        this(task, maxTries, retryJson, nextRetryDelaySeconds, deadline, logicalDate, dataIntervalStart,
                dataIntervalEnd, ds, paramsJson, upstreamOutputsJson, itemJson, confJson, kind, target, dispatchedAt,
                Map.of());
    }

    /** A copy with the given command values. */
    public TaskInvocation withCommandValues(Map<String, String> values) {
        return new TaskInvocation(task, maxTries, retryJson, nextRetryDelaySeconds, deadline, logicalDate,
                dataIntervalStart, dataIntervalEnd, ds, paramsJson, upstreamOutputsJson, itemJson, confJson, kind,
                target, dispatchedAt, values);
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
        n.put("maxTries", maxTries);
        if (retryJson != null) {
            n.set("retry", Json.read(retryJson));
        }
        if (nextRetryDelaySeconds != null) {
            n.put("nextRetryDelaySeconds", nextRetryDelaySeconds);
        }
        putInstant(n, "deadline", deadline);
        putInstant(n, "logicalDate", logicalDate);
        putInstant(n, "dataIntervalStart", dataIntervalStart);
        putInstant(n, "dataIntervalEnd", dataIntervalEnd);
        if (ds != null) {
            n.put("ds", ds);
        }
        n.set("params", Json.read(paramsJson));
        n.set("upstreamOutputs", Json.read(upstreamOutputsJson));
        if (itemJson != null) {
            n.set("item", Json.read(itemJson));
        }
        if (confJson != null) {
            n.set("conf", Json.read(confJson));
        }
        n.put("kind", kind);
        if (target != null) {
            n.put(kind, target);
        }
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
        String kind = n.path("kind").asText("");
        if (!kind.equals("handler") && !kind.equals("command") && !kind.equals("function")) {
            throw new MalformedMessageException("invocation 'kind' must be handler, command or function, got '"
                    + kind + "'");
        }
        Instant logical = instant(n, "logicalDate");
        if (logical == null) {
            throw new MalformedMessageException("invocation without 'logicalDate'");
        }
        return new TaskInvocation(ref, n.path("maxTries").asInt(1), node(n, "retry"),
                n.hasNonNull("nextRetryDelaySeconds") ? n.get("nextRetryDelaySeconds").asLong() : null,
                instant(n, "deadline"), logical, instant(n, "dataIntervalStart"), instant(n, "dataIntervalEnd"),
                n.hasNonNull("ds") ? n.get("ds").asText() : null, node(n, "params"), node(n, "upstreamOutputs"),
                node(n, "item"), node(n, "conf"), kind, n.hasNonNull(kind) ? n.get(kind).asText() : null,
                instant(n, "dispatchedAt"), commandValues(n));
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
}
