package dev.sluice.api;

/** Thrown by a task to fail its try with no further retries (bad input, a permanent error). */
public class NonRetryableTaskException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NonRetryableTaskException(String message) {
        super(message);
    }

    public NonRetryableTaskException(String message, Throwable cause) {
        super(message, cause);
    }
}
