package dev.sluice.functions.dispatch;

import dev.sluice.infra.AwsErrors;
import dev.sluice.infra.DispatchException;
import java.util.Objects;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/** {@link Dispatcher} over Lambda's asynchronous invoke (InvocationType=Event). Throttling is retried. */
public final class LambdaInvoker implements Dispatcher {
    private final LambdaClient lambda;

    public LambdaInvoker(LambdaClient lambda) {
        this.lambda = Objects.requireNonNull(lambda, "lambda");
    }

    @Override
    public void invoke(String function, String payloadJson) {
        InvokeResponse r;
        try {
            r = lambda.invoke(b -> b.functionName(function)
                    .invocationType(InvocationType.EVENT).payload(SdkBytes.fromUtf8String(payloadJson)));
        } catch (SdkException e) {
            throw AwsErrors.translateDispatch("invoking " + function, e);
        }
        if (r.statusCode() == null || r.statusCode() != 202) {
            throw new DispatchException("invoking " + function + ": status " + r.statusCode() + " (expected 202)",
                    true, null);
        }
    }
}
