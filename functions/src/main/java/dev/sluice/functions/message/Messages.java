package dev.sluice.functions.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import dev.sluice.engine.Timer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The JSON of the coordinator queue's messages. Every message is an object with a {@code type}, except the
 * Lambda OnFailure destination record, which is recognised by its {@code requestContext} and {@code requestPayload}.
 *
 * <pre>
 * {"type":"completion","dagId":"d","dagVersion":"v","runId":"r","taskId":"t","mapIndex":-1,"tryNumber":1,
 *  "status":"success","output":{"rows":3}}
 *    status: success (output) | failed (error, retryable) | skipped (reason) | branch (chosen: [ids])
 *            | timed_out (reason) | rescheduled (until, reason)
 * {"type":"timer","dagId":..,"dagVersion":..,"runId":..,"taskId":..,"mapIndex":..,"tryNumber":..,
 *  "kind":"retry|reschedule|sla","fireAt":"2024-01-01T00:00:05Z"}
 * {"type":"watchdog","dagId":..,"dagVersion":..,"runId":..,"taskId":..,"mapIndex":..,"tryNumber":..}
 * {"type":"trigger","dagId":"d","conf":{...},"runId":"optional","logicalDate":"optional ISO instant"}
 * {"type":"continue","dagId":"d","dagVersion":"v","runId":"r"}
 * {"type":"clear","runId":"r","taskIds":["t"],"downstream":true}
 * {"version":"1.0","requestContext":{"condition":"RetriesExhausted",..},"requestPayload":{TaskInvocation},
 *  "responsePayload":{"errorMessage":..,"errorType":..}}
 * </pre>
 */
public final class Messages {
    private Messages() {
    }

    /** Reads one message body. Throws {@link MalformedMessageException} with the reason; never returns null. */
    public static CoordinatorMessage parse(String body) {
        if (body == null || body.isBlank()) {
            throw new MalformedMessageException("empty message body");
        }
        JsonNode n;
        try {
            n = Json.read(body);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("message body is not JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new MalformedMessageException("message body must be a JSON object");
        }
        if (n.has("requestContext") && n.has("requestPayload")) {
            return destinationRecord(n);
        }
        String type = text(n, "type");
        return switch (type) {
            case "completion" -> new CoordinatorMessage.Completion(taskRef(n), result(n));
            case "timer" -> new CoordinatorMessage.TimerDue(taskRef(n), timerKind(text(n, "kind")),
                    instant(n, "fireAt", true));
            case "watchdog" -> new CoordinatorMessage.Watchdog(taskRef(n));
            case "trigger" -> trigger(n);
            case "continue" -> new CoordinatorMessage.Continue(text(n, "dagId"), text(n, "dagVersion"),
                    text(n, "runId"));
            case "clear" -> clear(n);
            default -> throw new MalformedMessageException("unknown message type '" + type
                    + "' (expected completion, timer, watchdog, trigger, continue or clear)");
        };
    }

    public static String write(CoordinatorMessage m) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        if (m instanceof CoordinatorMessage.Completion c) {
            n.put("type", "completion");
            putRef(n, c.task());
            writeResult(n, c.result());
        } else if (m instanceof CoordinatorMessage.TimerDue t) {
            n.put("type", "timer");
            putRef(n, t.task());
            n.put("kind", t.kind().name().toLowerCase(Locale.ROOT));
            n.put("fireAt", t.fireAt().toString());
        } else if (m instanceof CoordinatorMessage.Watchdog w) {
            n.put("type", "watchdog");
            putRef(n, w.task());
        } else if (m instanceof CoordinatorMessage.Trigger t) {
            n.put("type", "trigger");
            n.put("dagId", t.dagId());
            n.set("conf", t.confJson() == null ? Json.MAPPER.createObjectNode() : Json.read(t.confJson()));
            if (t.runId() != null) {
                n.put("runId", t.runId());
            }
            if (t.logicalDate() != null) {
                n.put("logicalDate", t.logicalDate().toString());
            }
        } else if (m instanceof CoordinatorMessage.Clear c) {
            n.put("type", "clear");
            n.put("runId", c.runId());
            var arr = n.putArray("taskIds");
            c.taskIds().forEach(arr::add);
            n.put("downstream", c.downstream());
        } else if (m instanceof CoordinatorMessage.Continue c) {
            n.put("type", "continue");
            n.put("dagId", c.dagId());
            n.put("dagVersion", c.dagVersion());
            n.put("runId", c.runId());
        } else if (m instanceof CoordinatorMessage.InvokeFailed f) {
            // Written only by tests and `sluice dev`, standing in for Lambda's destination record.
            n.put("version", "1.0");
            ObjectNode ctx = n.putObject("requestContext");
            ctx.put("condition", f.condition());
            ctx.put("approximateInvokeCount", 1);
            ObjectNode payload = n.putObject("requestPayload");
            putRef(payload, f.task());
            ObjectNode response = n.putObject("responsePayload");
            response.put("errorMessage", f.error());
        }
        return n.toString();
    }

    static void putRef(ObjectNode n, TaskRef r) {
        n.put("dagId", r.dagId());
        n.put("dagVersion", r.dagVersion());
        n.put("runId", r.runId());
        n.put("taskId", r.taskId());
        n.put("mapIndex", r.mapIndex());
        n.put("tryNumber", r.tryNumber());
    }

