package dev.sluice.functions.dispatch;

import dev.sluice.functions.task.FunctionInvoker;
import dev.sluice.infra.AwsClients;
import dev.sluice.infra.AwsErrors;
import dev.sluice.infra.AwsRetries;
import dev.sluice.infra.DispatchException;
import java.time.Duration;
import java.util.Objects;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * {@link FunctionInvoker} over Lambda's synchronous invoke (InvocationType=RequestResponse).
 *
 * <p>Its client differs from the shared one in two ways: it waits up to {@link #MAX_WAIT} for an answer (a function
 * runs up to 15 minutes; the shared client's read timeout is 30 s), and the SDK never repeats a call, because a
 * repeated synchronous invoke may run the function twice. Only throttling, which means the function did not run,
 * is retried ({@link AwsRetries#throttlingOnly()}); every other error goes to the engine, which owns retries.
 */
public final class LambdaFunctionInvoker implements FunctionInvoker {
    /** Lambda's own limit on a function's run time, plus time for the answer to arrive. */
    public static final Duration MAX_WAIT = Duration.ofMinutes(15).plusSeconds(30);

    private final LambdaClient lambda;

    public LambdaFunctionInvoker(LambdaClient lambda) {
        this.lambda = Objects.requireNonNull(lambda, "lambda");
    }

    /** A client for {@code clients}' region, endpoint and credentials, set up for long synchronous calls. */
    public static LambdaFunctionInvoker create(AwsClients clients) {
        var b = LambdaClient.builder().region(clients.region()).credentialsProvider(clients.credentials())
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(MAX_WAIT).build())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetries.throttlingOnly()));
        if (clients.endpoint() != null) {
            b.endpointOverride(clients.endpoint());
        }
        return new LambdaFunctionInvoker(b.build());
    }

    @Override
    public Response invoke(String function, String payloadJson, Duration timeout) {
        Duration wait = timeout == null || timeout.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : timeout.plusSeconds(1);
        InvokeResponse r;
        try {
            r = lambda.invoke(b -> b.functionName(function)
                    .invocationType(InvocationType.REQUEST_RESPONSE).payload(SdkBytes.fromUtf8String(payloadJson))
                    .overrideConfiguration(o -> o.apiCallTimeout(wait)));
        } catch (SdkException e) {
            DispatchException d = AwsErrors.translateDispatch("invoking " + function, e);
            String hint = d.getMessage().contains("AccessDenied")
                    ? " (the command runner may invoke only functions whose names start with the stack's"
                    + " FunctionTaskPrefix parameter)" : "";
            throw new DispatchException(d.getMessage() + hint, d.isRetryable(), e);
        }
        String body = r.payload() == null ? null : r.payload().asUtf8String();
        return new Response(body, r.functionError());
    }
}
