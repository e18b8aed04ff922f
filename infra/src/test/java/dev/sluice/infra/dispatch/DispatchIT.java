package dev.sluice.infra.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.engine.TaskKey;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.DispatchException;
import dev.sluice.infra.PayloadStore;
import dev.sluice.infra.testing.AwsEndpointExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** SQS sends with delays and Lambda async invokes against the resolved endpoint (moto here). */
class DispatchIT {
    @RegisterExtension
    static final AwsEndpointExtension AWS = new AwsEndpointExtension();

    @Test
    void sqsAcceptsDelaysAndBatches() {
        AwsClients c = AWS.clients();
        String url = c.sqs().createQueue(b -> b.queueName(AwsEndpointExtension.uniqueName("coord"))).queueUrl();
        QueueSender sender = new QueueSender(c.sqs());
        assertThat(sender.send(url, "{\"now\":true}", null)).isNotBlank();
        sender.send(url, "{\"later\":true}", Duration.ofSeconds(900));
        List<QueueSender.Message> batch = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            batch.add(new QueueSender.Message("m" + i, "{\"i\":" + i + "}", null));
        }
        assertThat(sender.sendBatch(url, batch)).isEmpty();
        List<Message> got = new ArrayList<>();
        for (int i = 0; i < 10 && got.size() < 24; i++) {
            got.addAll(c.sqs().receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages());
        }
        // The delayed message stays invisible for 900 s.
        assertThat(got).hasSize(24);
        assertThat(got).noneMatch(m -> m.body().contains("later"));
        String delayed = c.sqs().getQueueAttributes(b -> b.queueUrl(url)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED);
        assertThat(delayed).isEqualTo("1");
        assertThatThrownBy(() -> sender.send(url, "{}", Duration.ofSeconds(901)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sendingToAMissingQueueIsATranslatedError() {
        QueueSender sender = new QueueSender(AWS.clients().sqs());
        String url = AWS.endpoint() + "/123456789012/no-such-queue";
        assertThatThrownBy(() -> sender.send(url, "{}", null)).isInstanceOf(DispatchException.class)
                .hasMessageContaining("no-such-queue");
    }

    @Test
    void lambdaAsyncInvokeOfAMissingFunctionIsATranslatedNonRetryableError() {
        LambdaDispatcher d = new LambdaDispatcher(AWS.clients().lambda(), null);
        assertThatThrownBy(() -> d.invokeAsync("sluice-no-such-fn", "r1", TaskKey.of("a"), 1, "{}"))
                .isInstanceOfSatisfying(DispatchException.class, e -> {
                    assertThat(e.isRetryable()).isFalse();
                    assertThat(e.getMessage()).contains("sluice-no-such-fn");
                });
    }

    @Test
    void largeInvocationPayloadsGoToS3AsAReference() {
        AwsClients c = AWS.clients();
        String bucket = AwsEndpointExtension.uniqueName("sluice-inv");
        c.s3().createBucket(b -> b.bucket(bucket));
        PayloadStore payloads = new PayloadStore(c.s3(), bucket);
        String big = "{\"upstream\":\"" + "x".repeat(200_000) + "\"}";
        LambdaDispatcher d = new LambdaDispatcher(c.lambda(), payloads);
        // moto has no function to invoke: the invoke fails, but the payload was offloaded first.
        assertThatThrownBy(() -> d.invokeAsync("sluice-no-such-fn", "r1", TaskKey.of("a"), 2, big))
                .isInstanceOf(DispatchException.class);
        String uri = "s3://" + bucket + "/" + PayloadStore.key("r1", TaskKey.of("a"), 2, ".invocation.json");
        assertThat(payloads.get(uri)).isEqualTo(big);
        assertThat(payloads.resolve(PayloadStore.reference(uri))).isEqualTo(big);
        assertThat(payloads.offload("k", "{\"small\":1}")).isEqualTo("{\"small\":1}");
    }
}
