package dev.sluice.functions.task;

import java.time.Duration;

/**
 * Calls a Lambda function synchronously (InvocationType=RequestResponse) and returns what it answered. On AWS:
 * {@link dev.sluice.functions.dispatch.LambdaFunctionInvoker}; in {@code sluice dev}: functions hosted in the
 * process, else the same SDK call against the configured endpoint.
 */
@FunctionalInterface
public interface FunctionInvoker {

    /**
     * @param payload       the function's response body (its return value as JSON, or Lambda's error object)
     * @param functionError Lambda's X-Amz-Function-Error ({@code Unhandled}, {@code Handled}), or null on success
     */
    record Response(String payload, String functionError) {
        public boolean failed() {
            return functionError != null && !functionError.isBlank();
        }
    }

    /**
     * @param timeout how long to wait for the answer, or null for the client's own limit
     * @throws dev.sluice.infra.DispatchException when the function was not invoked or its answer was lost; says
     *                                            whether trying again may help
     */
    Response invoke(String function, String payloadJson, Duration timeout);
}
