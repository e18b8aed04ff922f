package dev.sluice.functions.dispatch;

import dev.sluice.model.TaskKind;
import java.util.Map;
import java.util.Optional;

/**
 * Which function runs a task: a handler class's own function (SLUICE_HANDLER_FUNCTIONS, key {@code "*"} as the
 * fallback), the generic command runner for {@code command} tasks, the named function for {@code function} tasks.
 * Empty tasks need no function.
 */
public final class FunctionRouter {
    public static final String FALLBACK = "*";

    private final Map<String, String> handlerFunctions;
    private final String commandRunner;

    public FunctionRouter(Map<String, String> handlerFunctions, String commandRunner) {
        this.handlerFunctions = Map.copyOf(handlerFunctions);
        this.commandRunner = commandRunner;
    }

    /** The function, or empty with no configured function (the coordinator fails the try, not retryable). */
    public Optional<String> functionFor(TaskKind kind) {
        if (kind instanceof TaskKind.Handler h) {
            String f = handlerFunctions.get(h.className());
            return Optional.ofNullable(f != null ? f : handlerFunctions.get(FALLBACK));
        } else if (kind instanceof TaskKind.Command || kind instanceof TaskKind.Function) {
            // function tasks go through the command runner, which invokes the function and reports for it
            return Optional.ofNullable(commandRunner);
        }
        return Optional.empty();
    }

    /** Why {@link #functionFor} found nothing, for the task's error. */
    public String missing(TaskKind kind) {
        if (kind instanceof TaskKind.Handler h) {
            return "no function is configured for handler " + h.className()
                    + " (add it to SLUICE_HANDLER_FUNCTIONS, or a \"*\" fallback)";
        }
        return "no command runner function is configured (SLUICE_COMMAND_RUNNER_FUNCTION)";
    }
}
