package dev.sluice.functions.message;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** How a try ended, as the task runtime reports it. The coordinator turns it into the engine's task event. */
public sealed interface TaskResult {
    /** The status word in the completion message. */
    String status();

    /** @param outputJson the output as JSON text (or an S3 reference object), or null */
    record Succeeded(String outputJson) implements TaskResult {
        public String status() {
            return "success";
        }
    }

    record Failed(String error, boolean retryable) implements TaskResult {
        public Failed {
            Objects.requireNonNull(error, "error");
        }

        public String status() {
            return "failed";
        }
    }

    record Skipped(String reason) implements TaskResult {
        public String status() {
            return "skipped";
        }
    }

    /** A branch task chose these downstream task or group ids. */
    record Branched(List<String> chosen) implements TaskResult {
        public Branched {
            chosen = List.copyOf(chosen);
        }

        public String status() {
            return "branch";
        }
    }

    /** The try ran past its deadline (execution_timeout or the function's own time limit). Retryable. */
    record TimedOut(String reason) implements TaskResult {
        public String status() {
            return "timed_out";
        }
    }

    /** Run the try again at {@code until} without using up a try (a sensor that is not satisfied yet). */
    record Rescheduled(Instant until, String reason) implements TaskResult {
        public String status() {
            return "rescheduled";
        }
    }
}
