package dev.sluice.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.sluice.functions.dispatch.LambdaFunctionInvoker;
import dev.sluice.functions.message.TaskResult;
import dev.sluice.functions.task.CommandWork;
import dev.sluice.functions.task.FunctionInvoker;
import dev.sluice.functions.task.FunctionWork;
import dev.sluice.functions.task.TaskRuntime;
import dev.sluice.functions.task.TaskWork;
import dev.sluice.infra.AwsClients;
import dev.sluice.model.TaskKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * The generic runner of the tasks that have no function of their own, claimed and reported by {@link TaskRuntime}:
 * {@code command} tasks run with {@code /bin/sh -c} ({@link CommandWork}); {@code function} tasks invoke the named
 * Lambda function synchronously and report its answer ({@link FunctionWork}).
 */
public final class CommandRunnerHandler implements RequestStreamHandler {
    private final TaskRuntime runtime;
    private final TaskWork work;

    public CommandRunnerHandler() {
        this(Holder.RUNTIME, () -> Sdk.INVOKER);
    }

    /** Function tasks call Lambda through the process's shared AWS settings. */
    public CommandRunnerHandler(TaskRuntime runtime) {
        this(runtime, () -> Sdk.INVOKER);
    }

    /** @param functions how {@code function} tasks are invoked; asked for on the first one */
    public CommandRunnerHandler(TaskRuntime runtime, Supplier<FunctionInvoker> functions) {
        this.runtime = runtime;
        CommandWork command = new CommandWork();
        FunctionWork function = new FunctionWork(functions);
        this.work = (inv, ctx, timeout, log) -> {
            if (inv.kind() instanceof TaskKind.Command) {
                return command.run(inv, ctx, timeout, log);
            } else if (inv.kind() instanceof TaskKind.Function) {
                return function.run(inv, ctx, timeout, log);
            }
            return new TaskResult.Failed("the command runner cannot run '" + inv.kindName() + "' tasks ("
                    + inv.target() + ")", false);
        };
    }

    private static final class Holder {
        static final TaskRuntime RUNTIME = Functions.fromEnvironment().taskRuntime();
    }

    /** Built on the first function task only. */
    private static final class Sdk {
        static final FunctionInvoker INVOKER = LambdaFunctionInvoker.create(AwsClients.shared());
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String result = runtime.handle(new String(input.readAllBytes(), StandardCharsets.UTF_8), context, work);
        output.write(result.getBytes(StandardCharsets.UTF_8));
    }
}
