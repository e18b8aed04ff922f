package dev.sluice.store;

/** A conditional write lost a race: someone changed the record first. Retryable: re-read and decide again. */
public class ConcurrentUpdateException extends StoreException {
    private static final long serialVersionUID = 1L;

    public ConcurrentUpdateException(String message) {
        super(message, true);
    }
}
