package dev.sluice.state;

/** A state change that the transition table does not allow. Always a bug in the caller, never bad user input. */
public final class IllegalTransitionException extends IllegalStateException {
    private final String from;
    private final String to;

    public IllegalTransitionException(String what, String from, String to) {
        super("illegal " + what + " transition " + from + " -> " + to);
        this.from = from;
        this.to = to;
    }

    public String from() {
        return from;
    }

    public String to() {
        return to;
    }
}
