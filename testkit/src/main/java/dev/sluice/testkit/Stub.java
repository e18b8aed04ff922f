package dev.sluice.testkit;

import dev.sluice.api.Task;
import java.util.Objects;

/**
 * What a task does instead of its own work in a {@link DagTest} run. The engine sees the stub's outcome as it would
 * the task's: a fixed output goes to downstream tasks as the task's output, a failure fails the try (retries, trigger
 * rules and {@code upstream_failed} follow), a skip skips it (and propagates).
 */
public sealed interface Stub {
    /** Succeeds at once with {@code value} as the output (written as JSON, as a handler's return value is). */
    static Stub output(Object value) {
        return new Output(value);
    }

    /** Succeeds at once with no output. */
    static Stub succeed() {
        return new Output(null);
    }

    /** Fails every try with {@code error}; the task's retries are used up, with no delay, before it fails. */
    static Stub fail(String error) {
        return new Fail(error, true);
    }

    /** Fails the first try with {@code error}, without retries (as {@code NonRetryableTaskException} does). */
    static Stub failNow(String error) {
        return new Fail(error, false);
    }

    /** Ends the try as {@code skipped}. */
    static Stub skip(String reason) {
        return new Skip(reason);
    }

    /** Runs {@code task} (say a lambda) instead, with the real context of the try: upstream outputs, params, item. */
    static Stub with(Task task) {
        return new WithTask(task);
    }

    record Output(Object value) implements Stub {
    }

    record Fail(String error, boolean retryable) implements Stub {
        public Fail {
            Objects.requireNonNull(error, "error");
        }
    }

    record Skip(String reason) implements Stub {
    }

    record WithTask(Task task) implements Stub {
        public WithTask {
            Objects.requireNonNull(task, "task");
        }
    }
}
