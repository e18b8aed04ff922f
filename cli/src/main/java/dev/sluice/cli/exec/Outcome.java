package dev.sluice.cli.exec;

import java.time.Duration;
import java.util.Objects;

/** How one try ended, as seen by the process or thread that ran it. The engine turns it into an event. */
public sealed interface Outcome {

    /** @param outputJson the task's output as JSON text, or null for no output */
    record Succeeded(String outputJson) implements Outcome {
    }

    /** @param retryable false when trying again cannot help (missing class or command, NonRetryableTaskException) */
    record Failed(String error, boolean retryable) implements Outcome {
        public Failed {
            Objects.requireNonNull(error, "error");
        }
    }

    record Skipped(String reason) implements Outcome {
    }

    /** The try ran past its execution timeout and was killed. */
    record TimedOut(Duration after) implements Outcome {
        public TimedOut {
            Objects.requireNonNull(after, "after");
        }
    }
}
