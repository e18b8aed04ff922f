package dev.sluice.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sluice.api.NonRetryableTaskException;
import dev.sluice.api.SkipTask;
import dev.sluice.api.Task;
import dev.sluice.api.TaskContext;
import java.util.Objects;

/**
 * What one call of a {@link Task} came to, the same for every runtime: the local runner and the Lambda task runtime
 * both call {@link #of} and turn the result into their own report. A branch task's choice is its output (the
 * engine reads the ids from it); timeouts and interrupts are the runtime's, since only it holds the thread.
 *
 * <table>
 *   <caption>The classification</caption>
 *   <tr><th>the handler</th><th>outcome</th></tr>
 *   <tr><td>returns a value Jackson can write</td><td>{@link Succeeded} with its JSON (null for null)</td></tr>
 *   <tr><td>returns a value Jackson cannot write</td><td>{@link Failed}, not retryable, no cause</td></tr>
 *   <tr><td>throws {@link SkipTask}</td><td>{@link Skipped} with its message</td></tr>
 *   <tr><td>throws {@link NonRetryableTaskException}</td><td>{@link Failed}, not retryable</td></tr>
 *   <tr><td>throws anything else (errors included)</td><td>{@link Failed}, retryable</td></tr>
 * </table>
 */
public sealed interface HandlerOutcome {

    /** @param outputJson the return value as JSON text, or null when the handler returned null */
    record Succeeded(String outputJson) implements HandlerOutcome {
    }

    record Skipped(String reason) implements HandlerOutcome {
    }

    /**
     * @param error     {@code SimpleName: message}, or the class name when the exception has no message
     * @param cause     what the handler threw (for the try's log), or null when it returned an unwritable value
     */
    record Failed(String error, boolean retryable, Throwable cause) implements HandlerOutcome {
        public Failed {
            Objects.requireNonNull(error, "error");
        }
    }

    /** Calls the task once on the caller's thread and classifies what it returned or threw. */
    static HandlerOutcome of(Task task, TaskContext context) {
        Object value;
        try {
            value = task.run(context);
        } catch (SkipTask e) {
            return new Skipped(e.getMessage());
        } catch (NonRetryableTaskException e) {
            return new Failed(message(e), false, e);
        } catch (Throwable e) {
            return new Failed(message(e), true, e);
        }
        try {
            return new Succeeded(value == null ? null : Json.MAPPER.writeValueAsString(value));
        } catch (JsonProcessingException | RuntimeException e) {
            return new Failed("the handler's return value cannot be written as JSON ("
                    + value.getClass().getName() + "): " + e.getMessage(), false, null);
        }
    }

    /** How an exception reads in a try's error: {@code SimpleName: message}, or the class name alone. */
    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + m;
    }
}
