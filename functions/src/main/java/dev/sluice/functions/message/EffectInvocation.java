package dev.sluice.functions.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.CallbackContext;
import dev.sluice.engine.Effect;
import dev.sluice.engine.EffectJson;
import dev.sluice.engine.Json;
import dev.sluice.functions.alert.Alert;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The payload of the command runner's asynchronous invocation that carries out one effect (a callback and its
 * alerts), sent by the coordinator after the decision that recorded the effect was written. The runner claims the
 * effect in the state table before running it, so a duplicate invocation does nothing.
 *
 * <pre>{@code
 * {"type":"effect","dagVersion":"v1","effect":{EffectJson: key, runId, dagId, taskId, mapIndex, tryNumber, kind,
 *  callback, alerts, ...},"context":{"event":"failure","dagId":"d","taskId":"load","mapIndex":-1,"runId":"..",
 *  "logicalDate":"..","tryNumber":2,"maxTries":2,"error":"..","log":"https://..","tags":[..],"owner":"..",
 *  "dueAt":null},"stackAlert":{"kind":"sla_missed","dagId":..,"runId":..,"taskId":..,"state":..,"subject":..,
 *  "body":..}}
 * }</pre>
 *
 * @param context    the callback context, built by the coordinator from the DAG and the run (log: a Logs Insights link)
 * @param stackAlert the stack alert topic's message for this event (an SLA miss), or null
 */
public record EffectInvocation(String dagVersion, Effect effect, CallbackContext context, Alert stackAlert) {
    public static final String TYPE = "effect";

    public EffectInvocation {
        Objects.requireNonNull(effect, "effect");
        Objects.requireNonNull(context, "context");
    }

    /** Whether a runner payload is an effect invocation (else it is a {@link TaskInvocation}). */
    public static boolean is(JsonNode n) {
        return n != null && TYPE.equals(n.path("type").asText(null));
    }

    public String toJson() {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("type", TYPE);
        n.put("dagVersion", dagVersion);
        n.set("effect", EffectJson.toNode(effect));
        ObjectNode c = n.putObject("context");
        c.put("event", context.event());
        c.put("dagId", context.dagId());
        c.put("taskId", context.taskId());
        c.put("mapIndex", context.mapIndex());
        c.put("runId", context.runId());
        c.put("logicalDate", context.logicalDate());
        c.put("tryNumber", context.tryNumber());
        c.put("maxTries", context.maxTries());
        c.put("error", context.error());
        c.put("log", context.log());
        ArrayNode tags = c.putArray("tags");
        context.tags().forEach(tags::add);
        c.put("owner", context.owner());
        c.put("dueAt", context.dueAt());
        if (stackAlert != null) {
            ObjectNode a = n.putObject("stackAlert");
            a.put("kind", stackAlert.kind());
            a.put("dagId", stackAlert.dagId());
            a.put("runId", stackAlert.runId());
            a.put("taskId", stackAlert.taskId());
            a.put("state", stackAlert.state());
            a.put("subject", stackAlert.subject());
            a.put("body", stackAlert.body());
        }
        return n.toString();
    }

    /** Reads one; throws {@link MalformedMessageException} naming what is wrong. */
    public static EffectInvocation parse(String json) {
        JsonNode n;
        try {
            n = Json.read(json);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("effect invocation is not JSON: " + e.getMessage());
        }
        if (!is(n)) {
            throw new MalformedMessageException("not an effect invocation (type must be 'effect')");
        }
        if (!n.path("effect").isObject() || !n.path("context").isObject()) {
            throw new MalformedMessageException("effect invocation without 'effect' and 'context' objects");
        }
        Effect effect;
        try {
            effect = EffectJson.fromNode(n.get("effect"));
        } catch (RuntimeException e) {
            throw new MalformedMessageException("effect invocation: bad 'effect': " + e.getMessage());
        }
        JsonNode c = n.get("context");
        List<String> tags = new ArrayList<>();
        c.path("tags").forEach(t -> tags.add(t.asText()));
        CallbackContext ctx = new CallbackContext(text(c, "event"), text(c, "dagId"), text(c, "taskId"),
                c.path("mapIndex").asInt(-1), text(c, "runId"), text(c, "logicalDate"), c.path("tryNumber").asInt(),
                c.path("maxTries").asInt(), text(c, "error"), text(c, "log"), tags, text(c, "owner"),
                text(c, "dueAt"));
        Alert stack = null;
        JsonNode a = n.get("stackAlert");
        if (a != null && a.isObject()) {
            stack = new Alert(text(a, "kind"), text(a, "dagId"), text(a, "runId"), text(a, "taskId"),
                    text(a, "state"), text(a, "subject"), text(a, "body"));
        }
        return new EffectInvocation(text(n, "dagVersion"), effect, ctx, stack);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
