package dev.sluice.functions.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import dev.sluice.engine.Timer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

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
 * {"type":"tick","phase":"dags|timers|overdue","fromDagId":"optional, dags phase only"}
 * {"type":"clear","runId":"r","taskIds":["t"],"downstream":true}   (and "latestVersion":true to move the run)
 * {"type":"mark","runId":"r","taskIds":["t"],"state":"success"}     (taskIds [] marks the run)
 * {"type":"effects","dagId":"d","dagVersion":"v","runId":"r","keys":["r|t|-1|1|execute"]}
 * {"version":"1.0","requestContext":{"condition":"RetriesExhausted",..},"requestPayload":{TaskInvocation},
 *  "responsePayload":{"errorMessage":..,"errorType":..}}
 * </pre>
 *
 * <p>The wire forms are listed once, in {@code MESSAGES} and {@code RESULTS}: reading and writing both go through
 * that list, an unknown {@code type} or {@code status} fails to read, and a record of the sealed hierarchies without
 * an entry fails this class's loading (so it can never be written as something else). The list is hand-written
 * rather than Jackson polymorphism because the shapes are not Jackson's (the task reference is flattened, the
 * destination record is Lambda's) and each malformed field gets its own message.
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
        Entry<?> e = BY_TYPE.get(type);
        if (e == null) {
            throw new MalformedMessageException("unknown message type '" + type + "' (expected "
                    + words(BY_TYPE.keySet()) + ")");
        }
        return (CoordinatorMessage) e.read().apply(n);
    }

    /** Writes a message; a message type without a wire form throws (it is never written as something else). */
    public static String write(CoordinatorMessage m) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        entry(BY_CLASS, m).writeTo(n, m);
        return n.toString();
    }

    // ---------------------------------------------------------------- the one list of message types

    /**
     * One wire form: the word that names it under {@code key} ({@code type} for a message, {@code status} for a
     * completion's result; null for the destination record, which is recognised by its shape), the record it stands
     * for, and how to read and write its other fields. Writing puts the word first.
     */
    private record Entry<M>(String key, String word, Class<M> recordClass, Function<JsonNode, ? extends M> read,
                            BiConsumer<ObjectNode, M> write) {
        static <M extends CoordinatorMessage> Entry<M> message(String word, Class<M> c,
                                                               Function<JsonNode, ? extends M> read,
                                                               BiConsumer<ObjectNode, M> write) {
            return new Entry<>("type", word, c, read, write);
        }

        static <M extends TaskResult> Entry<M> result(String word, Class<M> c, Function<JsonNode, ? extends M> read,
                                                      BiConsumer<ObjectNode, M> write) {
            return new Entry<>("status", word, c, read, write);
        }

        void writeTo(ObjectNode n, Object m) {
            if (word != null) {
                n.put(key, word);
            }
            write.accept(n, recordClass.cast(m));
        }
    }

    private static final List<Entry<? extends CoordinatorMessage>> MESSAGES = List.of(
            Entry.message("completion", CoordinatorMessage.Completion.class,
                    n -> new CoordinatorMessage.Completion(taskRef(n), result(n)),
                    (n, c) -> {
                        putRef(n, c.task());
                        writeResult(n, c.result());
                    }),
            Entry.message("timer", CoordinatorMessage.TimerDue.class,
                    n -> new CoordinatorMessage.TimerDue(taskRef(n), timerKind(text(n, "kind")),
                            instant(n, "fireAt", true)),
                    (n, t) -> {
                        putRef(n, t.task());
                        n.put("kind", t.kind().name().toLowerCase(Locale.ROOT));
                        n.put("fireAt", t.fireAt().toString());
                    }),
            Entry.message("watchdog", CoordinatorMessage.Watchdog.class,
                    n -> new CoordinatorMessage.Watchdog(taskRef(n)),
                    (n, w) -> putRef(n, w.task())),
            Entry.message("trigger", CoordinatorMessage.Trigger.class, Messages::trigger,
                    (n, t) -> {
                        n.put("dagId", t.dagId());
                        n.set("conf", t.confJson() == null ? Json.MAPPER.createObjectNode()
                                : Json.read(t.confJson()));
                        if (t.runId() != null) {
                            n.put("runId", t.runId());
                        }
                        if (t.logicalDate() != null) {
                            n.put("logicalDate", t.logicalDate().toString());
                        }
                    }),
            Entry.message("continue", CoordinatorMessage.Continue.class,
                    n -> new CoordinatorMessage.Continue(text(n, "dagId"), text(n, "dagVersion"), text(n, "runId")),
                    (n, c) -> {
                        n.put("dagId", c.dagId());
                        n.put("dagVersion", c.dagVersion());
                        n.put("runId", c.runId());
                    }),
            Entry.message("tick", CoordinatorMessage.Tick.class, Messages::tick,
                    (n, t) -> {
                        n.put("phase", t.phase().name().toLowerCase(Locale.ROOT));
                        if (t.fromDagId() != null) {
                            n.put("fromDagId", t.fromDagId());
                        }
                    }),
            Entry.message("clear", CoordinatorMessage.Clear.class, Messages::clear,
                    (n, c) -> {
                        n.put("runId", c.runId());
                        var arr = n.putArray("taskIds");
                        c.taskIds().forEach(arr::add);
                        n.put("downstream", c.downstream());
                        if (c.latestVersion()) {
                            n.put("latestVersion", true);
                        }
                    }),
            Entry.message("mark", CoordinatorMessage.Mark.class, Messages::mark,
                    (n, c) -> {
                        n.put("runId", c.runId());
                        var arr = n.putArray("taskIds");
                        c.taskIds().forEach(arr::add);
                        n.put("state", c.state());
                    }),
            Entry.message("effects", CoordinatorMessage.RunEffects.class, Messages::runEffects,
                    (n, e) -> {
                        n.put("dagId", e.dagId());
                        n.put("dagVersion", e.dagVersion());
                        n.put("runId", e.runId());
                        var arr = n.putArray("keys");
                        e.keys().forEach(arr::add);
                    }),
            // Lambda writes this one; Sluice writes it only in tests and `sluice dev`, standing in for Lambda.
            Entry.message(null, CoordinatorMessage.InvokeFailed.class, Messages::destinationRecord,
                    (n, f) -> {
                        n.put("version", "1.0");
                        ObjectNode ctx = n.putObject("requestContext");
                        ctx.put("condition", f.condition());
                        ctx.put("approximateInvokeCount", 1);
                        ObjectNode payload = n.putObject("requestPayload");
                        putRef(payload, f.task());
                        ObjectNode response = n.putObject("responsePayload");
                        response.put("errorMessage", f.error());
                    }));

    private static final List<Entry<? extends TaskResult>> RESULTS = List.of(
            Entry.result("success", TaskResult.Succeeded.class,
                    n -> new TaskResult.Succeeded(n.hasNonNull("output") ? n.get("output").toString() : null),
                    (n, s) -> {
                        if (s.outputJson() != null) {
                            n.set("output", Json.read(s.outputJson()));
                        }
                    }),
            Entry.result("failed", TaskResult.Failed.class,
                    n -> new TaskResult.Failed(n.path("error").asText("failed"),
                            !n.has("retryable") || n.get("retryable").asBoolean(true)),
                    (n, f) -> {
                        n.put("error", f.error());
                        n.put("retryable", f.retryable());
                    }),
            Entry.result("skipped", TaskResult.Skipped.class,
                    n -> new TaskResult.Skipped(n.path("reason").asText(null)),
                    (n, s) -> n.put("reason", s.reason())),
            Entry.result("branch", TaskResult.Branched.class, Messages::branched,
                    (n, b) -> {
                        ArrayNode a = n.putArray("chosen");
                        b.chosen().forEach(a::add);
                    }),
            Entry.result("timed_out", TaskResult.TimedOut.class,
                    n -> new TaskResult.TimedOut(n.path("reason").asText(null)),
                    (n, t) -> n.put("reason", t.reason())),
            Entry.result("rescheduled", TaskResult.Rescheduled.class,
                    n -> new TaskResult.Rescheduled(instant(n, "until", false), n.path("reason").asText(null)),
                    (n, s) -> {
                        if (s.until() != null) {
                            n.put("until", s.until().toString());
                        }
                        n.put("reason", s.reason());
                    }));

    private static final Map<String, Entry<?>> BY_TYPE = byWord(MESSAGES);
    private static final Map<Class<?>, Entry<?>> BY_CLASS = byClass(MESSAGES, CoordinatorMessage.class);
    private static final Map<String, Entry<?>> RESULT_BY_WORD = byWord(RESULTS);
    private static final Map<Class<?>, Entry<?>> RESULT_BY_CLASS = byClass(RESULTS, TaskResult.class);

    private static Map<String, Entry<?>> byWord(List<? extends Entry<?>> entries) {
        Map<String, Entry<?>> m = new LinkedHashMap<>();
        entries.stream().filter(e -> e.word() != null).forEach(e -> m.put(e.word(), e));
        return m;
    }

    /** Fails the class's loading when a record of the sealed hierarchy has no wire form: loud, at start-up. */
    private static Map<Class<?>, Entry<?>> byClass(List<? extends Entry<?>> entries, Class<?> sealed) {
        Map<Class<?>, Entry<?>> m = new LinkedHashMap<>();
        entries.forEach(e -> m.put(e.recordClass(), e));
        for (Class<?> c : sealed.getPermittedSubclasses()) {
            if (!m.containsKey(c)) {
                throw new IllegalStateException(c.getName() + " has no wire form in Messages");
            }
        }
        return m;
    }

    private static void writeResult(ObjectNode n, TaskResult r) {
        entry(RESULT_BY_CLASS, r).writeTo(n, r);
    }

    private static Entry<?> entry(Map<Class<?>, Entry<?>> byClass, Object m) {
        Entry<?> e = byClass.get(m.getClass());
        if (e == null) {
            throw new IllegalArgumentException("no wire form for " + m.getClass().getName());
        }
        return e;
    }

    /** "a, b or c". */
    private static String words(java.util.Collection<String> words) {
        List<String> w = new ArrayList<>(words);
        return w.size() == 1 ? w.get(0)
                : String.join(", ", w.subList(0, w.size() - 1)) + " or " + w.get(w.size() - 1);
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

    private static CoordinatorMessage.InvokeFailed destinationRecord(JsonNode n) {
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
        Entry<?> e = RESULT_BY_WORD.get(status);
        if (e == null) {
            throw new MalformedMessageException("unknown completion status '" + status + "' (expected "
                    + words(RESULT_BY_WORD.keySet()) + ")");
        }
        return (TaskResult) e.read().apply(n);
    }

    private static TaskResult.Branched branched(JsonNode n) {
        JsonNode chosen = n.get("chosen");
        if (chosen == null || !chosen.isArray()) {
            throw new MalformedMessageException("branch completion without a 'chosen' array");
        }
        List<String> ids = new ArrayList<>();
        chosen.forEach(c -> ids.add(c.asText()));
        return new TaskResult.Branched(ids);
    }

    private static CoordinatorMessage.Clear clear(JsonNode n) {
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
        JsonNode latest = n.get("latestVersion");
        if (latest != null && !latest.isBoolean()) {
            throw new MalformedMessageException("clear: latestVersion must be true or false");
        }
        return new CoordinatorMessage.Clear(text(n, "runId"), list, down != null && down.asBoolean(),
                latest != null && latest.asBoolean());
    }

    private static CoordinatorMessage.Mark mark(JsonNode n) {
        JsonNode ids = n.get("taskIds");
        if (ids == null || !ids.isArray()) {
            throw new MalformedMessageException("mark needs a taskIds array (empty: mark the run)");
        }
        java.util.List<String> list = new java.util.ArrayList<>();
        for (JsonNode id : ids) {
            if (!id.isTextual() || id.asText().isBlank()) {
                throw new MalformedMessageException("mark: taskIds must be task or group ids (strings)");
            }
            list.add(id.asText());
        }
        String state = text(n, "state");
        java.util.Set<String> allowed = list.isEmpty() ? java.util.Set.of("success", "failed")
                : java.util.Set.of("success", "failed", "skipped");
        if (!allowed.contains(state)) {
            throw new MalformedMessageException("mark: state must be one of " + new java.util.TreeSet<>(allowed)
                    + ", got '" + state + "'");
        }
        return new CoordinatorMessage.Mark(text(n, "runId"), list, state);
    }

    private static CoordinatorMessage.RunEffects runEffects(JsonNode n) {
        JsonNode keys = n.get("keys");
        if (keys == null || !keys.isArray()) {
            throw new MalformedMessageException("effects needs a keys array");
        }
        java.util.List<String> list = new java.util.ArrayList<>();
        for (JsonNode k : keys) {
            if (!k.isTextual()) {
                throw new MalformedMessageException("effects: keys must be strings");
            }
            list.add(k.asText());
        }
        return new CoordinatorMessage.RunEffects(text(n, "dagId"), text(n, "dagVersion"), text(n, "runId"), list);
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

    private static CoordinatorMessage.Tick tick(JsonNode n) {
        CoordinatorMessage.TickPhase phase = CoordinatorMessage.TickPhase.DAGS;
        if (n.hasNonNull("phase")) {
            String p = text(n, "phase");
            try {
                phase = CoordinatorMessage.TickPhase.valueOf(p.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new MalformedMessageException("unknown tick phase '" + p + "' (expected dags, timers or overdue)");
            }
        }
        String from = n.hasNonNull("fromDagId") ? text(n, "fromDagId") : null;
        try {
            return new CoordinatorMessage.Tick(phase, from);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("tick: " + e.getMessage());
        }
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
