package dev.sluice.model;

import java.util.Objects;

/**
 * {@code trigger: {s3: {bucket, key}}}: start a run when an object whose key matches {@code keyPattern}
 * is created in {@code bucket}. The pattern may use {@code {{ ds }}}, {@code {{ ds_nodash }}} and {@code *}.
 */
public record S3Trigger(String bucket, String keyPattern) {
    public S3Trigger {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(keyPattern, "keyPattern");
    }
}
