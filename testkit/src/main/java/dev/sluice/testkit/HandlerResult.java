package dev.sluice.testkit;

import dev.sluice.engine.HandlerOutcome;
import dev.sluice.engine.Json;
import java.util.List;

/**
 * What one call of a handler came to, as the runtimes see it: {@code success} with an output, {@code skipped}
 * ({@code SkipTask}), or {@code failed} (retryable unless it threw {@code NonRetryableTaskException}).
 */
public final class HandlerResult {
    private final HandlerOutcome outcome;
    private final List<String> logLines;

    HandlerResult(HandlerOutcome outcome, List<String> logLines) {
        this.outcome = outcome;
        this.logLines = logLines;
    }

    /** {@code success}, {@code skipped} or {@code failed}. */
    public String state() {
        if (outcome instanceof HandlerOutcome.Succeeded) {
            return "success";
        }
        return outcome instanceof HandlerOutcome.Skipped ? "skipped" : "failed";
    }

    /** The output as downstream tasks get it (read back from JSON), or null. */
    public Object output() {
        return outcome instanceof HandlerOutcome.Succeeded s ? Json.toJava(s.outputJson()) : null;
    }

    /** The output as stored: JSON text, or null. */
    public String outputJson() {
        return outcome instanceof HandlerOutcome.Succeeded s ? s.outputJson() : null;
    }

    /** The failure ({@code SimpleName: message}) or the skip reason; null on success. */
    public String error() {
        if (outcome instanceof HandlerOutcome.Failed f) {
            return f.error();
        }
        return outcome instanceof HandlerOutcome.Skipped s ? s.reason() : null;
    }

    /** For a failure: whether the engine would try again (when the task has retries left). */
    public boolean retryable() {
        return outcome instanceof HandlerOutcome.Failed f && f.retryable();
    }

    /** What the task threw, for a failure that came from an exception; else null. */
    public Throwable cause() {
        return outcome instanceof HandlerOutcome.Failed f ? f.cause() : null;
    }

    /** The lines the task gave to {@code context.log(...)}. */
    public List<String> logLines() {
        return logLines;
    }

    /** Throws an {@link AssertionError} (with the task's exception as its cause) unless the call succeeded. */
    public HandlerResult assertSucceeded() {
        if (!"success".equals(state())) {
            throw new AssertionError("the handler " + state() + ": " + error(), cause());
        }
        return this;
    }

    @Override
    public String toString() {
        return state() + (error() != null ? ": " + error() : outputJson() != null ? ": " + outputJson() : "");
    }
}
