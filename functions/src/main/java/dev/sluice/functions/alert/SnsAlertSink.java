package dev.sluice.functions.alert;

import dev.sluice.infra.AwsErrors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;

/**
 * Publishes alerts to an SNS topic, with the message attributes {@code alert} (the kind), {@code dag_id} and
 * {@code state}, which subscription filter policies can match. The client comes from {@code sns} on the first
 * alert, so a coordinator that sends none never builds it.
 */
public final class SnsAlertSink implements AlertSink {
    private final Supplier<SnsClient> sns;
    private final String topicArn;

    public SnsAlertSink(Supplier<SnsClient> sns, String topicArn) {
        this.sns = sns;
        this.topicArn = topicArn;
    }

    @Override
    public void publish(Alert alert) {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        put(attributes, "alert", alert.kind());
        put(attributes, "dag_id", alert.dagId());
        put(attributes, "state", alert.state());
        try {
            sns.get().publish(b -> b.topicArn(topicArn).subject(alert.subject())
                    .message(alert.body()).messageAttributes(attributes));
        } catch (SdkException e) {
            throw AwsErrors.translateDispatch("publishing to " + topicArn, e);
        }
    }

    private static void put(Map<String, MessageAttributeValue> m, String name, String value) {
        if (value != null && !value.isBlank()) {
            m.put(name, MessageAttributeValue.builder().dataType("String").stringValue(value).build());
        }
    }
}
