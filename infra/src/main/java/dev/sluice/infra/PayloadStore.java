package dev.sluice.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Json;
import dev.sluice.engine.TaskKey;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Keeps large payloads (task outputs, invocation payloads, mapped items) in S3 so that DynamoDB items stay far below
 * 400 KB and messages below 1 MB. Text above the threshold is written to
 * {@code s3://bucket/payloads/runs/<runId>/<taskKey>/<try>.json} and replaced by a reference
 * {@code {"$ref":"s3://..."}}; {@link #resolve} loads it back. Keys are deterministic, so writing the same payload
 * twice is harmless. Everything of a run is under {@link #RUNS_PREFIX}, which template.yaml's lifecycle rule expires
 * after PayloadRetentionDays; DAG versions (under {@code payloads/dags/}) are outside it.
 */
public final class PayloadStore {
    public static final int DEFAULT_THRESHOLD_BYTES = 64 * 1024;
    public static final String REF_FIELD = "$ref";
    public static final String KEY_PREFIX = "payloads/";
    /** Where the payloads of runs go; they expire (template.yaml, rule expire-run-payloads). */
    public static final String RUNS_PREFIX = KEY_PREFIX + "runs/";
    /** Where DAG version texts go (DynamoDbStateStore.putDagVersion); pinned runs read them, so they never expire. */
    public static final String DAG_VERSIONS_PREFIX = KEY_PREFIX + "dags/";

    private final S3Client s3;
    private final String bucket;
    private final int thresholdBytes;

    public PayloadStore(S3Client s3, String bucket) {
        this(s3, bucket, DEFAULT_THRESHOLD_BYTES);
    }

    public PayloadStore(S3Client s3, String bucket, int thresholdBytes) {
        this.s3 = Objects.requireNonNull(s3, "s3");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        if (thresholdBytes < 1) {
            throw new IllegalArgumentException("thresholdBytes must be >= 1");
        }
        this.thresholdBytes = thresholdBytes;
    }

    public String bucket() {
        return bucket;
    }

    public int thresholdBytes() {
        return thresholdBytes;
    }

    /** {@code payloads/runs/<runId>/<taskKey>/<try><suffix>}, e.g. suffix ".json" for an output. */
    public static String key(String runId, TaskKey task, int tryNumber, String suffix) {
        return runPrefix(runId) + task + "/" + tryNumber + suffix;
    }

    /** {@code payloads/runs/<runId>/}: the folder of everything a run offloads. */
    public static String runPrefix(String runId) {
        return RUNS_PREFIX + runId + "/";
    }

    /** True when {@code text} is bigger (as UTF-8) than the threshold. */
    public boolean exceeds(String text) {
        // A char encodes to at most 3 UTF-8 bytes; count exactly only near the threshold.
        if (text == null || text.length() <= thresholdBytes / 3) {
            return false;
        }
        return text.length() > thresholdBytes || utf8Length(text) > thresholdBytes;
    }

    /** Writes {@code text} to {@code key} and returns its {@code s3://} URI. */
    public String put(String key, String text) {
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/json"),
                    RequestBody.fromBytes(text.getBytes(StandardCharsets.UTF_8)));
        } catch (SdkException e) {
            throw AwsErrors.translateDispatch("storing payload s3://" + bucket + "/" + key, e);
        }
        return "s3://" + bucket + "/" + key;
    }

    /** Reads the text at an {@code s3://bucket/key} URI. */
    public String get(String s3Uri) {
        URI u = URI.create(s3Uri);
        if (!"s3".equals(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("not an s3:// payload reference: " + s3Uri);
        }
        String b = u.getHost();
        String k = u.getRawPath().substring(1);
        try {
            return s3.getObjectAsBytes(r -> r.bucket(b).key(k)).asUtf8String();
        } catch (NoSuchKeyException e) {
            throw new DispatchException("loading payload " + s3Uri + ": it no longer exists"
                    + (k.startsWith(RUNS_PREFIX) ? " (offloaded run payloads expire after the stack's"
                    + " PayloadRetentionDays, see docs/deploy.md)" : ""), false, e);
        } catch (SdkException e) {
            throw AwsErrors.translateDispatch("loading payload " + s3Uri, e);
        }
    }

    /** {@code text} itself when small, else the reference JSON {@code {"$ref":"s3://..."}} after storing it. */
    public String offload(String key, String text) {
        if (!exceeds(text)) {
            return text;
        }
        return reference(put(key, text));
    }

    /** The reference JSON for a URI. */
    public static String reference(String s3Uri) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put(REF_FIELD, s3Uri);
        return n.toString();
    }

    /** The URI if {@code json} is exactly a reference object, else null. Cheap for anything else. */
    public static String referenceUri(String json) {
        if (json == null || json.length() > 2048 || !json.startsWith("{") || !json.contains(REF_FIELD)) {
            return null;
        }
        JsonNode n;
        try {
            n = Json.read(json);
        } catch (IllegalArgumentException notJson) {
            return null;
        }
        if (n.isObject() && n.size() == 1 && n.path(REF_FIELD).isTextual()
                && n.get(REF_FIELD).asText().startsWith("s3://")) {
            return n.get(REF_FIELD).asText();
        }
        return null;
    }

    /** Loads a reference back; returns anything else unchanged. */
    public String resolve(String json) {
        String uri = referenceUri(json);
        return uri == null ? json : get(uri);
    }

    /** UTF-8 byte count of {@code s}, without encoding it. */
    public static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
