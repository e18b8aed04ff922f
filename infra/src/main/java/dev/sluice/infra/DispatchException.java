package dev.sluice.infra;

/** Sending work to Lambda or SQS (or a payload to S3) failed; says whether trying again may help. */
public class DispatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    public DispatchException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean isRetryable() {
        return retryable;
    }
}
