package dev.sluice.store;

/** A storage failure, translated at the adapter boundary, that says whether trying again may help. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    public StoreException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public StoreException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean isRetryable() {
        return retryable;
    }
}
