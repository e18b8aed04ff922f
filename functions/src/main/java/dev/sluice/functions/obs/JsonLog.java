package dev.sluice.functions.obs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import java.io.PrintStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON object per line on stdout, which CloudWatch Logs stores as is and Logs Insights can query by field.
 * A logger carries correlation ids ({@code dagId, runId, taskId, mapIndex, tryNumber, awsRequestId}); {@link #with}
 * returns a copy with more of them. No logging framework: the Lambda jar stays small and cold starts short.
 *
 * <pre>{@code {"ts":"...","level":"INFO","event":"task_dispatched","dagId":"d","runId":"r","taskId":"t","tryNumber":1}}</pre>
 */
public final class JsonLog {
    private final PrintStream out;
    private final Clock clock;
    private final Map<String, Object> ids;

    public JsonLog(PrintStream out, Clock clock) {
        this(out, clock, Map.of());
    }

    private JsonLog(PrintStream out, Clock clock, Map<String, Object> ids) {
        this.out = out;
        this.clock = clock;
        this.ids = ids;
    }

    public static JsonLog stdout() {
        return new JsonLog(System.out, Clock.systemUTC());
    }

    /** A logger whose lines also carry {@code key = value}; null values are left out. */
    public JsonLog with(String key, Object value) {
        if (value == null) {
            return this;
        }
        Map<String, Object> more = new LinkedHashMap<>(ids);
        more.put(key, value);
        return new JsonLog(out, clock, more);
    }

    public JsonLog withTask(String dagId, String runId, String taskId, int mapIndex, int tryNumber) {
        JsonLog l = with("dagId", dagId).with("runId", runId).with("taskId", taskId);
        if (mapIndex >= 0) {
            l = l.with("mapIndex", mapIndex);
        }
        return l.with("tryNumber", tryNumber);
    }

    public void info(String event, Object... keyValues) {
        write("INFO", event, keyValues);
    }

    public void warn(String event, Object... keyValues) {
        write("WARN", event, keyValues);
    }

    public void error(String event, Object... keyValues) {
        write("ERROR", event, keyValues);
    }

    /** Writes {@code event} with the correlation ids and alternating key, value pairs (null values left out). */
    private void write(String level, String event, Object... keyValues) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("ts", clock.instant().toString());
        n.put("level", level);
        n.put("event", event);
        ids.forEach((k, v) -> n.set(k, Json.MAPPER.valueToTree(v)));
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            if (v != null) {
                n.set(String.valueOf(keyValues[i]), Json.MAPPER.valueToTree(v instanceof Enum<?> e ? e.name()
                        : v instanceof java.time.temporal.Temporal || v instanceof java.time.Duration
                        ? v.toString() : v));
            }
        }
        String line = n.toString();
        synchronized (out) {
            out.println(line);
        }
    }
}