    static TaskRef taskRef(JsonNode n) {
        int mapIndex = n.has("mapIndex") ? integer(n, "mapIndex") : -1;
        try {
            return new TaskRef(text(n, "dagId"), text(n, "dagVersion"), text(n, "runId"), text(n, "taskId"),
                    mapIndex, integer(n, "tryNumber"));
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException(e.getMessage());
        }
    }

    private static CoordinatorMessage destinationRecord(JsonNode n) {
        JsonNode payload = n.get("requestPayload");
        if (!payload.isObject() || !payload.has("runId") || !payload.has("taskId")) {
            throw new MalformedMessageException("destination record whose requestPayload is not a TaskInvocation");
        }
        String condition = n.path("requestContext").path("condition").asText("");
        JsonNode response = n.path("responsePayload");
        String error;
        if (response.has("errorMessage")) {
            error = (response.has("errorType") ? response.get("errorType").asText() + ": " : "")
                    + response.get("errorMessage").asText();
        } else {
            error = n.path("responseContext").path("functionError").asText("");
        }
        return new CoordinatorMessage.InvokeFailed(taskRef(payload), condition, error);
    }

    private static TaskResult result(JsonNode n) {
        String status = text(n, "status");
        return switch (status) {
            case "success" -> new TaskResult.Succeeded(n.hasNonNull("output") ? n.get("output").toString() : null);
            case "failed" -> new TaskResult.Failed(n.path("error").asText("failed"),
                    !n.has("retryable") || n.get("retryable").asBoolean(true));
            case "skipped" -> new TaskResult.Skipped(n.path("reason").asText(null));
            case "branch" -> {
                JsonNode chosen = n.get("chosen");
                if (chosen == null || !chosen.isArray()) {
                    throw new MalformedMessageException("branch completion without a 'chosen' array");
                }
                List<String> ids = new ArrayList<>();
                chosen.forEach(c -> ids.add(c.asText()));
                yield new TaskResult.Branched(ids);
            }
            case "timed_out" -> new TaskResult.TimedOut(n.path("reason").asText(null));
            case "rescheduled" -> new TaskResult.Rescheduled(instant(n, "until", false),
                    n.path("reason").asText(null));
            default -> throw new MalformedMessageException("unknown completion status '" + status
                    + "' (expected success, failed, skipped, branch, timed_out or rescheduled)");
        };
    }

    private static void writeResult(ObjectNode n, TaskResult r) {
        n.put("status", r.status());
        if (r instanceof TaskResult.Succeeded s) {
            if (s.outputJson() != null) {
                n.set("output", Json.read(s.outputJson()));
            }
        } else if (r instanceof TaskResult.Failed f) {
            n.put("error", f.error());
            n.put("retryable", f.retryable());
        } else if (r instanceof TaskResult.Skipped s) {
            n.put("reason", s.reason());
        } else if (r instanceof TaskResult.Branched b) {
            ArrayNode a = n.putArray("chosen");
            b.chosen().forEach(a::add);
        } else if (r instanceof TaskResult.TimedOut t) {
            n.put("reason", t.reason());
        } else if (r instanceof TaskResult.Rescheduled s) {
            if (s.until() != null) {
                n.put("until", s.until().toString());
            }
            n.put("reason", s.reason());
        }
    }

    private static CoordinatorMessage clear(JsonNode n) {
        JsonNode ids = n.get("taskIds");
        if (ids == null || !ids.isArray() || ids.isEmpty()) {
            throw new MalformedMessageException("clear needs a non-empty taskIds array");
        }
        java.util.List<String> list = new java.util.ArrayList<>();
        for (JsonNode id : ids) {
            if (!id.isTextual() || id.asText().isBlank()) {
                throw new MalformedMessageException("clear: taskIds must be task or group ids (strings)");
            }
            list.add(id.asText());
        }
        JsonNode down = n.get("downstream");
        if (down != null && !down.isBoolean()) {
            throw new MalformedMessageException("clear: downstream must be true or false");
        }
        return new CoordinatorMessage.Clear(text(n, "runId"), list, down != null && down.asBoolean());
    }

    private static CoordinatorMessage.Trigger trigger(JsonNode n) {
        JsonNode conf = n.get("conf");
        if (conf != null && !conf.isNull() && !conf.isObject()) {
            throw new MalformedMessageException("trigger 'conf' must be a JSON object");
        }
        String runId = n.hasNonNull("runId") ? n.get("runId").asText() : null;
        if (runId != null && !dev.sluice.schedule.RunIds.isValid(runId)) {
            throw new MalformedMessageException("trigger runId '" + runId + "' is not a valid run id (allowed: "
                    + dev.sluice.schedule.RunIds.VALID.pattern() + ")");
        }
        return new CoordinatorMessage.Trigger(text(n, "dagId"),
                conf == null || conf.isNull() ? null : conf.toString(), runId, instant(n, "logicalDate", false));
    }

    private static Timer.Kind timerKind(String s) {
        try {
            return Timer.Kind.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("unknown timer kind '" + s + "'");
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new MalformedMessageException("missing field '" + field + "'");
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new MalformedMessageException("field '" + field + "' must be a non-empty string");
        }
        return v.asText();
    }

    private static int integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new MalformedMessageException("field '" + field + "' must be an integer");
        }
        return v.asInt();
    }

    private static Instant instant(JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new MalformedMessageException("missing field '" + field + "'");
            }
            return null;
        }
        try {
            return Instant.parse(v.asText());
        } catch (DateTimeParseException e) {
            throw new MalformedMessageException("field '" + field + "' is not an ISO-8601 instant: " + v.asText());
        }
    }
}
