package dev.sluice.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.Json;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.functions.obs.Metrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The coordinator function's entry point. One function receives three event shapes, so it reads the JSON itself and
 * hands each to a thin typed handler over the same {@link Coordinator}:
 * <ul>
 *   <li>{@code {"source":"sluice.tick"}} from EventBridge Scheduler (or a rule's {@code Scheduled Event}) ->
 *       {@link TickHandler};</li>
 *   <li>an EventBridge {@code Object Created} event from S3, or a classic S3 notification -> {@link S3EventHandler};</li>
 *   <li>an SQS batch -> {@link QueueHandler}, whose partial batch response is written back
 *       ({@code {"batchItemFailures":[{"itemIdentifier":"..."}]}}).</li>
 * </ul>
 * Anything else is logged and ignored: trying it again would not help.
 */
public final class CoordinatorHandler implements RequestStreamHandler {
    private final TickHandler tick;
    private final S3EventHandler s3;
    private final QueueHandler queue;
    private final JsonLog log;

    /** Lambda's constructor: the services come from the environment, built once per container. */
    public CoordinatorHandler() {
        this(Holder.COORDINATOR, Functions.fromEnvironment().log(), Functions.fromEnvironment().metrics(),
                Functions.fromEnvironment().config().timeMargin(), Functions.fromEnvironment().deadLetterRedrive());
    }

    public CoordinatorHandler(Coordinator coordinator, JsonLog log, Metrics metrics) {
        this(coordinator, log, metrics, Env.DEFAULT_TIME_MARGIN);
    }

    /**
     * @param timeMargin the time an invocation keeps in hand ({@value Env#TIME_MARGIN_MS}): the tick and a batch
     *                   start no unit of work with less left, and continue the rest
     */
    public CoordinatorHandler(Coordinator coordinator, JsonLog log, Metrics metrics, java.time.Duration timeMargin) {
        this(coordinator, log, metrics, timeMargin, null);
    }

    /** @param redrive the tick's automatic redrive of the coordinator DLQ, or null for none */
    public CoordinatorHandler(Coordinator coordinator, JsonLog log, Metrics metrics, java.time.Duration timeMargin,
                              dev.sluice.functions.dispatch.DeadLetterRedrive redrive) {
        this.tick = new TickHandler(coordinator, timeMargin, redrive);
        this.s3 = new S3EventHandler(coordinator);
        this.queue = new QueueHandler(coordinator, log, metrics, timeMargin);
        this.log = log;
    }

    private static final class Holder {
        static final Coordinator COORDINATOR = Functions.fromEnvironment().coordinator();
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode event;
        try {
            event = Json.MAPPER.readTree(input);
        } catch (IOException e) {
            log.error("event_unreadable", "error", e.getMessage());
            write(output, "{\"ignored\":\"not JSON\"}");
            return;
        }
        write(output, route(event, context));
    }

    String route(JsonNode event, Context context) {
        if (event == null || !event.isObject()) {
            log.error("event_unknown", "reason", "not a JSON object");
            return "{\"ignored\":\"not a JSON object\"}";
        }
        String source = event.path("source").asText("");
        String detailType = event.path("detail-type").asText("");
        JsonNode records = event.path("Records");
        if (records.isArray() && !records.isEmpty()) {
            String eventSource = records.get(0).path("eventSource").asText("");
            if (eventSource.equals("aws:sqs")) {
                SQSBatchResponse r = queue.handleRequest(LambdaEvents.sqsEvent(event), context);
                return LambdaEvents.batchResponse(r);
            }
            if (eventSource.equals("aws:s3")) {
                s3.handleRequest(LambdaEvents.fromNotification(event), context);
                return "{}";
            }
        }
        if (records.isArray() && records.isEmpty()) {
            return LambdaEvents.batchResponse(new SQSBatchResponse(List.of()));
        }
        if (source.equals(TickHandler.TICK_SOURCE) || detailType.equals("Scheduled Event")) {
            ScheduledEvent e = new ScheduledEvent();
            e.setSource(source);
            e.setDetailType(detailType.isEmpty() ? null : detailType);
            tick.handleRequest(e, context);
            return "{}";
        }
        if (source.equals("aws.s3") && detailType.equals("Object Created")) {
            Coordinator.S3Object object;
            try {
                object = LambdaEvents.fromEventBridge(event);
            } catch (IllegalArgumentException malformed) {
                // Lambda would retry a thrown error twice, and it can never succeed: log it and drop it.
                log.error("event_malformed", "reason", malformed.getMessage());
                return "{\"ignored\":\"malformed Object Created event\"}";
            }
            s3.handleRequest(List.of(object), context);
            return "{}";
        }
        log.warn("event_unknown", "source", source, "detailType", detailType,
                "reason", "not a tick, an S3 Object Created event, or an SQS batch");
        return "{\"ignored\":\"unknown event\"}";
    }

    private static void write(OutputStream out, String json) throws IOException {
        out.write(json.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
