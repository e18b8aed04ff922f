package dev.sluice.functions.obs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import java.io.PrintStream;
import java.time.Clock;

/**
 * CloudWatch metrics in the Embedded Metric Format: a JSON log line that CloudWatch turns into a metric, so no
 * PutMetricData call (and no SDK client) is needed. Namespace {@value #NAMESPACE}, dimension {@code DagId}.
 */
public final class Metrics {
    public static final String NAMESPACE = "Sluice";

    /** The metric names; dashboards and alarms in template.yaml use the same. */
    public enum Name {
        TaskSucceeded("Count"), TaskFailed("Count"), TaskRetried("Count"), TaskDurationMs("Milliseconds"),
        SchedulingDelayMs("Milliseconds"), RunsStarted("Count"), RunsSucceeded("Count"), RunsFailed("Count"),
        RunDurationMs("Milliseconds"), SlaMissed("Count"), MalformedMessages("Count");

        private final String unit;

        Name(String unit) {
            this.unit = unit;
        }

        public String unit() {
            return unit;
        }
    }

    private final PrintStream out;
    private final Clock clock;

    public Metrics(PrintStream out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    public static Metrics stdout() {
        return new Metrics(System.out, Clock.systemUTC());
    }

    public void count(String dagId, Name name) {
        put(dagId, name, 1);
    }

    public void put(String dagId, Name name, double value) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", clock.millis());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        directive.putArray("Dimensions").addArray().add("DagId");
        ArrayNode metrics = directive.putArray("Metrics");
        metrics.addObject().put("Name", name.name()).put("Unit", name.unit());
        root.put("DagId", dagId == null ? "unknown" : dagId);
        root.put(name.name(), value);
        String line = root.toString();
        synchronized (out) {
            out.println(line);
        }
    }
}
