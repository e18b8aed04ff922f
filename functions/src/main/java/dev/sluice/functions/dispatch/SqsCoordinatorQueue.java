package dev.sluice.functions.dispatch;

import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.Messages;
import dev.sluice.infra.AwsErrors;
import java.time.Duration;
import java.util.Objects;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

/** {@link CoordinatorQueue} over SQS; a delay becomes DelaySeconds (rounded up, at most 900). */
public final class SqsCoordinatorQueue implements CoordinatorQueue {
    private final SqsClient sqs;
    private final String queueUrl;

    public SqsCoordinatorQueue(SqsClient sqs, String queueUrl) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
    }

    @Override
    public void send(CoordinatorMessage message, Duration delay) {
        String body = Messages.write(message);
        int seconds = delaySeconds(delay);
        try {
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body)
                    .delaySeconds(seconds));
        } catch (SdkException e) {
            throw AwsErrors.translateDispatch("sending a " + body.length() + "-byte message to " + queueUrl, e);
        }
    }

    static int delaySeconds(Duration delay) {
        if (delay == null || delay.isNegative() || delay.isZero()) {
            return 0;
        }
        long s = delay.toSeconds() + (delay.toNanosPart() > 0 ? 1 : 0);
        return (int) Math.min(s, MAX_DELAY.toSeconds());
    }
}
