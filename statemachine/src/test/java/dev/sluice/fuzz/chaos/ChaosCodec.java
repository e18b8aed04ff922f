package dev.sluice.fuzz.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Event;
import dev.sluice.engine.RunType;
import dev.sluice.engine.TaskKey;
import dev.sluice.engine.Timer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The harness's queue messages: JSON bodies, parsed strictly, so a poison body is recognised and reported. The shape
 * mirrors the coordinator's queue (completions, OnFailure records, timers, continuations, run requests).
 */
final class ChaosCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A parsed message: the run it is about, the event, and the stored timer to delete once it was applied. */
    record Parsed(String runId, Event event, Timer timer) {
    }

    /** A body that cannot be parsed: the queue reports it as a failed batch item until it goes to the DLQ. */
    static final class Poison extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Poison(String message) {
            super(message);
        }
    }

    private ChaosCodec() {
    }

    static String runRequested(String runId) {
        return obj("run", runId).toString();
    }

    static String tick(String runId) {
        return obj("tick", runId).toString();
    }

    static String timer(Timer t) {
        ObjectNode o = task(obj("timer", t.runId()), t.task(), t.tryNumber());
        o.put("kind", t.kind().name()).put("fireAt", t.fireAt().toString());
        return o.toString();
    }

    static String invokeFailed(String runId, TaskKey k, int tryNumber, String condition) {
        return task(obj("invokeFailed", runId), k, tryNumber).put("condition", condition).toString();
    }

    static String taskEvent(String runId, Event.TaskEvent e) {
        ObjectNode o = task(obj("task", runId), e.task(), e.tryNumber());
        if (e instanceof Event.TaskSucceeded s) {
            o.put("result", "succeeded").put("output", s.outputJson());
        } else if (e instanceof Event.TaskFailed f) {
            o.put("result", "failed").put("error", f.error()).put("retryable", f.retryable());
        } else if (e instanceof Event.TaskSkipped s) {
            o.put("result", "skipped").put("reason", s.reason());
        } else if (e instanceof Event.BranchChosen b) {
            ArrayNode a = o.put("result", "branch").putArray("chosen");
            b.chosen().forEach(a::add);
        } else if (e instanceof Event.TaskTimedOut t) {
            o.put("result", "timedOut").put("reason", t.reason());
        } else {
            throw new IllegalArgumentException("not a queue event: " + e);
        }
        return o.toString();
    }

    static Parsed parse(String body) {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (Exception e) {
            throw new Poison("not JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new Poison("not a JSON object");
        }
        String type = text(n, "type");
        String runId = text(n, "runId");
        switch (type) {
            case "run" -> {
                return new Parsed(runId, new Event.RunRequested(runId, RunType.MANUAL, ChaosWorkload.START,
                        ChaosWorkload.START, ChaosWorkload.START, null, "v1"), null);
            }
            case "tick" -> {
                return new Parsed(runId, new Event.Tick(), null);
            }
            case "timer" -> {
                TaskKey k = key(n);
                int tryNumber = integer(n, "try");
                Timer.Kind kind;
                Instant fireAt;
                try {
                    kind = Timer.Kind.valueOf(text(n, "kind"));
                    fireAt = Instant.parse(text(n, "fireAt"));
                } catch (RuntimeException e) {
                    throw new Poison("bad timer: " + e.getMessage());
                }
                return new Parsed(runId, new Event.TimerFired(k, tryNumber, kind),
                        new Timer(runId, k, tryNumber, fireAt, kind));
            }
            case "invokeFailed" -> {
                return new Parsed(runId, new Event.TaskFailed(key(n), integer(n, "try"), "the task function failed ("
                        + text(n, "condition") + ")", true), null);
            }
            case "task" -> {
                TaskKey k = key(n);
                int t = integer(n, "try");
                Event e = switch (text(n, "result")) {
                    case "succeeded" -> new Event.TaskSucceeded(k, t, n.path("output").isNull() ? null
                            : text(n, "output"));
                    case "failed" -> new Event.TaskFailed(k, t, text(n, "error"), bool(n, "retryable"));
                    case "skipped" -> new Event.TaskSkipped(k, t, text(n, "reason"));
                    case "timedOut" -> new Event.TaskTimedOut(k, t, text(n, "reason"));
                    case "branch" -> {
                        List<String> chosen = new ArrayList<>();
                        JsonNode a = n.get("chosen");
                        if (a == null || !a.isArray()) {
                            throw new Poison("branch result without a chosen list");
                        }
                        a.forEach(c -> chosen.add(c.asText()));
                        yield new Event.BranchChosen(k, t, chosen);
                    }
                    default -> throw new Poison("unknown result " + n.get("result"));
                };
                return new Parsed(runId, e, null);
            }
            default -> throw new Poison("unknown message type '" + type + "'");
        }
    }

    /** Bodies a real queue sees now and then: truncated, foreign, or of a type nobody sends. */
    static List<String> poison() {
        return List.of("{\"type\":\"task\",\"runId\":\"chaos_0\",", "not json at all", "[1,2,3]", "null",
                "{\"type\":\"self-destruct\",\"runId\":\"chaos_0\"}", "{\"type\":\"task\",\"runId\":\"chaos_0\"}",
                "{\"type\":\"task\",\"runId\":\"chaos_0\",\"taskId\":\"t0\",\"mapIndex\":-1,\"try\":\"one\","
                        + "\"result\":\"succeeded\"}",
                "{\"type\":\"timer\",\"runId\":\"chaos_0\",\"taskId\":\"t0\",\"mapIndex\":-1,\"try\":1,"
                        + "\"kind\":\"NAP\",\"fireAt\":\"yesterday\"}",
                "{\"Records\":[{\"eventSource\":\"aws:s3\"}]}", "\u0000\u0001\u0002");
    }

    private static ObjectNode obj(String type, String runId) {
        return JSON.createObjectNode().put("type", type).put("runId", runId);
    }

    private static ObjectNode task(ObjectNode o, TaskKey k, int tryNumber) {
        return o.put("taskId", k.taskId()).put("mapIndex", k.mapIndex()).put("try", tryNumber);
    }

    private static TaskKey key(JsonNode n) {
        try {
            return new TaskKey(text(n, "taskId"), integer(n, "mapIndex"));
        } catch (IllegalArgumentException e) {
            throw new Poison("bad task key: " + e.getMessage());
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new Poison("missing or non-text field '" + field + "'");
        }
        return v.asText();
    }

    private static int integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new Poison("missing or non-integer field '" + field + "'");
        }
        return v.asInt();
    }

    private static boolean bool(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isBoolean()) {
            throw new Poison("missing or non-boolean field '" + field + "'");
        }
        return v.asBoolean();
    }
}
