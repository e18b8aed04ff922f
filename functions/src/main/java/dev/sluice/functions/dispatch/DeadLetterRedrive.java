package dev.sluice.functions.dispatch;

import dev.sluice.functions.WorkBudget;
import dev.sluice.functions.obs.JsonLog;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * The tick's automatic redrive of the coordinator's dead-letter queue: a completion (or any coordinator message)
 * that reached the DLQ because Lambda throttled its deliveries (a throttled SQS delivery still counts a receive)
 * goes back to the coordinator queue, as {@code sluice dlq redrive} does by hand. Coordinator messages are
 * idempotent, so a message sent twice (a crash between send and delete) is harmless.
 *
 * <p>Bounds: each message carries its count of automatic redrives in the message attribute {@value #ATTRIBUTE} (SQS
 * keeps message attributes when it moves a message to the DLQ); one at {@code maxRedrives} stays in the DLQ, and the
 * DLQ alarm fires for it as for any dead letter. Each message is one unit of the tick's {@link WorkBudget}, and one
 * tick looks at most at {@value #MAX_PER_TICK} messages.
 */
public final class DeadLetterRedrive {
    /** Message attribute: automatic redrives so far (Number). {@code sluice dlq redrive} by hand resets it. */
    public static final String ATTRIBUTE = "sluice-redrives";
    /**
     * Automatic redrives per message: with 5 receives x 360 s of visibility before each trip to the DLQ, 3 redrives
     * carry a completion through about 2 hours of account-wide throttling.
     */
    public static final int DEFAULT_MAX_REDRIVES = 3;
    public static final int MAX_PER_TICK = 100;
    /**
     * How long a received DLQ message stays hidden: long enough to send and delete it, short so that a message left
     * in the DLQ (at its bound) is visible again at once for the alarm and {@code sluice dlq list}.
     */
    static final int VISIBILITY_SECONDS = 5;

    private final SqsClient sqs;
    private final String deadLetterQueueUrl;
    private final String queueUrl;
    private final Supplier<String> traceHeader;
    private final int maxRedrives;
    private final JsonLog log;

    /** @param traceHeader the trace header to send with each message, or null for none (Lambda's SDK sends it) */
    public DeadLetterRedrive(SqsClient sqs, String deadLetterQueueUrl, String queueUrl, Supplier<String> traceHeader,
                             int maxRedrives, JsonLog log) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.deadLetterQueueUrl = Objects.requireNonNull(deadLetterQueueUrl, "deadLetterQueueUrl");
        this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
        this.traceHeader = Objects.requireNonNull(traceHeader, "traceHeader");
        if (maxRedrives < 0) {
            throw new IllegalArgumentException("maxRedrives must not be negative, got " + maxRedrives);
        }
        this.maxRedrives = maxRedrives;
        this.log = Objects.requireNonNull(log, "log");
    }

    /** What one call did. */
    public record Result(int redriven, int keptAtBound) {
    }

    /**
     * Moves the DLQ's messages back to the coordinator queue while {@code budget} allows, at most
     * {@value #MAX_PER_TICK}; messages at their bound stay. A failure of SQS is logged and ends the call: the next
     * tick tries again.
     */
    public Result redrive(WorkBudget budget) {
        if (maxRedrives == 0) {
            return new Result(0, 0);
        }
        int redriven = 0;
        Set<String> kept = new HashSet<>();
        try {
            while (redriven + kept.size() < MAX_PER_TICK) {
                int want = Math.min(10, MAX_PER_TICK - redriven - kept.size());
                List<Message> batch = sqs.receiveMessage(b -> b.queueUrl(deadLetterQueueUrl)
                        .maxNumberOfMessages(want).visibilityTimeout(VISIBILITY_SECONDS).waitTimeSeconds(0)
                        .messageAttributeNames(ATTRIBUTE)).messages();
                boolean progress = false;
                for (Message m : batch) {
                    int count = redrives(m);
                    if (count >= maxRedrives) {
                        if (kept.add(m.messageId())) {
                            log.info("dead_letter_kept", "messageId", m.messageId(), "redrives", count,
                                    "message", "a coordinator message reached the DLQ again after " + count
                                            + " automatic redrives; it stays there (see 'sluice dlq list')");
                            progress = true;
                        }
                        continue;
                    }
                    if (!budget.next()) {
                        return done(redriven, kept.size());
                    }
                    send(m, count + 1);
                    // Send first, then delete: a crash in between leaves a duplicate, which is harmless.
                    sqs.deleteMessage(b -> b.queueUrl(deadLetterQueueUrl).receiptHandle(m.receiptHandle()));
                    redriven++;
                    progress = true;
                    log.info("dead_letter_redriven", "messageId", m.messageId(), "redrives", count + 1,
                            "of", maxRedrives);
                }
                if (batch.isEmpty() || !progress) {
                    break;
                }
            }
        } catch (SdkException e) {
            log.error("dead_letter_redrive_failed", "queue", deadLetterQueueUrl, "error", e.getMessage(),
                    "redriven", redriven);
        }
        return done(redriven, kept.size());
    }

    private Result done(int redriven, int kept) {
        return new Result(redriven, kept);
    }

    private void send(Message m, int count) {
        String trace = traceHeader.get();
        sqs.sendMessage(b -> {
            b.queueUrl(queueUrl).messageBody(m.body()).messageAttributes(Map.of(ATTRIBUTE, MessageAttributeValue
                    .builder().dataType("Number").stringValue(Integer.toString(count)).build()));
            if (trace != null) {
                b.messageSystemAttributes(SqsCoordinatorQueue.traceAttribute(trace));
            }
        });
    }

    /** The message's automatic redrives so far; 0 without the attribute or with one that is not a count. */
    public static int redrives(Message m) {
        MessageAttributeValue v = m.messageAttributes().get(ATTRIBUTE);
        if (v == null || v.stringValue() == null) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(v.stringValue().strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
