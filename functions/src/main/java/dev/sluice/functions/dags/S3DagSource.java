package dev.sluice.functions.dags;

import dev.sluice.infra.AwsErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/** DAG files under {@code s3://bucket/prefix}: one paginated listing per refresh, and a GET per changed file. */
public final class S3DagSource implements DagSource {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    public S3DagSource(S3Client s3, String bucket, String prefix) {
        this.s3 = Objects.requireNonNull(s3, "s3");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.prefix = prefix == null ? "" : prefix;
    }

    @Override
    public List<Entry> list() {
        List<Entry> out = new ArrayList<>();
        try {
            ListObjectsV2Request req = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build();
            for (S3Object o : s3.listObjectsV2Paginator(req).contents()) {
                String k = o.key().toLowerCase(Locale.ROOT);
                if (k.endsWith(".yaml") || k.endsWith(".yml") || k.endsWith(".json")) {
                    out.add(new Entry(o.key(), o.eTag()));
                }
            }
        } catch (SdkException e) {
            throw AwsErrors.translateDispatch("listing DAG files in s3://" + bucket + "/" + prefix, e);
        }
        return out;
    }

    @Override
    public String read(Entry entry) {
        try {
            return s3.getObjectAsBytes(b -> b.bucket(bucket).key(entry.name()))
                    .asUtf8String();
        } catch (SdkException e) {
            throw AwsErrors.translateDispatch("reading " + location(entry), e);
        }
    }

    @Override
    public String location(Entry entry) {
        return "s3://" + bucket + "/" + entry.name();
    }
}
