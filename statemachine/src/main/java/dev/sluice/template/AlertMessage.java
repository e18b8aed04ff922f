package dev.sluice.template;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.CallbackContext;
import dev.sluice.engine.Json;

/**
 * One alert as a person reads it ({@link #text}) and as JSON: Slack-compatible ({@code text}) with every context
 * field beside it, so the same body serves a Slack webhook, an SNS message and a line of {@code alerts.jsonl}.
 */
public final class AlertMessage {
    private AlertMessage() {
    }

    /** {@code [critical] warehouse.load failed (try 3/3): boom; log: ...}. */
    public static String text(String severity, CallbackContext c) {
        String what = switch (c.event()) {
            case "failure" -> "failed";
            case "retry" -> "failed, will retry";
            case "success" -> "succeeded";
            case "sla_miss" -> "missed its SLA (due " + c.dueAt() + ")";
            case "run_failed" -> "run failed";
            case "run_succeeded" -> "run succeeded";
            case "deadline_miss" -> "run missed its deadline (due " + c.dueAt() + ")";
            case "execute" -> "started";
            default -> c.event();
        };
        String subject = c.taskId() == null ? c.dagId() + " " + c.runId()
                : c.dagId() + "." + c.taskId() + (c.mapIndex() >= 0 ? "[" + c.mapIndex() + "]" : "");
        StringBuilder b = new StringBuilder("[").append(severity).append("] ").append(subject).append(' ')
                .append(what);
        if (c.tryNumber() > 0 && c.taskId() != null) {
            b.append(" (try ").append(c.tryNumber()).append('/').append(c.maxTries()).append(')');
        }
        if (c.error() != null) {
            b.append(": ").append(c.error());
        }
        if (c.log() != null) {
            b.append("; log: ").append(c.log());
        }
        return b.toString();
    }

    public static ObjectNode json(String severity, CallbackContext c, String at) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("text", text(severity, c));
        n.put("at", at);
        n.put("severity", severity);
        n.put("event", c.event());
        n.put("dag_id", c.dagId());
        n.put("task_id", c.taskId());
        n.put("map_index", c.mapIndex());
        n.put("run_id", c.runId());
        n.put("logical_date", c.logicalDate());
        n.put("try_number", c.tryNumber());
        n.put("max_tries", c.maxTries());
        n.put("error", c.error());
        n.put("log", c.log());
        n.putPOJO("tags", c.tags());
        n.put("owner", c.owner());
        n.put("due_at", c.dueAt());
        return n;
    }
}
