package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** An {@link Effect} as JSON, the one form stores and messages keep it in (state and detail included). */
public final class EffectJson {
    private EffectJson() {
    }

    public static ObjectNode toNode(Effect e) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("key", e.key());
        n.put("runId", e.runId());
        n.put("dagId", e.dagId());
        if (e.task() != null) {
            n.put("taskId", e.task().taskId());
            n.put("mapIndex", e.task().mapIndex());
        }
        n.put("tryNumber", e.tryNumber());
        n.put("maxTries", e.maxTries());
        n.put("kind", e.kind().wireName());
        n.put("createdAt", e.createdAt() == null ? null : e.createdAt().toString());
        n.put("error", e.error());
        n.put("dueAt", e.dueAt() == null ? null : e.dueAt().toString());
        n.put("callback", e.callback());
        ArrayNode alerts = n.putArray("alerts");
        for (Effect.Alert a : e.alerts()) {
            ObjectNode an = alerts.addObject();
            an.put("severity", a.severity());
            ArrayNode to = an.putArray("to");
            a.to().forEach(to::add);
        }
        n.put("state", e.state().wireName());
        n.put("detail", e.detail());
        return n;
    }

    public static String write(Effect e) {
        return toNode(e).toString();
    }

    public static Effect read(String json) {
        return fromNode(Json.read(json));
    }

    public static Effect fromNode(JsonNode n) {
        TaskKey task = n.hasNonNull("taskId") ? new TaskKey(n.get("taskId").asText(), n.get("mapIndex").asInt())
                : null;
        List<Effect.Alert> alerts = new ArrayList<>();
        for (JsonNode a : n.path("alerts")) {
            List<String> to = new ArrayList<>();
            a.path("to").forEach(t -> to.add(t.asText()));
            alerts.add(new Effect.Alert(a.get("severity").asText(), to));
        }
        return new Effect(n.get("runId").asText(), text(n, "dagId"), task, n.path("tryNumber").asInt(),
                n.path("maxTries").asInt(), Effect.Kind.fromWire(n.get("kind").asText()), instant(n, "createdAt"),
                text(n, "error"), instant(n, "dueAt"), text(n, "callback"), alerts,
                Effect.State.fromWire(n.path("state").asText("pending")), text(n, "detail"));
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }

    private static Instant instant(JsonNode n, String field) {
        return n.hasNonNull(field) ? Instant.parse(n.get(field).asText()) : null;
    }
}
