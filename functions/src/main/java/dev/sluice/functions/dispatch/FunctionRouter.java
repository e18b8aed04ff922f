package dev.sluice.functions.dispatch;

import dev.sluice.model.TaskKind;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which function runs a task: for a handler class, the function that {@link #pattern} names for it (routing by a
 * naming convention, so that neither the coordinator's environment nor its policy grows with each task class); the
 * generic command runner for {@code command} tasks and for {@code function} tasks (it invokes the named function).
 * Empty tasks need no function.
 *
 * <p>The pattern (SLUICE_HANDLER_FUNCTION_PATTERN) is a function name or ARN in which {@value #NAME} stands for the
 * handler class's {@linkplain #functionNamePart simple name}: template.yaml sets
 * {@code arn:...:function:sluice-<stack id>-{name}:live}, so {@code dev.sluice.examples.warehouse.LoadStaging} runs
 * in {@code sluice-<stack id>-LoadStaging}. A pattern without {@value #NAME} sends every class to one function that
 * hosts any class (what {@code sluice dev} does).
 */
public final class FunctionRouter {
    public static final String NAME = "{name}";
    /** What Lambda accepts in a function name. */
    private static final Pattern FUNCTION_NAME_CHARS = Pattern.compile("[A-Za-z0-9_-]+");

    private final String pattern;
    private final String commandRunner;

    /**
     * @param pattern       the handler functions' name pattern, or null when no handler function is configured
     * @param commandRunner the command runner function, or null
     */
    public FunctionRouter(String pattern, String commandRunner) {
        this.pattern = pattern == null || pattern.isBlank() ? null : pattern.strip();
        this.commandRunner = commandRunner;
    }

    /** The function, or empty with no configured function (the coordinator fails the try, not retryable). */
    public Optional<String> functionFor(TaskKind kind) {
        if (kind instanceof TaskKind.Handler h) {
            if (pattern == null) {
                return Optional.empty();
            }
            if (!pattern.contains(NAME)) {
                return Optional.of(pattern);
            }
            String part = functionNamePart(h.className());
            return part == null ? Optional.empty() : Optional.of(pattern.replace(NAME, part));
        } else if (kind instanceof TaskKind.Command || kind instanceof TaskKind.Function) {
            // function tasks go through the command runner, which invokes the function and reports for it
            return Optional.ofNullable(commandRunner);
        }
        return Optional.empty();
    }

    /**
     * The part of a function name that a handler class routes to: its simple name (after the last {@code .}), a
     * nested class's {@code $} as {@code -}; null when that is not a valid function name.
     */
    public static String functionNamePart(String className) {
        if (className == null) {
            return null;
        }
        String simple = className.substring(className.lastIndexOf('.') + 1).replace('$', '-');
        return FUNCTION_NAME_CHARS.matcher(simple).matches() ? simple : null;
    }

    /** Why {@link #functionFor} found nothing, for the task's error. */
    public String missing(TaskKind kind) {
        if (kind instanceof TaskKind.Handler h) {
            if (pattern == null) {
                return "no function is configured for handler classes (SLUICE_HANDLER_FUNCTION_PATTERN is not set)";
            }
            return "handler class " + h.className() + " cannot be routed to a function: its simple name is not a"
                    + " valid Lambda function name (letters, digits, - and _ only)";
        }
        return "no command runner function is configured (SLUICE_COMMAND_RUNNER_FUNCTION)";
    }
}
