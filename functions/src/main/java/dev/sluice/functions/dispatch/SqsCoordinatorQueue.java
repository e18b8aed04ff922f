package dev.sluice.functions.dispatch;

import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.Messages;
import dev.sluice.infra.AwsErrors;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeNameForSends;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeValue;

/**
 * {@link CoordinatorQueue} over SQS; a delay becomes DelaySeconds (rounded up, at most 900).
 *
 * <p>On Lambda the SDK puts the invocation's X-Ray trace header on each request and SQS keeps it as the message's
 * {@code AWSTraceHeader}, which is how the chain's lineage (recursive loop detection) travels. {@code sluice dev}
 * has no Lambda runtime to do that, so it hands in the header of the invocation a thread runs for, and this sends it
 * as the {@code AWSTraceHeader} system attribute itself.
 */
public final class SqsCoordinatorQueue implements CoordinatorQueue {
    private final SqsClient sqs;
    private final String queueUrl;
    private final Supplier<String> traceHeader;

    public SqsCoordinatorQueue(SqsClient sqs, String queueUrl) {
        this(sqs, queueUrl, () -> null);
    }

    /** @param traceHeader the trace header to send with each message, or null for none (Lambda's SDK sends it) */
    public SqsCoordinatorQueue(SqsClient sqs, String queueUrl, Supplier<String> traceHeader) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
        this.traceHeader = Objects.requireNonNull(traceHeader, "traceHeader");
    }

    @Override
    public void send(CoordinatorMessage message, Duration delay) {
        String body = Messages.write(message);
        int seconds = delaySeconds(delay);
        String trace = traceHeader.get();
        try {
            sqs.sendMessage(b -> {
                b.queueUrl(queueUrl).messageBody(body).delaySeconds(seconds);
                if (trace != null) {
                    b.messageSystemAttributes(traceAttribute(trace));
                }
            });
        } catch (SdkException e) {
            throw AwsErrors.translateDispatch("sending a " + body.length() + "-byte message to " + queueUrl, e);
        }
    }

    /** The {@code AWSTraceHeader} system attribute of a message. */
    public static Map<MessageSystemAttributeNameForSends, MessageSystemAttributeValue> traceAttribute(String header) {
        return Map.of(MessageSystemAttributeNameForSends.AWS_TRACE_HEADER,
                MessageSystemAttributeValue.builder().dataType("String").stringValue(header).build());
    }

    static int delaySeconds(Duration delay) {
        if (delay == null || delay.isNegative() || delay.isZero()) {
            return 0;
        }
        long s = delay.toSeconds() + (delay.toNanosPart() > 0 ? 1 : 0);
        return (int) Math.min(s, MAX_DELAY.toSeconds());
    }
}
