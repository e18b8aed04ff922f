package dev.sluice.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.task.CommandWork;
import dev.sluice.functions.task.TaskRuntime;
import dev.sluice.functions.task.TaskWork;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The generic runner of {@code command} tasks: a TaskInvocation carrying the rendered command, run with
 * {@code /bin/sh -c} ({@link CommandWork}); claimed and reported by {@link TaskRuntime}.
 */
public final class CommandRunnerHandler implements RequestStreamHandler {
    private final TaskRuntime runtime;
    private final TaskWork work;

    public CommandRunnerHandler() {
        this(Holder.RUNTIME);
    }

    public CommandRunnerHandler(TaskRuntime runtime) {
        this.runtime = runtime;
        CommandWork command = new CommandWork();
        this.work = (inv, ctx, timeout, log) -> inv.kind().equals("command") ? command.run(inv, ctx, timeout, log)
                : new TaskResult.Failed("the command runner cannot run '" + inv.kind() + "' tasks yet ("
                        + inv.target() + ")", false);
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
