package dev.sluice.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.MalformedMessageException;
import dev.sluice.functions.message.Messages;
import dev.sluice.functions.obs.JsonLog;
import dev.sluice.functions.obs.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An SQS batch of coordinator messages, each handled on its own: a message that is malformed, or whose handling
 * fails, is logged with the reason and reported in the partial batch response, so SQS delivers it again (and to
 * the DLQ after maxReceiveCount) while its neighbours are done. A malformed message is rejected before anything
 * is written.
 *
 * <p>A message starts only while more than the margin of the invocation's time is left ({@link WorkBudget}); the
 * messages not started are reported as batch item failures too, so SQS delivers exactly those again (after the
 * visibility timeout) and deletes the ones that were done. A message is one unit: it finishes once started.
 */
public final class QueueHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final Coordinator coordinator;
    private final JsonLog log;
    private final Metrics metrics;
    private final Duration margin;

    public QueueHandler(Coordinator coordinator, JsonLog log, Metrics metrics) {
        this(coordinator, log, metrics, Env.DEFAULT_TIME_MARGIN);
    }

    /** @param margin the time an invocation keeps in hand: no message starts with less left */
    public QueueHandler(Coordinator coordinator, JsonLog log, Metrics metrics, Duration margin) {
        this.coordinator = coordinator;
        this.log = log;
        this.metrics = metrics;
        this.margin = margin;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        JsonLog l = log.with("awsRequestId", context == null ? null : context.getAwsRequestId());
        List<SQSEvent.SQSMessage> records = event.getRecords() == null ? List.of() : event.getRecords();
        WorkBudget budget = WorkBudget.of(context, margin);
        for (int i = 0; i < records.size(); i++) {
            SQSEvent.SQSMessage m = records.get(i);
            if (!budget.next()) {
                List<SQSEvent.SQSMessage> rest = records.subList(i, records.size());
                rest.forEach(r -> failures.add(new SQSBatchResponse.BatchItemFailure(r.getMessageId())));
                l.info("batch_stopped_early", "done", i, "returned", rest.size(), "remainingMs",
                        budget.remainingMillis(), "message", "the invocation's time ran short; the messages not "
                                + "started are returned to the queue as batch item failures");
                break;
            }
            JsonLog ml = l.with("messageId", m.getMessageId());
            CoordinatorMessage msg;
            try {
                msg = Messages.parse(m.getBody());
            } catch (MalformedMessageException e) {
                ml.error("message_malformed", "reason", e.getMessage(), "receiveCount",
                        attribute(m, "ApproximateReceiveCount"), "body", abbreviate(m.getBody()));
                metrics.count(null, Metrics.Name.MalformedMessages);
                failures.add(new SQSBatchResponse.BatchItemFailure(m.getMessageId()));
                continue;
            }
            try {
                coordinator.handle(msg, sentAt(m), budget);
            } catch (RuntimeException e) {
                ml.error("message_failed", "type", msg.getClass().getSimpleName(), "error", Coordinator.describe(e),
                        "errorType", e.getClass().getName(), "receiveCount", attribute(m, "ApproximateReceiveCount"));
                failures.add(new SQSBatchResponse.BatchItemFailure(m.getMessageId()));
            }
        }
        return new SQSBatchResponse(failures);
    }

    private static Instant sentAt(SQSEvent.SQSMessage m) {
        String s = attribute(m, "SentTimestamp");
        try {
            return s == null ? null : Instant.ofEpochMilli(Long.parseLong(s));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String attribute(SQSEvent.SQSMessage m, String name) {
        return m.getAttributes() == null ? null : m.getAttributes().get(name);
    }

    private static String abbreviate(String s) {
        return s == null ? null : s.length() > 500 ? s.substring(0, 500) + "..." : s;
    }
}
