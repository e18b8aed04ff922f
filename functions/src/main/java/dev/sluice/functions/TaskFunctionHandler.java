package dev.sluice.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.sluice.functions.task.HandlerWork;
import dev.sluice.functions.task.TaskRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Hosts a user {@link dev.sluice.api.Task} as a Lambda function. Input: a TaskInvocation JSON (asynchronous invoke).
 * The class is SLUICE_TASK_CLASS; without it (as in {@code sluice dev}) the class the invocation names. The try
 * is claimed, run and reported by {@link TaskRuntime}.
 */
public final class TaskFunctionHandler implements RequestStreamHandler {
    private final TaskRuntime runtime;
    private final HandlerWork work;

    public TaskFunctionHandler() {
        this(Holder.RUNTIME, Functions.fromEnvironment().config().taskClass());
    }

    public TaskFunctionHandler(TaskRuntime runtime, String hostedClass) {
        this.runtime = runtime;
        this.work = new HandlerWork(hostedClass);
    }

    private static final class Holder {
        static final TaskRuntime RUNTIME = Functions.fromEnvironment().taskRuntime();
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String result = runtime.handle(new String(input.readAllBytes(), StandardCharsets.UTF_8), context, work);
        output.write(result.getBytes(StandardCharsets.UTF_8));
    }
}
