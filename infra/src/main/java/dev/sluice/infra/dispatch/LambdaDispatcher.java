package dev.sluice.infra.dispatch;

import dev.sluice.engine.TaskKey;
import dev.sluice.infra.AwsErrors;
import dev.sluice.infra.DispatchException;
import dev.sluice.infra.PayloadStore;
import java.util.Objects;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * Starts a task try: an asynchronous Lambda invoke (InvocationType=Event) of the task's function with the
 * TaskInvocation JSON the caller built. A payload above the {@link PayloadStore}'s threshold is stored in S3 and the
 * function receives {@code {"$ref":"s3://..."}} instead (async invokes take at most 1 MB).
 */
public final class LambdaDispatcher {
    private final LambdaClient lambda;
    private final PayloadStore payloads;

    /** @param payloads where large payloads go; null to refuse them */
    public LambdaDispatcher(LambdaClient lambda, PayloadStore payloads) {
        this.lambda = Objects.requireNonNull(lambda, "lambda");
        this.payloads = payloads;
    }

    /**
     * Invokes {@code function} (name or ARN) asynchronously. Returns the payload actually sent (the JSON itself, or
     * the reference). Throws {@link DispatchException}: retryable for throttling and service errors.
     */
    public String invokeAsync(String function, String runId, TaskKey task, int tryNumber, String payloadJson) {
        String body = payloadJson;
        if (payloads != null) {
            body = payloads.offload(PayloadStore.key(runId, task, tryNumber, ".invocation.json"), payloadJson);
        } else if (payloadJson.length() > 256 * 1024) {
            throw new DispatchException("invocation payload for " + runId + "/" + task + " try " + tryNumber
                    + " is too large to send without a payload bucket", false, null);
        }
        String sent = body;
        InvokeResponse r;
        try {
            r = lambda.invoke(b -> b.functionName(function)
                    .invocationType(InvocationType.EVENT).payload(SdkBytes.fromUtf8String(sent)));
        } catch (SdkException e) {
            throw AwsErrors.translateDispatch("invoking " + function + " for " + runId + "/" + task + " try "
                    + tryNumber, e);
        }
        if (r.statusCode() != null && r.statusCode() != 202) {
            throw new DispatchException("invoking " + function + " asynchronously returned status " + r.statusCode()
                    + " (expected 202)", r.statusCode() >= 500, null);
        }
        return sent;
    }
}
