package dev.sluice.functions.message;

/** A message that can never be handled (not JSON, unknown type, a missing field). Not retryable: it goes to the DLQ. */
public class MalformedMessageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MalformedMessageException(String reason) {
        super(reason);
    }
}
