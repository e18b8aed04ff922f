package dev.sluice.infra.dispatch;

import dev.sluice.infra.AwsErrors;
import dev.sluice.infra.DispatchException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Sends messages to an SQS queue (the coordinator queue: completions, retries with a delay, continuations).
 * Delays are SQS DelaySeconds, 0 to 900 s; longer waits belong in timer items fired by the tick.
 */
public final class QueueSender {
    public static final Duration MAX_DELAY = Duration.ofSeconds(900);
    private static final int BATCH = 10;

    private final SqsClient sqs;

    public QueueSender(SqsClient sqs) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
    }

    /** One message to send; {@code id} is unique within a batch and reported back on failure. */
    public record Message(String id, String body, Duration delay) {
        public Message {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(body, "body");
            delaySeconds(delay);
        }
    }

    /** A failed entry of a batch: whether sending it again may work, and why it failed. */
    public record Failure(String id, boolean retryable, String reason) {
    }

    /** Sends one message, visible after {@code delay} (null = at once). Returns the SQS message id. */
    public String send(String queueUrl, String body, Duration delay) {
        int seconds = delaySeconds(delay);
        try {
            return sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body)
                    .delaySeconds(seconds)).messageId();
        } catch (SdkException e) {
            throw AwsErrors.translateDispatch("sending a message to " + queueUrl, e);
        }
    }

    /**
     * Sends messages in batches of 10 and returns the entries SQS refused (empty when all were sent). A failure of
     * a whole request throws {@link DispatchException}.
     */
    public List<Failure> sendBatch(String queueUrl, List<Message> messages) {
        List<Failure> failed = new ArrayList<>();
        for (int i = 0; i < messages.size(); i += BATCH) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (Message m : messages.subList(i, Math.min(messages.size(), i + BATCH))) {
                entries.add(SendMessageBatchRequestEntry.builder().id(m.id()).messageBody(m.body())
                        .delaySeconds(delaySeconds(m.delay())).build());
            }
            SendMessageBatchResponse r;
            try {
                r = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
            } catch (SdkException e) {
                throw AwsErrors.translateDispatch("sending " + entries.size() + " messages to " + queueUrl, e);
            }
            r.failed().forEach(f -> failed.add(new Failure(f.id(), !Boolean.TRUE.equals(f.senderFault()),
                    f.code() + ": " + f.message())));
        }
        return failed;
    }

    /** DelaySeconds for a delay: 0..900, rounded up to whole seconds; anything else is a caller error. */
    static int delaySeconds(Duration delay) {
        if (delay == null || delay.isZero()) {
            return 0;
        }
        if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("SQS delay must be 0..900 s, got " + delay.toSeconds()
                    + " s; use a timer item for longer waits");
        }
        long s = delay.toSeconds() + (delay.toNanosPart() > 0 ? 1 : 0);
        return (int) Math.min(900, s);
    }
}
