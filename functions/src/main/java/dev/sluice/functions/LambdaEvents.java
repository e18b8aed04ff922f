package dev.sluice.functions;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lambda event JSON to the typed events and back, for the stream handler that receives several event shapes.
 * Field names are those Lambda delivers (the aws-lambda-java-events classes use different Java property names,
 * so they are filled field by field instead of by a generic mapper).
 */
final class LambdaEvents {
    private LambdaEvents() {
    }

    static SQSEvent sqsEvent(JsonNode root) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (JsonNode r : root.path("Records")) {
            SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
            m.setMessageId(text(r, "messageId"));
            m.setReceiptHandle(text(r, "receiptHandle"));
            m.setBody(text(r, "body"));
            m.setMd5OfBody(text(r, "md5OfBody"));
            m.setEventSource(text(r, "eventSource"));
            m.setEventSourceArn(text(r, "eventSourceARN"));
            m.setAwsRegion(text(r, "awsRegion"));
            Map<String, String> attributes = new LinkedHashMap<>();
            r.path("attributes").fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().asText()));
            m.setAttributes(attributes);
            m.setMessageAttributes(new LinkedHashMap<>());
            records.add(m);
        }
        SQSEvent e = new SQSEvent();
        e.setRecords(records);
        return e;
    }

    static String batchResponse(SQSBatchResponse r) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        ArrayNode failures = n.putArray("batchItemFailures");
        if (r.getBatchItemFailures() != null) {
            for (SQSBatchResponse.BatchItemFailure f : r.getBatchItemFailures()) {
                failures.addObject().put("itemIdentifier", f.getItemIdentifier());
            }
        }
        return n.toString();
    }

    /** The object of an EventBridge "Object Created" event from S3. */
    static Coordinator.S3Object fromEventBridge(JsonNode root) {
        JsonNode d = root.path("detail");
        String bucket = d.path("bucket").path("name").asText(null);
        String key = d.path("object").path("key").asText(null);
        if (bucket == null || key == null) {
            throw new IllegalArgumentException("Object Created event without detail.bucket.name or detail.object.key");
        }
        return new Coordinator.S3Object(bucket, decodeKey(key), sequencer(d.path("object")),
                time(root.path("time").asText(null)));
    }

    /** The objects of a classic S3 notification ({@code Records[].s3}); keys arrive URL-encoded. */
    static List<Coordinator.S3Object> fromNotification(JsonNode root) {
        List<Coordinator.S3Object> out = new ArrayList<>();
        for (JsonNode r : root.path("Records")) {
            if (!r.path("eventName").asText("").startsWith("ObjectCreated:")) {
                continue;
            }
            JsonNode s3 = r.path("s3");
            out.add(new Coordinator.S3Object(s3.path("bucket").path("name").asText(),
                    decodeKey(s3.path("object").path("key").asText()), sequencer(s3.path("object")),
                    time(r.path("eventTime").asText(null))));
        }
        return out;
    }

    /**
     * S3 URL-encodes object keys in its notifications ({@code raw/my+file%3A1.csv} is {@code raw/my file:1.csv});
     * a key without encoding decodes to itself.
     */
    static String decodeKey(String key) {
        try {
            return URLDecoder.decode(key, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return key;
        }
    }

    /** The S3 sequencer orders writes of one key; emulators may leave it out, then the version id or ETag stands in. */
    private static String sequencer(JsonNode object) {
        for (String f : List.of("sequencer", "version-id", "versionId", "etag", "eTag")) {
            if (object.hasNonNull(f) && !object.get(f).asText().isBlank()) {
                return object.get(f).asText();
            }
        }
        return "";
    }

    private static Instant time(String s) {
        if (s == null) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
