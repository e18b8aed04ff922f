package dev.sluice.engine;

/**
 * How an {@link Engine} shapes its decisions, set by name:
 * {@code EngineOptions.builder().maxDispatchesPerDecision(25).orderedWrites(true).build()}. Immutable; checked when
 * built.
 */
public final class EngineOptions {
    /** No bound on the dispatches of one decision, every decision written atomically. */
    public static final EngineOptions DEFAULTS = builder().build();

    private final int maxDispatchesPerDecision;
    private final boolean orderedWrites;

    private EngineOptions(Builder b) {
        this.maxDispatchesPerDecision = b.maxDispatchesPerDecision;
        this.orderedWrites = b.orderedWrites;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().maxDispatchesPerDecision(maxDispatchesPerDecision).orderedWrites(orderedWrites);
    }

    /**
     * Bound on the tries one decision starts, so a decision stays small enough for one store transaction (DynamoDB:
     * 100 items). When more are ready, the decision carries {@link Notification.MoreReady} and the adapter sends a
     * {@link Event.Tick} to continue.
     */
    public int maxDispatchesPerDecision() {
        return maxDispatchesPerDecision;
    }

    /**
     * Whether a completion that changes only instances may be applied as ordered single writes (see
     * {@link Decision#commitLast()}): for stores where a transaction costs more than its single writes.
     */
    public boolean orderedWrites() {
        return orderedWrites;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EngineOptions other && other.maxDispatchesPerDecision == maxDispatchesPerDecision
                && other.orderedWrites == orderedWrites;
    }

    @Override
    public int hashCode() {
        return 31 * maxDispatchesPerDecision + Boolean.hashCode(orderedWrites);
    }

    @Override
    public String toString() {
        return "EngineOptions[maxDispatchesPerDecision=" + maxDispatchesPerDecision + ", orderedWrites="
                + orderedWrites + "]";
    }

    /** Starts from {@link #DEFAULTS}. */
    public static final class Builder {
        private int maxDispatchesPerDecision = Integer.MAX_VALUE;
        private boolean orderedWrites;

        private Builder() {
        }

        public Builder maxDispatchesPerDecision(int n) {
            this.maxDispatchesPerDecision = n;
            return this;
        }

        public Builder orderedWrites(boolean on) {
            this.orderedWrites = on;
            return this;
        }

        /** @throws IllegalArgumentException when maxDispatchesPerDecision is below 1 */
        public EngineOptions build() {
            if (maxDispatchesPerDecision < 1) {
                throw new IllegalArgumentException("maxDispatchesPerDecision must be >= 1, got "
                        + maxDispatchesPerDecision);
            }
            return new EngineOptions(this);
        }
    }
}
