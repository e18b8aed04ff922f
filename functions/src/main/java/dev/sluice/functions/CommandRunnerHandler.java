package dev.sluice.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.sluice.engine.Json;
import dev.sluice.functions.dispatch.LambdaFunctionInvoker;
import dev.sluice.functions.effect.EffectRuntime;
import dev.sluice.functions.message.EffectInvocation;
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
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The generic runner of the tasks that have no function of their own, claimed and reported by {@link TaskRuntime}:
 * {@code command} tasks run with {@code /bin/sh -c} ({@link CommandWork}); {@code function} tasks invoke the named
 * Lambda function synchronously and report its answer ({@link FunctionWork}). It also carries out the effects
 * (callbacks and alerts) the coordinator sends it as {@link EffectInvocation}s ({@link EffectRuntime}), so that no
 * callback ever runs inside the coordinator.
 */
public final class CommandRunnerHandler implements RequestStreamHandler {
    private final TaskRuntime runtime;
    private final Supplier<EffectRuntime> effects;
    private final TaskWork work;

    public CommandRunnerHandler() {
        this(Holder.RUNTIME, () -> Holder.EFFECTS, () -> Sdk.INVOKER);
    }

    /** Function tasks call Lambda through the process's shared AWS settings. */
    public CommandRunnerHandler(TaskRuntime runtime) {
        this(runtime, () -> Holder.EFFECTS, () -> Sdk.INVOKER);
    }

    /**
     * @param effects   carries out effect invocations; asked for on the first one
     * @param functions how {@code function} tasks are invoked; asked for on the first one
     */
    public CommandRunnerHandler(TaskRuntime runtime, Supplier<EffectRuntime> effects,
                                Supplier<FunctionInvoker> functions) {
        this.runtime = runtime;
        this.effects = effects;
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
        static final EffectRuntime EFFECTS = Functions.fromEnvironment().effectRuntime();
    }

    /** Built on the first function task only. */
    private static final class Sdk {
        static final FunctionInvoker INVOKER = LambdaFunctionInvoker.create(AwsClients.shared());
    }

    private static boolean isEffect(String body) {
        try {
            return EffectInvocation.is(Json.read(body));
        } catch (IllegalArgumentException notJson) {
            return false; // the task runtime says what is wrong with it
        }
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String body = new String(input.readAllBytes(), StandardCharsets.UTF_8);
        String result;
        if (isEffect(body)) {
            Duration left = context == null || context.getRemainingTimeInMillis() <= 0 ? null
                    : Duration.ofMillis(context.getRemainingTimeInMillis()).minus(TaskRuntime.REPORT_MARGIN);
            result = effects.get().handle(EffectInvocation.parse(body), left);
        } else {
            result = runtime.handle(body, context, work);
        }
        output.write(result.getBytes(StandardCharsets.UTF_8));
    }
}
