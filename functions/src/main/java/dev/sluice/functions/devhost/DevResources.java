package dev.sluice.functions.devhost;

import dev.sluice.infra.AwsClients;
import dev.sluice.infra.TableLayout;
import java.util.Map;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/** Creates (if missing) what a deployment's template would: the table, the bucket and the coordinator queue. */
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
