package dev.sluice.functions.devhost;

import dev.sluice.infra.AwsClients;
import dev.sluice.infra.TableLayout;
import java.util.Map;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * Creates (if missing) what a deployment's template would: the table, the bucket, the coordinator queue and (by
 * {@link #ensureDeadLetterQueue}) its dead-letter queue.
 */
public final class DevResources {
    private DevResources() {
    }

    /** Creates what is missing; returns the queue URL. */
    public static String ensure(AwsClients clients, String table, String bucket, String queueName,
                                int visibilityTimeoutSeconds) {
        try {
            clients.dynamoDb().describeTable(b -> b.tableName(table));
        } catch (software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException e) {
            TableLayout.createTable(clients.dynamoDb(), table);
        }
        try {
            clients.s3().headBucket(b -> b.bucket(bucket));
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            try {
                clients.s3().createBucket(b -> b.bucket(bucket));
            } catch (BucketAlreadyOwnedByYouException ignored) {
                // created meanwhile
            }
        }
        return queueUrl(clients, queueName).orElseGet(() -> clients.sqs().createQueue(b -> b.queueName(queueName)
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT,
                        Integer.toString(visibilityTimeoutSeconds)))).queueUrl());
    }

    /** Receives after which a coordinator message goes to the dead-letter queue, as in template.yaml. */
    public static final int MAX_RECEIVE_COUNT = 5;

    /**
     * Gives the coordinator queue a dead-letter queue, {@code <queue name>-dlq}, as template.yaml does, unless it
     * has one already: a message that fails {@value #MAX_RECEIVE_COUNT} times moves there ({@code sluice dlq list})
     * instead of coming back forever. Returns the dead-letter queue's URL, or null when the queue already had a
     * redrive policy.
     */
    public static String ensureDeadLetterQueue(AwsClients clients, String queueUrl) {
        Map<QueueAttributeName, String> attrs = clients.sqs().getQueueAttributes(b -> b.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.REDRIVE_POLICY)).attributes();
        if (attrs.get(QueueAttributeName.REDRIVE_POLICY) != null) {
            return null;
        }
        String name = queueUrl.substring(queueUrl.lastIndexOf('/') + 1) + "-dlq";
        String dlqUrl = queueUrl(clients, name).orElseGet(() -> clients.sqs().createQueue(b -> b.queueName(name)
                .attributes(Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600"))).queueUrl());
        String arn = clients.sqs().getQueueAttributes(b -> b.queueUrl(dlqUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        String policy = "{\"deadLetterTargetArn\":\"" + arn + "\",\"maxReceiveCount\":" + MAX_RECEIVE_COUNT + "}";
        clients.sqs().setQueueAttributes(b -> b.queueUrl(queueUrl)
                .attributes(Map.of(QueueAttributeName.REDRIVE_POLICY, policy)));
        return dlqUrl;
    }

    /** The alert severities template.yaml gives a topic each (AlertCriticalTopic, ...). */
    public static final java.util.List<String> SEVERITIES = java.util.List.of("critical", "warning", "info");

    /**
     * Creates (or finds: CreateTopic is idempotent) the alert topics template.yaml would: {@code <queue>-alerts}
     * (failed runs, missed SLAs) and {@code <queue>-alerts-<severity>} for each of {@link #SEVERITIES}. Returns the
     * environment that names them ({@code SLUICE_ALERT_TOPIC_ARN}, {@code SLUICE_ALERT_TOPICS}).
     */
    public static Map<String, String> ensureAlertTopics(AwsClients clients, String queueUrl) {
        String base = queueUrl.substring(queueUrl.lastIndexOf('/') + 1) + "-alerts";
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put(dev.sluice.functions.Env.ALERT_TOPIC_ARN, clients.sns().createTopic(b -> b.name(base)).topicArn());
        StringBuilder topics = new StringBuilder();
        for (String severity : SEVERITIES) {
            String arn = clients.sns().createTopic(b -> b.name(base + "-" + severity)).topicArn();
            topics.append(topics.isEmpty() ? "" : ",").append(severity).append('=').append(arn);
        }
        env.put(dev.sluice.functions.Env.ALERT_TOPICS, topics.toString());
        return env;
    }

    /** The URL of a queue given by name or URL, if it exists. */
    public static java.util.Optional<String> queueUrl(AwsClients clients, String nameOrUrl) {
        if (nameOrUrl.startsWith("http://") || nameOrUrl.startsWith("https://")) {
            return java.util.Optional.of(nameOrUrl);
        }
        try {
            return java.util.Optional.of(clients.sqs().getQueueUrl(b -> b.queueName(nameOrUrl)).queueUrl());
        } catch (QueueDoesNotExistException e) {
            return java.util.Optional.empty();
        }
    }
}
