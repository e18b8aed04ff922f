package dev.sluice.functions.dispatch;

/**
 * Starts a task function asynchronously with a {@code TaskInvocation} payload. On AWS: a Lambda invoke with
 * InvocationType=Event ({@link LambdaInvoker}); in {@code sluice dev} and the tests: the handler, in this process
 * ({@link InProcessInvoker}). Returns once the invocation is accepted, not when the task ends.
 */
public interface Dispatcher {
    /**
     * @throws dev.sluice.infra.DispatchException when the invocation was not accepted; says whether to try again
     */
    void invoke(String function, String payloadJson);
}
